package node

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

// matchLog is a log of three records, two of them on the indicators of
// writeIndicators and one malformed.
const matchLog = `{"ts":"2026-03-01T10:00:00Z","ipv4-addr:value":"8.8.8.8"}
{"ts":"2026-03-01T10:01:00Z","ipv4-addr:value":"203.0.113.50"}
{"ts":"2026-03-01T10:02:00Z","ipv4-addr:value":
{"ts":"2026-03-01T10:03:00Z","ipv4-addr:value":"192.0.2.1"}
`

// writeIndicators writes indicators of 8.8.8.8 and 203.0.113.50, and one
// with a broken pattern, as JSON lines.
func writeIndicators(t *testing.T) string {
	t.Helper()
	broken := strings.Replace(ipIndicator(t, 3, "x"), `'x']`, `'x'`, 1)
	path := filepath.Join(t.TempDir(), "indicators.jsonl")
	if err := os.WriteFile(path, []byte(ipIndicator(t, 1, "8.8.8.8")+"\n"+ipIndicator(t, 2, "203.0.113.50")+"\n"+broken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCompileIndicatorsFile(t *testing.T) {
	ctx := context.Background()
	path := writeIndicators(t)
	ci, err := CompileIndicators(ctx, nil, MatchSource{File: path})
	if err != nil {
		t.Fatal(err)
	}
	if ci.Matcher.Len() != 2 || len(ci.Skipped) != 1 || ci.Source != path || ci.Decayed != 0 {
		t.Errorf("compiled %d, skipped %v, source %q; want 2, the broken one, %q", ci.Matcher.Len(), ci.Skipped, ci.Source, path)
	}
	notIndicators := filepath.Join(t.TempDir(), "x.json")
	os.WriteFile(notIndicators, []byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{"type":`), 0o600)
	for _, tc := range []struct {
		src  MatchSource
		want string
	}{
		{MatchSource{File: filepath.Join(t.TempDir(), "nosuch.json")}, "nosuch.json: no such file"},
		{MatchSource{File: notIndicators}, notIndicators + ": "},
		{MatchSource{}, "neither a file nor a collection"},
	} {
		if ci, err := CompileIndicators(ctx, nil, tc.src); ci != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, err %v; want an error with %q", tc.src, ci, err, tc.want)
		}
	}
}

func TestCompileIndicatorsCollection(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, false, false)
	c := an.defaultCollection(t)
	objs := []*stix.Object{indicator(t, 1), indicator(t, 2), note(t, 3)}
	if _, err := an.Objects.CreateObjects(ctx, c.ID, objs); err != nil {
		t.Fatal(err)
	}
	// The indicators, valid from January 2026, have decayed by now
	// unless the scores are left aside.
	for _, tc := range []struct {
		all               bool
		compiled, decayed int
	}{{false, 0, 2}, {true, 2, 0}} {
		ci, err := CompileIndicators(ctx, an.Node, MatchSource{Collection: c, IncludeDecayed: tc.all})
		if err != nil {
			t.Fatal(err)
		}
		if ci.Matcher.Len() != tc.compiled || len(ci.Skipped) != 0 || ci.Decayed != tc.decayed || ci.Source != "collection "+c.ID {
			t.Errorf("include decayed %v: compiled %d, skipped %v, decayed %d, source %q; want %d, none, %d, collection %s",
				tc.all, ci.Matcher.Len(), ci.Skipped, ci.Decayed, ci.Source, tc.compiled, tc.decayed, c.ID)
		}
	}
}

func TestMatchWarninglists(t *testing.T) {
	ctx := context.Background()
	if w, err := MatchWarninglists(ctx, nil, true, nil); w != nil || err != nil {
		t.Errorf("no lists: %+v, %v; want nil, nil", w, err)
	}
	w, err := MatchWarninglists(ctx, nil, true, []string{publicDNS})
	if err != nil {
		t.Fatal(err)
	}
	if w.Lists != 1 || w.Entries == 0 || w.Suppress == nil {
		t.Errorf("file: %d lists of %d entries; want 1 list with entries", w.Lists, w.Entries)
	}
	_, err = MatchWarninglists(ctx, nil, true, []string{publicDNS, filepath.Join(t.TempDir(), "nosuch")})
	var ue *UnreadWarninglistsError
	if !errors.As(err, &ue) || len(ue.Errors) != 1 || !strings.Contains(ue.Errors[0].Error(), "nosuch") {
		t.Errorf("missing path: err = %v; want an UnreadWarninglistsError naming it", err)
	}

	an := openAuditNode(t, false, false)
	if w, err := MatchWarninglists(ctx, an.Node, true, nil); w != nil || err != nil {
		t.Errorf("node without lists: %+v, %v; want nil, nil", w, err)
	}
	addList(t, an.Node, publicDNS)
	for _, tc := range []struct {
		nodeLists bool
		paths     []string
		lists     int
	}{
		{true, nil, 1},
		{false, nil, 0},
		{true, []string{publicDNS}, 2},
		{false, []string{publicDNS}, 1},
	} {
		w, err := MatchWarninglists(ctx, an.Node, tc.nodeLists, tc.paths)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		if w != nil {
			got = w.Lists
		}
		if got != tc.lists {
			t.Errorf("node lists %v, paths %v: %+v; want %d lists", tc.nodeLists, tc.paths, w, tc.lists)
		}
	}
}

func TestRunMatch(t *testing.T) {
	ctx := context.Background()
	ci, err := CompileIndicators(ctx, nil, MatchSource{File: writeIndicators(t)})
	if err != nil {
		t.Fatal(err)
	}
	w, err := MatchWarninglists(ctx, nil, false, []string{publicDNS})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                  string
		suppress              func(match.Hit) bool
		sightings, suppressed int64
	}{
		{"every hit", nil, 2, 0},
		{"8.8.8.8 on a warninglist", w.Suppress, 1, 1},
	} {
		var out bytes.Buffer
		var progressed bool
		res, err := RunMatch(ctx, nil, MatchOptions{Matcher: ci.Matcher, Reader: match.NewJSONLinesReader(strings.NewReader(matchLog), nil),
			Output: &out, Identity: "identity--5d0092c5-5f74-4287-9642-33f4c354e56d", Suppress: tc.suppress, MaxReported: 5,
			Progress: func(match.Stats) { progressed = true }})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Records != 4 || res.Malformed != 1 || len(res.Errors) != 1 || res.Matched != 2 || res.Sightings != tc.sightings || res.Suppressed != tc.suppressed {
			t.Errorf("%s: %+v; want 4 records, 1 malformed, 2 matched, %d sightings, %d suppressed", tc.name, res.Stats, tc.sightings, tc.suppressed)
		}
		if got := int64(strings.Count(out.String(), `"type":"sighting"`)); got != tc.sightings || !strings.Contains(out.String(), `"where_sighted_refs":["identity--5d0092c5-5f74-4287-9642-33f4c354e56d"]`) {
			t.Errorf("%s: %d sightings written, want %d where sighted by the identity:\n%s", tc.name, got, tc.sightings, out.String())
		}
		if res.Stored != nil || !progressed {
			t.Errorf("%s: stored %v, progress called %v; want none stored and progress reported", tc.name, res.Stored, progressed)
		}
	}
	if _, err := RunMatch(ctx, nil, MatchOptions{Matcher: ci.Matcher, Store: true}); err == nil {
		t.Error("Store without a node: no error")
	}
}

func TestRunMatchStores(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, false, false)
	c := an.defaultCollection(t)
	if _, err := an.Objects.CreateObjects(ctx, c.ID, []*stix.Object{indicator(t, 7)}); err != nil {
		t.Fatal(err)
	}
	ci, err := CompileIndicators(ctx, an.Node, MatchSource{Collection: c, IncludeDecayed: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	log := `{"ts":"2026-03-01T10:00:00Z","ipv4-addr:value":"198.51.100.7"}` + "\n"
	res, err := RunMatch(ctx, an.Node, MatchOptions{Matcher: ci.Matcher, Reader: match.NewJSONLinesReader(strings.NewReader(log), nil),
		Output: &out, Store: true, Collection: c})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stored) != 1 || out.Len() != 0 || res.Collection != c.ID {
		t.Fatalf("stored %v in %q, wrote %q; want one sighting stored in %s and nothing written", res.Stored, res.Collection, out.String(), c.ID)
	}
	page, err := an.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: c.ID, IDs: res.Stored})
	if err != nil || len(page.Versions) != 1 || page.Versions[0].Object.Type != "sighting" {
		t.Errorf("the stored sighting is not in collection %s: %v, %v", c.ID, page, err)
	}
}

func TestLimitMatchMemory(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	for _, loaded := range []bool{false, true} {
		debug.SetMemoryLimit(1 << 20)
		LimitMatchMemory(loaded)
		if got := debug.SetMemoryLimit(-1); got < MatchMemoryLimit {
			t.Errorf("loaded %v: limit %d, want at least MatchMemoryLimit", loaded, got)
		}
	}
}
