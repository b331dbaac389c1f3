package node

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/warninglist"
)

const publicDNS = "../testdata/warninglists/lists/public-dns-v4/list.json"

func addList(t *testing.T, n *Node, path string) {
	t.Helper()
	l, err := warninglist.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.AddWarninglist(context.Background(), l); err != nil {
		t.Fatal(err)
	}
}

func ipIndicator(t *testing.T, i int, ip string) string {
	t.Helper()
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`, i, ip)
}

// ingestBundle stores the objects through the node's Ingester and returns
// the outcome of each.
func ingestBundle(t *testing.T, an *auditNode, objs ...string) []ingest.Outcome {
	t.Helper()
	c := an.defaultCollection(t)
	in := an.Ingester(c)
	var out []ingest.Outcome
	in.Report = func(o ingest.Outcome) { out = append(out, o) }
	src := stix.NewObjectReader(strings.NewReader(`{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[` + strings.Join(objs, ",") + `]}`))
	if _, err := in.Ingest(context.Background(), c.ID, src); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestIngestPolicyDrop: under policy drop an indicator whose value is on
// a list fails alone, naming the value and the list; the others are
// stored.
func TestIngestPolicyDrop(t *testing.T) {
	an := openAuditNode(t, false, false)
	addList(t, an.Node, publicDNS)
	if err := an.SetWarninglistPolicy(context.Background(), warninglist.PolicyDrop); err != nil {
		t.Fatal(err)
	}
	out := ingestBundle(t, an, ipIndicator(t, 1, "8.8.8.8"), ipIndicator(t, 2, "203.0.113.50"))
	if len(out) != 2 {
		t.Fatalf("outcomes = %v", out)
	}
	want := "value 8.8.8.8 is on warninglist 'List of known IPv4 public DNS resolvers'"
	if out[0].State != ingest.Invalid || out[0].Err == nil || !strings.Contains(out[0].Err.Error(), want) {
		t.Errorf("8.8.8.8: %v %v, want invalid with %q", out[0].State, out[0].Err, want)
	}
	if out[1].State != ingest.Added {
		t.Errorf("203.0.113.50: %v %v, want added", out[1].State, out[1].Err)
	}
}

// TestIngestPolicyFlag: under policy flag (the default) the indicator is
// stored unchanged, and the lists tell which value is listed.
func TestIngestPolicyFlag(t *testing.T) {
	an := openAuditNode(t, false, false)
	addList(t, an.Node, publicDNS)
	ind := ipIndicator(t, 1, "8.8.8.8")
	out := ingestBundle(t, an, ind)
	if len(out) != 1 || out[0].State != ingest.Added {
		t.Fatalf("outcomes = %+v", out)
	}
	o, err := stix.ParseObject([]byte(ind))
	if err != nil {
		t.Fatal(err)
	}
	wl, err := an.Warninglists(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	hits := wl.ObjectWarninglists(o)
	if len(hits) != 1 || hits[0].List != "public-dns-v4" || hits[0].Entry != "8.8.8.8" {
		t.Errorf("hits = %v", hits)
	}
}

// TestWarninglistsFollowSettings: adding, removing and the policy reach
// Warninglists without reopening the node.
func TestWarninglistsFollowSettings(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, false, false)
	wl, err := an.Warninglists(ctx)
	if err != nil || wl.Checker.Entries() != 0 || wl.Policy != warninglist.PolicyFlag {
		t.Fatalf("new node: %+v, %v", wl, err)
	}
	addList(t, an.Node, publicDNS)
	addList(t, an.Node, "../testdata/warninglists/lists/rfc1918/list.json")
	if wl, _ = an.Warninglists(ctx); wl.Checker.Entries() != 23 {
		t.Errorf("entries after adding = %d, want 23", wl.Checker.Entries())
	}
	lists, err := an.FindWarninglists(ctx)
	if err != nil || len(lists) != 2 || lists[0].ID != "public-dns-v4" || lists[1].ID != "rfc1918" {
		t.Errorf("FindWarninglists = %v, %v", lists, err)
	}
	if err := an.RemoveWarninglist(ctx, "public-dns-v4"); err != nil {
		t.Fatal(err)
	}
	if wl, _ = an.Warninglists(ctx); wl.Checker.Entries() != 3 {
		t.Errorf("entries after removing = %d, want 3", wl.Checker.Entries())
	}
	if err := an.RemoveWarninglist(ctx, "public-dns-v4"); err == nil || !strings.Contains(err.Error(), `no warninglist "public-dns-v4"`) {
		t.Errorf("removing again: %v", err)
	}
	if err := an.SetWarninglistPolicy(ctx, warninglist.PolicyDrop); err != nil {
		t.Fatal(err)
	}
	if wl, _ = an.Warninglists(ctx); wl.Policy != warninglist.PolicyDrop {
		t.Errorf("policy = %q, want drop", wl.Policy)
	}
}

// TestMatcherSuppression: a log with 8.8.8.8 against an indicator for it
// raises no sighting while the public DNS list is loaded (the match is
// counted as suppressed), and a sighting once the list is removed.
func TestMatcherSuppression(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, false, false)
	addList(t, an.Node, publicDNS)
	ingestBundle(t, an, ipIndicator(t, 1, "8.8.8.8"), ipIndicator(t, 2, "203.0.113.50"))
	m := NewMatcher(an.Objects, an.Collections, nil)
	if _, errs := m.Load(ctx); len(errs) > 0 {
		t.Fatal(errs)
	}
	run := func(log string) match.Stats {
		t.Helper()
		rd, err := match.NewReader("jsonl", strings.NewReader(log), nil)
		if err != nil {
			t.Fatal(err)
		}
		c := an.defaultCollection(t)
		agg := an.NewSightings(ctx, c.ID).Aggregator("", 0)
		st, err := (&match.Stream{Matcher: m.M, Reader: rd, Aggregator: agg}).Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	log := `{"ts":"2026-03-01T10:00:00Z","ipv4-addr:value":"8.8.8.8"}` + "\n"
	if st := run(log); st.Hits != 1 || st.Sightings != 0 || st.Suppressed != 1 {
		t.Errorf("with the list: %d hits, %d sightings, %d suppressed; want 1, 0, 1", st.Hits, st.Sightings, st.Suppressed)
	}
	// A value on no list still raises its sighting.
	if st := run(`{"ts":"2026-03-01T10:00:00Z","ipv4-addr:value":"203.0.113.50"}` + "\n"); st.Sightings != 1 || st.Suppressed != 0 {
		t.Errorf("value on no list: %d sightings, %d suppressed; want 1, 0", st.Sightings, st.Suppressed)
	}
	if err := an.RemoveWarninglist(ctx, "public-dns-v4"); err != nil {
		t.Fatal(err)
	}
	if st := run(log); st.Sightings != 1 || st.Suppressed != 0 {
		t.Errorf("without the list: %d sightings, %d suppressed; want 1, 0", st.Sightings, st.Suppressed)
	}
}
