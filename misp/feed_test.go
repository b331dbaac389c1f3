package misp

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

func TestReadFeedDir(t *testing.T) {
	dir := filepath.Join(fixtureDir, "feed")
	var objs []*stix.Object
	sum, err := ReadFeed(context.Background(), DirFetch(dir), time.Time{}, func(o *stix.Object) error {
		objs = append(objs, o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Listed != 10 || sum.Fetched != 10 || sum.Events != 10 || len(sum.Failures) != 0 {
		t.Fatalf("got %s, want 10 events listed, fetched and converted, none failed", sum)
	}
	// Every TweetFeed attribute is to_ids: all become indicators.
	if sum.Indicators != sum.Attributes || sum.Attributes < 1000 {
		t.Errorf("got %s: want every attribute (over 1000) an indicator", sum)
	}
	// hashes.csv upstream is md5(value),uuid of these very attributes.
	evs := feedEvents(t, dir)
	want, err := os.ReadFile(filepath.Join(dir, HashesName))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := lines(string(FeedHashes(evs))), lines(string(want)); !slices.Equal(got, want) {
		t.Errorf("FeedHashes: %d lines, upstream hashes.csv %d; first differing near %v", len(got), len(want), firstDiff(got, want))
	}

	// Since the third newest event: the two newest (same timestamp) are read.
	m, _ := readManifest(context.Background(), DirFetch(dir))
	var ts []int64
	for _, e := range m {
		ts = append(ts, e.Timestamp.Int(0))
	}
	slices.Sort(ts)
	sum, err = ReadFeed(context.Background(), DirFetch(dir), time.Unix(ts[len(ts)-3], 0), func(*stix.Object) error { return nil })
	if err != nil || sum.Fetched != 2 || sum.Skipped != 8 {
		t.Errorf("since the third newest: got %s, %v; want 2 fetched, 8 unchanged", sum, err)
	}
}

func feedEvents(t testing.TB, dir string) []*Event {
	var evs []*Event
	names, _ := filepath.Glob(filepath.Join(dir, "*-*.json"))
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		e, _, err := Parse(data, n)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e...)
	}
	return evs
}

func lines(s string) []string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	slices.Sort(l)
	return l
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " / " + b[i]
		}
	}
	return "the end"
}

// A feed written by WriteFeed reads back into the same events.
func TestWriteFeedReadsBack(t *testing.T) {
	evs, objs, _ := convertFile(t, "pymisp-events/reportlab_testfiles/galaxy_1.json")
	x := NewExporter()
	for _, o := range objs {
		x.Add(o)
	}
	back, errs := x.Events()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	dir := t.TempDir()
	if err := WriteFeed(back, DirPut(dir)); err != nil {
		t.Fatal(err)
	}
	var again []*stix.Object
	sum, err := ReadFeed(context.Background(), DirFetch(dir), time.Time{}, func(o *stix.Object) error {
		again = append(again, o)
		return nil
	})
	if err != nil || sum.Events != 1 || len(sum.Failures) > 0 {
		t.Fatalf("ReadFeed: %s, %v", sum, err)
	}
	x = NewExporter()
	for _, o := range again {
		x.Add(o)
	}
	back2, _ := x.Events()
	if len(back2) != 1 || !slices.Equal(digest(evs[0]), digest(back2[0])) {
		t.Errorf("feed written and read again changed the event")
	}
	hashes, _ := os.ReadFile(filepath.Join(dir, HashesName))
	if !strings.Contains(string(hashes), ","+evs[0].UUID+"\n") {
		t.Errorf("hashes.csv names no line of event %s", evs[0].UUID)
	}
}

func TestReadFeedBadEvent(t *testing.T) {
	dir := t.TempDir()
	good := "11111111-1111-4111-8111-111111111111"
	bad := "22222222-2222-4222-8222-222222222222"
	missing := "33333333-3333-4333-8333-333333333333"
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(ManifestName, `{"`+good+`":{"timestamp":"1"},"`+bad+`":{"timestamp":"2"},"`+missing+`":{"timestamp":"3"},"../etc":{}}`)
	write(good+".json", `{"Event":{"uuid":"`+good+`","info":"good","Attribute":[{"uuid":"`+good+`","type":"domain","value":"a.example","to_ids":true}]}}`)
	write(bad+".json", `{"Event":{"uuid":"`+bad+`","info":`)
	sum, err := ReadFeed(context.Background(), DirFetch(dir), time.Time{}, func(*stix.Object) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != 1 || sum.Indicators != 1 || len(sum.Failures) != 3 {
		t.Fatalf("got %s, want the good event imported and 3 failures", sum)
	}
	var msgs []string
	for _, f := range sum.Failures {
		msgs = append(msgs, f.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{bad + ".json", missing + ".json", `"../etc" is not an event uuid`} {
		if !strings.Contains(all, want) {
			t.Errorf("failures do not mention %q:\n%s", want, all)
		}
	}
}
