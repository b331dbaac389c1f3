package sqlgen

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// TestFindQuery pins the statement text in both dialects for a merge of
// branches with added_after and for a listing by ids: what the query plan
// tests of the stores measured is what the stores run.
func TestFindQuery(t *testing.T) {
	after := time.UnixMicro(1_700_000_000_000_000).UTC()
	const cols = "SELECT v.seq, v.id, v.type, v.spec_version, v.spec_set, v.created, v.modified, v.date_added, "
	const (
		sqliteCols   = cols + "length(v.raw) AS size, "
		postgresCols = cols + "octet_length(v.raw) AS size, "
	)
	tests := []struct {
		name     string
		filter   rampart.ObjectFilter
		d        *Dialect
		want     string
		wantArgs []any
	}{
		{
			"two types sqlite",
			rampart.ObjectFilter{Types: []string{"indicator", "malware"}, AddedAfter: &after},
			SQLite,
			"SELECT * FROM (" + sqliteCols + "v.raw FROM objects v WHERE v.collection = ? AND v.type = ? AND v.latest = ? AND v.seq > max(?, coalesce((SELECT w.seq FROM objects w WHERE w.collection = ? AND w.date_added <= ? ORDER BY w.date_added DESC, w.seq DESC LIMIT 1), 0)) AND v.date_added > ? ORDER BY v.seq LIMIT ?)" +
				" UNION ALL SELECT * FROM (" + sqliteCols + "v.raw FROM objects v WHERE v.collection = ? AND v.type = ? AND v.latest = ? AND v.seq > max(?, coalesce((SELECT w.seq FROM objects w WHERE w.collection = ? AND w.date_added <= ? ORDER BY w.date_added DESC, w.seq DESC LIMIT 1), 0)) AND v.date_added > ? ORDER BY v.seq LIMIT ?)" +
				" ORDER BY seq LIMIT ?",
			[]any{int64(7), "indicator", true, int64(0), int64(7), int64(1_700_000_000_000_000), int64(1_700_000_000_000_000), 11,
				int64(7), "malware", true, int64(0), int64(7), int64(1_700_000_000_000_000), int64(1_700_000_000_000_000), 11, 11},
		},
		{
			"two types postgres",
			rampart.ObjectFilter{Types: []string{"indicator", "malware"}, AddedAfter: &after},
			PostgreSQL,
			"(" + postgresCols + "v.raw FROM objects v WHERE v.collection = $1 AND v.type = $2 AND v.latest = $3 AND v.seq > greatest($4, coalesce((SELECT w.seq FROM objects w WHERE w.collection = $5 AND w.date_added <= $6 ORDER BY w.date_added DESC, w.seq DESC LIMIT 1), 0)) AND v.date_added > $7 ORDER BY v.seq LIMIT $8)" +
				" UNION ALL (" + postgresCols + "v.raw FROM objects v WHERE v.collection = $9 AND v.type = $10 AND v.latest = $11 AND v.seq > greatest($12, coalesce((SELECT w.seq FROM objects w WHERE w.collection = $13 AND w.date_added <= $14 ORDER BY w.date_added DESC, w.seq DESC LIMIT 1), 0)) AND v.date_added > $15 ORDER BY v.seq LIMIT $16)" +
				" ORDER BY seq LIMIT $17",
			[]any{int64(7), "indicator", true, int64(0), int64(7), after, after, 11,
				int64(7), "malware", true, int64(0), int64(7), after, after, 11, 11},
		},
		{
			"ids sqlite",
			rampart.ObjectFilter{IDs: []string{"tool--1", "tool--2"}, Versions: []string{"first", "2020-01-01T00:00:00Z"}, MetadataOnly: true},
			SQLite,
			sqliteCols + "NULL FROM objects v WHERE v.collection = ? AND v.seq > ? AND v.id IN (?, ?) AND ((v.earliest) OR (v.top AND v.version IN (?))) ORDER BY v.seq LIMIT ?",
			[]any{int64(7), int64(0), "tool--1", "tool--2", "2020-01-01T00:00:00.000000000Z", 11},
		},
		{
			"ids postgres",
			rampart.ObjectFilter{IDs: []string{"tool--1", "tool--2"}, Versions: []string{"first", "2020-01-01T00:00:00Z"}, MetadataOnly: true},
			PostgreSQL,
			postgresCols + "NULL::bytea AS raw FROM objects v WHERE v.collection = $1 AND v.seq > $2 AND v.id = ANY($3) AND ((v.earliest) OR (v.top AND v.version = ANY($4))) ORDER BY v.seq LIMIT $5",
			[]any{int64(7), int64(0), []string{"tool--1", "tool--2"}, []string{"2020-01-01T00:00:00.000000000Z"}, 11},
		},
		{
			"spec versions sqlite",
			rampart.ObjectFilter{Types: []string{"tool"}, SpecVersions: []string{"2.0", "2.1"}, Versions: []string{"last"}},
			SQLite,
			"SELECT * FROM (" + sqliteCols + "v.raw FROM objects v WHERE v.collection = ? AND v.type = ? AND v.latest = ? AND v.seq > ? AND (v.spec_version IN (?, ?) AND ((NOT EXISTS (SELECT 1 FROM objects w WHERE w.collection = v.collection AND w.id = v.id AND w.version > v.version AND w.spec_version IN (?, ?))))) ORDER BY v.seq LIMIT ?)" +
				" UNION ALL SELECT * FROM (" + sqliteCols + "v.raw FROM objects v WHERE v.collection = ? AND v.type = ? AND v.latest = ? AND v.seq > ? AND (v.spec_version IN (?, ?) AND ((NOT EXISTS (SELECT 1 FROM objects w WHERE w.collection = v.collection AND w.id = v.id AND w.version > v.version AND w.spec_version IN (?, ?))))) ORDER BY v.seq LIMIT ?)" +
				" ORDER BY seq LIMIT ?",
			[]any{int64(7), "tool", false, int64(0), "2.0", "2.1", "2.0", "2.1", 11, int64(7), "tool", true, int64(0), "2.0", "2.1", "2.0", "2.1", 11, 11},
		},
		{
			"range sqlite",
			rampart.ObjectFilter{AfterSeq: 5, ThroughSeq: 9},
			SQLite,
			sqliteCols + "v.raw FROM objects v WHERE v.collection = ? AND v.latest = ? AND v.seq > ? AND v.seq <= ? ORDER BY v.seq LIMIT ?",
			[]any{int64(7), true, int64(5), int64(9), 11},
		},
		{
			"range postgres",
			rampart.ObjectFilter{AfterSeq: 5, ThroughSeq: 9, MetadataOnly: true},
			PostgreSQL,
			postgresCols + "NULL::bytea AS raw FROM objects v WHERE v.collection = $1 AND v.latest = $2 AND v.seq > $3 AND v.seq <= $4 ORDER BY v.seq LIMIT $5",
			[]any{int64(7), true, int64(5), int64(9), 11},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.filter
			f.CollectionID, f.Limit = "c", 10
			q, err := versions.ParseFilter(f)
			if err != nil {
				t.Fatal(err)
			}
			q.Simplify(true)
			got, args := FindQuery(tt.d, q, 7)
			if got != tt.want {
				t.Errorf("statement:\n got %s\nwant %s", got, tt.want)
			}
			if diff := cmp.Diff(tt.wantArgs, args); diff != "" {
				t.Errorf("arguments (-want +got):\n%s", diff)
			}
		})
	}
}

