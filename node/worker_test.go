package node

import (
	"context"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// TestMatchBatchTwiceStoresNothingNew is the workers' at-least-once
// delivery made safe: a batch matched a second time (its first worker
// died before it acknowledged) stores the same versions, not new objects.
func TestMatchBatchTwiceStoresNothingNew(t *testing.T) {
	ctx := context.Background()
	n, err := Open(ctx, Config{DataDir: t.TempDir(), Create: true, AdminPassword: "a-long-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	coll, err := n.FindCollection(ctx, DefaultAPIRoot, "")
	if err != nil {
		t.Fatal(err)
	}
	ind, err := stix.ParseObject([]byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--0b000000-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Objects.CreateObjects(ctx, coll.ID, []*stix.Object{ind}); err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(n.Objects, n.Collections, nil)
	if _, refused := m.Load(ctx); len(refused) > 0 {
		t.Fatal(refused)
	}
	batch := &rampart.ObservationBatch{
		ID: "batch-1", APIRoot: DefaultAPIRoot, Received: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
		Body: []byte(`{"ipv4-addr:value":"198.51.100.7","ts":"2026-12-01T10:00:00Z"}` + "\n" +
			`{"ipv4-addr:value":"198.51.100.7"}` + "\n" +
			`{"ipv4-addr:value":"192.0.2.1","ts":"2026-12-01T10:06:00Z"}` + "\n"),
	}
	count := func() int {
		page, err := n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll.ID, Limit: rampart.MaxPageSize, Versions: []string{rampart.VersionAll}})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Versions)
	}
	before := count()
	st, err := n.MatchBatch(ctx, m, coll.ID, batch)
	if err != nil {
		t.Fatal(err)
	}
	// One record has a time, one has none (it was seen when the batch
	// was taken): two windows, two sightings.
	if st.Records != 3 || st.Sightings != 2 {
		t.Fatalf("first match: %d records, %d sightings; want 3 and 2", st.Records, st.Sightings)
	}
	first := count()
	// Two sightings, two observed-data and one observable.
	if first-before != 5 {
		t.Errorf("first match stored %d versions, want 5", first-before)
	}
	if _, err := n.MatchBatch(ctx, m, coll.ID, batch); err != nil {
		t.Fatal(err)
	}
	if again := count(); again != first {
		t.Errorf("matching the batch again stored %d more versions, want none", again-first)
	}
	// Another batch with the same records is other sightings.
	other := *batch
	other.ID = "batch-2"
	if _, err := n.MatchBatch(ctx, m, coll.ID, &other); err != nil {
		t.Fatal(err)
	}
	if c := count(); c == first {
		t.Error("a second batch stored nothing")
	}

	// Batches that can never be matched say why, as EINVALID.
	for _, bad := range []rampart.ObservationBatch{
		{ID: "b", Collection: "no-such-collection", Body: []byte("{}\n")},
		{ID: "b", Format: "pcap", Body: []byte("{}\n")},
		{ID: "b", Mapping: "no-such-mapping", Body: []byte("{}\n")},
	} {
		if _, err := n.MatchBatch(ctx, m, coll.ID, &bad); rampart.ErrorCode(err) != rampart.EINVALID {
			t.Errorf("batch %+v: got %v, want EINVALID", bad, err)
		}
	}
}
