package sqlstore

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// ArchiveService keeps the values sensors reported, one row per path,
// value, sensor and hour (table archived_values).
type ArchiveService struct {
	db *DB
}

var _ rampart.ArchiveService = (*ArchiveService)(nil)

// NewArchiveService returns an ArchiveService on db.
func NewArchiveService(db *DB) *ArchiveService {
	return &ArchiveService{db: db}
}

// archiveBatch is how many rows one INSERT writes (9 parameters each,
// within SQLite's limit of 32,766).
const archiveBatch = 1000

type archiveKey struct {
	path, value, sensor string
	hour                int64
}

// ArchiveValues adds values, merging those of one path, value, sensor and
// hour first: one statement may not change a row twice.
func (s *ArchiveService) ArchiveValues(ctx context.Context, values []rampart.ArchivedValue) error {
	merged := map[archiveKey]*rampart.ArchivedValue{}
	var keys []archiveKey
	for i := range values {
		v := &values[i]
		if v.Path == "" || v.Value == "" || v.First.IsZero() {
			return rampart.Errorf(rampart.EINVALID, "archived value %d: path, value and first time are required", i)
		}
		k := archiveKey{v.Path, v.Value, v.Sensor, v.First.Unix() / 3600}
		m := merged[k]
		if m == nil {
			c := *v
			c.Count = max(c.Count, 1)
			if c.Last.Before(c.First) {
				c.Last = c.First
			}
			merged[k] = &c
			keys = append(keys, k)
			continue
		}
		m.Count += max(v.Count, 1)
		if v.First.Before(m.First) {
			m.First = v.First
		}
		if v.Last.After(m.Last) {
			m.Last = v.Last
		}
	}
	for len(keys) > 0 {
		n := min(len(keys), archiveBatch)
		batch := keys[:n]
		keys = keys[n:]
		var b strings.Builder
		b.WriteString(`INSERT INTO archived_values (path, value, sensor, hour, addr, rdomain, first_seen, last_seen, count) VALUES `)
		args := make([]any, 0, 9*len(batch))
		for i, k := range batch {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			v := merged[k]
			addr, rdomain := archiveForms(v.Value)
			args = append(args, k.path, k.value, k.sensor, k.hour, addr, rdomain, versions.Micros(v.First), versions.Micros(v.Last), v.Count)
		}
		b.WriteString(` ON CONFLICT (path, value, sensor, hour) DO UPDATE SET
			first_seen = CASE WHEN excluded.first_seen < archived_values.first_seen THEN excluded.first_seen ELSE archived_values.first_seen END,
			last_seen = CASE WHEN excluded.last_seen > archived_values.last_seen THEN excluded.last_seen ELSE archived_values.last_seen END,
			count = archived_values.count + excluded.count`)
		query := b.String()
		if err := s.db.writeGrouped(ctx, "archive values", func(ctx context.Context, c conn) error {
			_, err := c.exec(ctx, query, args...)
			return err
		}); err != nil {
			return wrap("archive values", err)
		}
	}
	return nil
}

// archiveForms returns the forms of a value prefix and subdomain queries
// read: an address as 16 bytes, a domain with its labels reversed.
func archiveForms(v string) (addr any, rdomain any) {
	if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" {
		b := a.As16()
		return b[:], nil
	}
	if isDomain(v) {
		return nil, reverseDomain(v)
	}
	return nil, nil
}

// isDomain reports whether v looks like a domain name: dotted labels of
// letters, digits, '-' and '_'.
func isDomain(v string) bool {
	if !strings.Contains(v, ".") || len(v) > 253 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// reverseDomain returns "example.evil." for "evil.example", in lower case.
func reverseDomain(d string) string {
	labels := strings.Split(strings.ToLower(strings.TrimSuffix(d, ".")), ".")
	slices.Reverse(labels)
	return strings.Join(labels, ".") + "."
}

// FindArchivedValues returns the values that meet q, oldest hour first.
func (s *ArchiveService) FindArchivedValues(ctx context.Context, q rampart.ArchiveQuery) ([]rampart.ArchivedValue, error) {
	limit := q.Limit
	if limit <= 0 || limit > rampart.MaxArchiveResults {
		limit = rampart.MaxArchiveResults
	}
	since := versions.Micros(q.Since)
	if q.Since.IsZero() {
		since = 0
	}
	var where string
	var args []any
	switch {
	case q.Value != "":
		where, args = `path = ? AND value = ?`, []any{q.Path, q.Value}
	case q.Prefix.IsValid():
		p := q.Prefix.Masked()
		lo := p.Addr()
		hi := lastAddr(p)
		l16, h16 := lo.As16(), hi.As16()
		where, args = `path = ? AND addr >= ? AND addr <= ?`, []any{q.Path, l16[:], h16[:]}
	case q.Domain != "":
		r := reverseDomain(q.Domain)
		// Everything from "example.evil." up to, not including,
		// "example.evil/" ('/' follows '.').
		where, args = `path = ? AND rdomain >= ? AND rdomain < ?`, []any{q.Path, r, strings.TrimSuffix(r, ".") + "/"}
	default:
		return nil, rampart.Errorf(rampart.EINVALID, "an archive query names a value, an address prefix or a domain")
	}
	rows, err := s.db.read().query(ctx, `SELECT path, value, sensor, first_seen, last_seen, count FROM archived_values
		WHERE `+where+` AND last_seen >= ? ORDER BY hour, value, sensor LIMIT ?`, append(args, since, limit)...)
	if err != nil {
		return nil, wrap("find archived values", err)
	}
	defer rows.Close()
	var out []rampart.ArchivedValue
	for rows.Next() {
		var v rampart.ArchivedValue
		var first, last int64
		if err := rows.Scan(&v.Path, &v.Value, &v.Sensor, &first, &last, &v.Count); err != nil {
			return nil, wrap("find archived values", err)
		}
		v.First, v.Last = versions.Time(first), versions.Time(last)
		out = append(out, v)
	}
	return out, wrap("find archived values", rows.Err())
}

// lastAddr returns the last address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// PurgeArchive removes the values last seen before t.
func (s *ArchiveService) PurgeArchive(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.db.writeGrouped(ctx, "purge archive", func(ctx context.Context, c conn) error {
		res, err := c.exec(ctx, `DELETE FROM archived_values WHERE last_seen < ?`, versions.Micros(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, wrap("purge archive", err)
}
