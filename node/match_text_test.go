package node

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/match"
)

func TestCompiledIndicatorsWriteText(t *testing.T) {
	ci := &CompiledIndicators{Matcher: match.New(), Source: "feed.json", Decayed: 2,
		Skipped: []error{errors.New("a"), errors.New("b"), errors.New("c")}}
	var b strings.Builder
	if err := ci.WriteText(&b, 1500*time.Microsecond, 2); err != nil {
		t.Fatal(err)
	}
	want := `rampart: 2 indicators left out: their score is below the threshold (--include-decayed matches them)
rampart: error: feed.json: skipped a
rampart: error: feed.json: skipped b
rampart: error: … and 1 more indicators skipped
rampart: 0 indicators compiled in 2ms
`
	if b.String() != want {
		t.Errorf("WriteText:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestAppliedWarninglistsWriteText(t *testing.T) {
	for _, tc := range []struct {
		a    AppliedWarninglists
		want string
	}{
		{AppliedWarninglists{Lists: 1, Entries: 1}, "rampart: 1 warninglist with 1 entry applied\n"},
		{AppliedWarninglists{Lists: 2, Entries: 30, LeftOut: []error{errors.New(`list "x": bad CIDR`)}},
			"rampart: warning: list \"x\": bad CIDR (left out)\nrampart: 2 warninglists with 30 entries applied\n"},
	} {
		var b strings.Builder
		if err := tc.a.WriteText(&b); err != nil || b.String() != tc.want {
			t.Errorf("WriteText = %q, %v; want %q", b.String(), err, tc.want)
		}
	}
}

func TestMatchResultWriteText(t *testing.T) {
	r := MatchResult{Stats: match.Stats{Records: 5, Malformed: 3, Matched: 2, Sightings: 1, Suppressed: 4, Elapsed: time.Second,
		Errors: []*match.LineError{{Line: 3, Err: errors.New("malformed JSON")}}}}
	var b strings.Builder
	if err := r.WriteText(&b, "-"); err != nil {
		t.Fatal(err)
	}
	want := `rampart: error: stdin: malformed line 3: malformed JSON
rampart: error: stdin: … and 2 more malformed lines
rampart: 5 records read, 3 malformed, 2 matched, 1 sightings, 5 records/s
rampart: 4 matches on warninglists suppressed
`
	if b.String() != want {
		t.Errorf("WriteText:\n%s\nwant:\n%s", b.String(), want)
	}
	r = MatchResult{Stored: []string{"sighting--1"}, Collection: "c1"}
	b.Reset()
	r.WriteText(&b, "dns.log")
	if !strings.HasSuffix(b.String(), "rampart: stored 1 sighting in collection c1\n") {
		t.Errorf("stored: %q", b.String())
	}
}
