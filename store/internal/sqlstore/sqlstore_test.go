package sqlstore

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestBind(t *testing.T) {
	tests := []struct {
		numbered bool
		in, want string
	}{
		{false, "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = ? AND c = ?"},
		{true, "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2"},
		{true, "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"},
		{true, "SELECT 1", "SELECT 1"},
	}
	for _, tt := range tests {
		d := &Dialect{Numbered: tt.numbered}
		for range 2 { // made, then kept
			if got := d.bind(tt.in); got != tt.want {
				t.Errorf("bind(%q), numbered %v = %q, want %q", tt.in, tt.numbered, got, tt.want)
			}
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		prefix, want string
		ok           bool
	}{
		{"", "", false},
		{"ew/", "ew0", true},
		{"a\x7f", "a\u0080", true},
		{"\ud7ff", "\ue000", true}, // past the surrogates
		{"a\U0010ffff", "b", true},
		{"\U0010ffff\U0010ffff", "", false},
	}
	for _, tt := range tests {
		got, ok := prefixEnd(tt.prefix)
		if got != tt.want || ok != tt.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tt.prefix, got, ok, tt.want, tt.ok)
		}
		if ok && (!utf8.ValidString(got) || got <= tt.prefix || strings.HasPrefix(got, tt.prefix)) {
			t.Errorf("prefixEnd(%q) = %q: not a UTF-8 string above every string with the prefix", tt.prefix, got)
		}
	}
}

func TestTimeColumn(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 891011000, time.UTC)
	us := at.UnixMicro()
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		src        any
		zeroIsNone bool
		want       time.Time
	}{
		{us, false, at.Truncate(time.Microsecond)},
		{at.In(paris), false, at},
		{nil, false, time.Time{}},
		{int64(0), false, time.UnixMicro(0).UTC()},
		{int64(0), true, time.Time{}},
		{nil, true, time.Time{}},
	}
	for _, tt := range tests {
		var got time.Time
		dest := scanTime(&got)
		if tt.zeroIsNone {
			dest = scanOptionalTime(&got)
		}
		if err := dest.Scan(tt.src); err != nil {
			t.Errorf("Scan(%v), zeroIsNone %v: %v", tt.src, tt.zeroIsNone, err)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("Scan(%v), zeroIsNone %v = %v, want %v in UTC", tt.src, tt.zeroIsNone, got, tt.want)
		}
	}
	var got time.Time
	if err := scanTime(&got).Scan("2026-03-04"); err == nil {
		t.Errorf("Scan of a string succeeded")
	}
}

func TestStamp(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 891011999, time.FixedZone("CET", 3600))
	if got, want := (&Dialect{}).stamp(at), at.UnixMicro(); got != want {
		t.Errorf("stamp in microseconds = %v, want %v", got, want)
	}
	got, ok := (&Dialect{Timestamptz: true}).stamp(at).(time.Time)
	if want := at.Truncate(time.Microsecond); !ok || !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("stamp as a time = %v, want %v in UTC", got, want)
	}
}

func TestList(t *testing.T) {
	for _, in := range [][]string{nil, {}, {"application/stix+json;version=2.1", `a "quoted" one`}} {
		arg, err := (&Dialect{}).list(in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, src := range []any{arg, []byte(arg.(string))} {
			if err := (&Dialect{}).scanList(&got).(interface{ Scan(any) error }).Scan(src); err != nil {
				t.Fatalf("Scan(%q): %v", src, err)
			}
			if got == nil || !slices.Equal(got, in) {
				t.Errorf("list %q read back as %q", in, got)
			}
		}
		if arg, _ := (&Dialect{Arrays: true}).list(in); arg == nil || !slices.Equal(arg.([]string), in) {
			t.Errorf("list %q as an array parameter = %#v", in, arg)
		}
	}
	var got []string
	if err := (&Dialect{}).scanList(&got).(interface{ Scan(any) error }).Scan("{a,b}"); err == nil {
		t.Errorf("Scan of a PostgreSQL array literal as JSON succeeded")
	}
}
