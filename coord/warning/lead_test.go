package warning

import (
	"context"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord/internal/coordtest"
)

// TestStandbyLead: a Standby engine writes no alert, even for what it is
// told of; Lead reads the store and writes the alert another process
// would have; once Lead returns it writes nothing again.
func TestStandbyLead(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := t0.Add(48 * time.Hour)
	e := NewEngine()
	e.Objects, e.Collections, e.CollectionID = store, store, alertColl
	e.Organization = "identity--99999999-9999-4999-8999-999999999999"
	e.Now = func() time.Time { return now }
	e.Standby = true
	if err := e.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	w := &world{t: t}
	fr, de := w.org("CERT-FR", "FR"), w.org("CERT-Bund", "DE")
	ind := w.indicator("c2", "[ipv4-addr:value = '198.51.100.7']")
	w.sight(ind, fr, t0)
	w.sight(ind, de, t0.Add(time.Hour))
	feed(t, store, e, w.take())
	if got := alertsOf(t, store); len(got) != 0 {
		t.Fatalf("a Standby engine wrote %d alerts", len(got))
	}
	if err := e.SetRules(ctx, Rules{MinStates: 2}); err != nil {
		t.Fatal(err)
	}
	if got := alertsOf(t, store); len(got) != 0 {
		t.Fatalf("a Standby engine wrote %d alerts when its rules changed", len(got))
	}

	lctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.Lead(lctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(alertsOf(t, store)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the leading engine wrote no alert for what the store holds")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := alertsOf(t, store); len(got) != 1 || got[0].SubjectRef != ind {
		t.Fatalf("alerts while leading: %v, want one of %s", summarize(got), ind)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Lead = %v", err)
	}

	it := w.org("CERT-IT", "IT")
	other := w.indicator("c2 again", "[ipv4-addr:value = '198.51.100.8']")
	w.sight(other, fr, t0)
	w.sight(other, it, t0.Add(time.Hour))
	feed(t, store, e, w.take())
	if got := alertsOf(t, store); len(got) != 1 {
		t.Fatalf("after Lead returned the engine wrote alerts: %v", summarize(got))
	}
}
