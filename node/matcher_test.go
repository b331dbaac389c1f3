package node

import (
	"context"
	"fmt"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// twoCollections lists memStore's collections.
type twoCollections struct{ rampart.CollectionService }

func (twoCollections) FindCollections(context.Context, rampart.CollectionFilter) ([]*rampart.Collection, error) {
	return []*rampart.Collection{{ID: "c1"}, {ID: "c2"}}, nil
}

func indicator(t testing.TB, i int) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`, i, i))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func versionsOf(objs ...*stix.Object) []*rampart.ObjectVersion {
	vs := make([]*rampart.ObjectVersion, len(objs))
	for i, o := range objs {
		vs[i] = &rampart.ObjectVersion{Object: o}
	}
	return vs
}

// TestMatcherAddsInTheBackground: indicators stored reach the matcher
// without Flush, and at once with it.
func TestMatcherAddsInTheBackground(t *testing.T) {
	ctx := context.Background()
	m := NewMatcher(newMemStore(), twoCollections{}, nil)
	for i := range 20 {
		m.ObjectsAdded(ctx, "c1", versionsOf(indicator(t, i), note(t, i)))
	}
	eventually(t, "the 20 indicators added in the background", func() bool { return m.M.Len() == 20 })

	m.ObjectsAdded(ctx, "c1", versionsOf(indicator(t, 20)))
	m.Flush()
	if got := m.M.Len(); got != 21 {
		t.Errorf("after Flush the matcher holds %d indicators, want 21", got)
	}
}

// TestMatcherDeletionAfterPendingAddition: an indicator stored and then
// deleted before the background addition ran stays out of the matcher.
func TestMatcherDeletionAfterPendingAddition(t *testing.T) {
	ctx := context.Background()
	m := NewMatcher(newMemStore(), twoCollections{}, nil)
	// As if a background addition were already running: the next one
	// waits in pending.
	m.draining = true
	ind := indicator(t, 1)
	m.ObjectsAdded(ctx, "c1", versionsOf(ind))
	m.ObjectsDeleted(ctx, "c1", []string{ind.ID})
	m.Flush()
	if got := m.M.Len(); got != 0 {
		t.Errorf("the matcher holds %d indicators after the only one was deleted, want 0", got)
	}
}
