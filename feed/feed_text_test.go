package feed

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRunsWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := Runs(nil).WriteText(&b, "f"); err != nil || b.String() != "feed f has not run yet\n" {
		t.Errorf("no runs: %q, %v", b.String(), err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	runs := []*Run{
		{Feed: "f", Started: start.Add(time.Hour), Finished: start.Add(time.Hour), Status: StatusNotModified},
		{Feed: "f", Started: start, Finished: start.Add(1500 * time.Millisecond), Status: StatusOK, Fetched: 3, New: 2, Failed: 1,
			Failures: []Failure{{Line: 3, Reason: "not a value"}}},
	}
	b.Reset()
	if err := Runs(runs).WriteText(&b, "f"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if len(lines) < 6 || !strings.HasPrefix(lines[0], "STARTED ") || !strings.Contains(lines[2], " 1.5s ") || !strings.HasSuffix(lines[2], " -") {
		t.Fatalf("table:\n%s", b.String())
	}
	// The failed lines are those of the latest run that read the feed,
	// not of the newer one answered 304.
	want := "\nfailed lines of the latest run that read the feed, " + start.Local().Format(time.DateTime) + " (1 of 1):\n  line 3: not a value\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Errorf("runs end %q, want %q", b.String(), want)
	}
}

func TestListingsWriteText(t *testing.T) {
	var b bytes.Buffer
	rows := []Listing{{Name: "never", Format: "list", Interval: "1h0m0s", Collection: "cti/default", URL: "https://x.example/l"},
		{Name: "ran", Format: "csv", Interval: "1h0m0s", Collection: "cti/default", URL: "https://y.example/c",
			Last: &Run{Started: time.Now(), Status: StatusOK, New: 4, Updated: 3, Expired: 2, Failed: 1}}}
	if err := Listings(rows).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME ") {
		t.Fatalf("listing:\n%s", b.String())
	}
	if f := strings.Fields(lines[1]); strings.Join(f[4:], " ") != "never - - - - - https://x.example/l" {
		t.Errorf("a feed that never ran: %q", lines[1])
	}
	if f := strings.Fields(lines[2]); strings.Join(f[len(f)-6:], " ") != "ok 4 3 2 1 https://y.example/c" {
		t.Errorf("a feed that ran: %q", lines[2])
	}
}

func TestTrialWriteText(t *testing.T) {
	tr := &Trial{Bytes: 40, Values: 2, Failed: 1, Kinds: map[Kind]int{KindIPv4: 1, KindDomain: 1},
		Sample: []Entry{{Line: 1, Kind: KindIPv4, Value: "192.0.2.1", Description: "a scanner"}}}
	var b bytes.Buffer
	if err := tr.WriteText(&b, "f"); err != nil {
		t.Fatal(err)
	}
	want := "line 1: ipv4 192.0.2.1  [ipv4-addr:value = '192.0.2.1']\n    a scanner\n" +
		"f: 40 bytes, 2 values (1 domain, 1 ipv4), 1 failed, 0 skipped; nothing stored (--dry-run)\n"
	if b.String() != want {
		t.Errorf("WriteText = %q, want %q", b.String(), want)
	}
	b.Reset()
	(&Trial{}).WriteText(&b, "f")
	if !strings.Contains(b.String(), "0 values (-)") {
		t.Errorf("an empty trial: %q", b.String())
	}
}

func TestFeedTextLines(t *testing.T) {
	f := &Feed{Name: "f", Format: FormatCSV, URL: "https://user:pw@feeds.example/x.csv", APIRoot: "cti"}
	if got := f.Describe(); !strings.HasPrefix(got, "feed f: csv ") || strings.Contains(got, "pw") || !strings.HasSuffix(got, " every 1h0m0s into cti/-") {
		t.Errorf("Describe = %q", got)
	}
	for _, tc := range []struct{ got, want string }{
		{Progress{Stage: "fetching"}.String(), "fetching"},
		{Progress{Stage: "storing", Done: 3, Total: 10}.String(), "storing 3/10 values"},
		{Failure{Line: 3, Reason: "bad"}.String(), "line 3: bad"},
		{Failure{Reason: "no answer"}.String(), "no answer"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