var numbered = regexp.MustCompile(`\$([0-9]+)`)

// checkPlaceholders fails t unless the statement has one placeholder per
// argument, in order, and list arguments only where the dialect takes
// arrays.
func checkPlaceholders(t *testing.T, d *Dialect, query string, args []any) {
	t.Helper()
	if !d.Numbered {
		if n := strings.Count(query, "?"); n != len(args) {
			t.Fatalf("%d placeholders for %d arguments in %s", n, len(args), query)
		}
	} else {
		for i, m := range numbered.FindAllStringSubmatch(query, -1) {
			if m[1] != strconv.Itoa(i+1) {
				t.Fatalf("placeholder %d is $%s in %s", i+1, m[1], query)
			}
		}
		if n := len(numbered.FindAllString(query, -1)); n != len(args) || strings.Contains(query, "?") {
			t.Fatalf("%d placeholders for %d arguments in %s", n, len(args), query)
		}
	}
	for i, a := range args {
		if _, isList := a.([]string); isList && !d.Arrays {
			t.Fatalf("argument %d is a list in %s", i+1, query)
		}
	}
}

// FuzzFindQuery: for any filter ParseFilter accepts, the statement in
// either dialect has exactly one placeholder per argument, numbered in
// order; and so has StoredVersions's.
func FuzzFindQuery(f *testing.F) {
	f.Add("indicator,malware", "", "last", "", int64(0), false, true, false)
	f.Add("tool", "tool--1,tool--2", "first,2020-01-01T00:00:00Z", "2.0,2.1", int64(5), true, false, true)
	f.Add("", "", "all", "2.1", int64(-3), false, false, true)
	f.Fuzz(func(t *testing.T, types, ids, version, spec string, after int64, addedAfter, metadata, mixed bool) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		fl := rampart.ObjectFilter{CollectionID: "c", Types: split(types), IDs: split(ids), Versions: split(version),
			SpecVersions: split(spec), AfterSeq: after, MetadataOnly: metadata}
		if addedAfter {
			at := time.UnixMicro(after)
			fl.AddedAfter = &at
		}
		q, err := versions.ParseFilter(fl)
		if err != nil {
			return
		}
		q.Simplify(mixed)
		for _, d := range []*Dialect{SQLite, PostgreSQL} {
			query, args := FindQuery(d, q, 1)
			checkPlaceholders(t, d, query, args)
			if len(q.IDs) > 0 {
				query, args = StoredVersions(d, 1, q.IDs)
				checkPlaceholders(t, d, query, args)
			}
		}
	})
}

