package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestFormatBytes(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1536, "1.5 KiB"},
		{200 << 20, "200.0 MiB"},
		{3 << 29, "1.5 GiB"},
	} {
		if got := FormatBytes(tt.n); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestNotTerminal checks that nothing is drawn on a writer that is not a
// terminal, so logs and pipes get only the command's own summary.
func TestNotTerminal(t *testing.T) {
	var b bytes.Buffer
	bar := New(&b, "importing", 100, "objects")
	bar.Set(50, 10)
	bar.Done()
	l := NewLine(&b)
	l.Printf("%d records", 5)
	l.Clear()
	if b.Len() != 0 || l.Enabled() {
		t.Errorf("drew %q on a buffer", b.String())
	}
}

// TestBarPlural checks that one item is counted as "1 object", not
// "1 objects".
func TestBarPlural(t *testing.T) {
	for _, tc := range []struct {
		items int64
		want  string
	}{{1, "importing: 1 object, 10 B"}, {2, "importing: 2 objects, 10 B"}, {0, "importing: 0 objects, 10 B"}} {
		var b bytes.Buffer
		bar := New(&b, "importing", 0, "objects")
		bar.enabled = true
		bar.Set(10, tc.items)
		if got := b.String(); !strings.Contains(got, tc.want+",") || !strings.Contains(got, " objects/s") {
			t.Errorf("%d items: drew %q, want %q and a rate in objects/s", tc.items, got, tc.want)
		}
	}
}
