package node

import (
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	got, err := ParseTime("since", "2026-03-10T10:30:00+01:00")
	if err != nil || !got.Equal(time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("ParseTime = %v, %v; want 2026-03-10T09:30:00Z", got, err)
	}
	if got, err := ParseTime("now", "now"); err != nil || time.Since(got) > time.Minute || got.Location() != time.UTC {
		t.Errorf(`ParseTime("now") = %v, %v`, got, err)
	}
	_, err = ParseTime("detected", "10/03/2026")
	if err == nil || !strings.Contains(err.Error(), `--detected "10/03/2026": give an RFC 3339 time`) {
		t.Errorf("ParseTime of a bad time: %v", err)
	}
}

func TestSplitList(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", " a , b,,c ": "a|b|c", ",": ""} {
		if got := strings.Join(SplitList(in), "|"); got != want {
			t.Errorf("SplitList(%q) = %q; want %q", in, got, want)
		}
	}
}