// rows replays scanned values as a driver's rows would. It hands out raw
// columns as driverBytes in one buffer of its own, overwritten by the
// next row, as drivers that scan without copying do, and counts the rows
// scanned.
type rows struct {
	data    [][]any
	err     error
	buf     []byte
	scanned int
}

// driverBytes stands for sql.RawBytes and pgx's DriverBytes.
type driverBytes []byte

func (r *rows) Next() bool { return len(r.data) > 0 }

func (r *rows) Scan(dest ...any) error {
	row := r.data[0]
	r.data = r.data[1:]
	r.scanned++
	for i, v := range row {
		switch d := dest[i].(type) {
		case *int64:
			*d = v.(int64)
		case *string:
			*d = v.(string)
		case *bool:
			*d = v.(bool)
		case *driverBytes:
			b, _ := v.([]byte)
			clear(r.buf)
			r.buf = append(r.buf[:0], b...)
			*d = r.buf
		default:
			return errors.New("unexpected destination")
		}
	}
	return nil
}

func (r *rows) Err() error { return r.err }

func TestReadPage(t *testing.T) {
	raw := func(n int) []byte {
		return []byte(`{"type":"tool","spec_version":"2.1","id":"tool--00000000-0000-4000-8000-00000000000` + strconv.Itoa(n) +
			`","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":"t"}`)
	}
	row := func(seq int64, body []byte) []any {
		return []any{seq, "tool--1", "tool", "2.1", true, "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", seq * 1000, int64(len(body)), body}
	}
	tests := []struct {
		name     string
		rows     [][]any
		err      error
		wantSeqs []int64
		wantMore bool
		wantErr  string
	}{
		{"short page", [][]any{row(1, raw(1))}, nil, []int64{1}, false, ""},
		{"one more than the limit", [][]any{row(1, raw(1)), row(2, raw(2)), row(3, raw(3))}, nil, []int64{1, 2}, true, ""},
		{"longer rows first", [][]any{row(1, append(raw(1), "     "...)), row(2, raw(2))}, nil, []int64{1, 2}, false, ""},
		{"bad stored text", [][]any{row(4, []byte("{"))}, nil, nil, false, "find objects: stored version 4: "},
		{"driver error", nil, errors.New("disk"), nil, false, "find objects: disk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &versions.Query{Limit: 2}
			rs := &rows{data: tt.rows, err: tt.err}
			page, err := ReadPage[int64, driverBytes](q, rs, func(ms int64) time.Time { return time.UnixMilli(ms).UTC() })
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one beginning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for i, v := range page.Versions {
				seqs = append(seqs, v.Seq)
				if want := time.UnixMilli(v.Seq * 1000).UTC(); !v.DateAdded.Equal(want) {
					t.Errorf("version %d: DateAdded %v, want %v", v.Seq, v.DateAdded, want)
				}
				// The driver's buffer was overwritten since: what
				// the page keeps must be its own copy.
				stored := tt.rows[i][9].([]byte)
				if !bytes.Equal(v.Object.Raw, stored) && !bytes.Equal(v.Object.Raw, bytes.TrimSpace(stored)) {
					t.Errorf("version %d: Raw %q, want %q", v.Seq, v.Object.Raw, stored)
				}
				if v.Size != int64(len(stored)) {
					t.Errorf("version %d: Size %d, want %d", v.Seq, v.Size, len(stored))
				}
			}
			if rs.scanned > len(page.Versions) {
				t.Errorf("%d rows scanned for a page of %d: the row that tells of more was scanned", rs.scanned, len(page.Versions))
			}
			if diff := cmp.Diff(tt.wantSeqs, seqs); diff != "" || page.More != tt.wantMore {
				t.Errorf("seqs (-want +got):\n%s\nmore %v, want %v", diff, page.More, tt.wantMore)
			}
		})
	}
}
