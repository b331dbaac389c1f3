package warning

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

// What the tests share (package coordtest).
var (
	ctx  = context.Background()
	t0   = coordtest.T0
	ts   = coordtest.Timestamp
	uuid = coordtest.UUID
)

// world builds STIX objects for early-warning tests: organisations in
// member states, indicators tied to intrusion sets, sightings.
type world struct {
	t    testing.TB
	objs []*stix.Object
	n    int
}

func (w *world) add(s string) string {
	o := coordtest.MustObject(w.t, s)
	w.objs = append(w.objs, o)
	return o.ID
}

func (w *world) next() int { w.n++; return w.n }

// org adds an identity located in a country, with sectors.
func (w *world) org(name, country string, sectors ...string) string {
	n := w.next()
	id, loc, rel := uuid("identity", n), uuid("location", n), uuid("relationship", n)
	sec := ""
	if len(sectors) > 0 {
		sec = `,"sectors":["` + strings.Join(sectors, `","`) + `"]`
	}
	w.add(fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":%q,"identity_class":"organization"%s}`, id, ts(t0), ts(t0), name, sec))
	w.add(fmt.Sprintf(`{"type":"location","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"country":%q}`, loc, ts(t0), ts(t0), country))
	w.add(fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"relationship_type":"located-at","source_ref":%q,"target_ref":%q}`, rel, ts(t0), ts(t0), id, loc))
	return id
}

func (w *world) indicator(name, pattern string) string {
	id := uuid("indicator", w.next())
	w.add(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":%q,"pattern":%q,"pattern_type":"stix","valid_from":%q}`, id, ts(t0), ts(t0), name, pattern, ts(t0)))
	return id
}

func (w *world) set(name string) string {
	id := uuid("intrusion-set", w.next())
	w.add(fmt.Sprintf(`{"type":"intrusion-set","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":%q}`, id, ts(t0), ts(t0), name))
	return id
}

func (w *world) campaign(name string) string {
	id := uuid("campaign", w.next())
	w.add(fmt.Sprintf(`{"type":"campaign","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":%q}`, id, ts(t0), ts(t0), name))
	return id
}

func (w *world) rel(typ, src, tgt string) string {
	id := uuid("relationship", w.next())
	return w.add(fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"relationship_type":%q,"source_ref":%q,"target_ref":%q}`, id, ts(t0), ts(t0), typ, src, tgt))
}

// sight adds a sighting of of by org at time at.
func (w *world) sight(of, org string, at time.Time) string {
	id := uuid("sighting", w.next())
	return w.add(fmt.Sprintf(`{"type":"sighting","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"sighting_of_ref":%q,"where_sighted_refs":[%q],"first_seen":%q,"last_seen":%q}`, id, ts(at), ts(at), of, org, ts(at), ts(at)))
}

// take returns the objects added since the last take.
func (w *world) take() []*stix.Object {
	out := w.objs
	w.objs = nil
	return out
}

const alertColl = "coordination"

// newEngine opens an engine on store with the rules and a fixed clock.
func newEngine(t *testing.T, store *coordtest.Store, rules Rules, now *time.Time) *Engine {
	t.Helper()
	e := NewEngine()
	e.Objects, e.Collections, e.CollectionID = store, store, alertColl
	e.Rules = rules
	e.Organization = "identity--99999999-9999-4999-8999-999999999999"
	e.Now = func() time.Time { return *now }
	if err := e.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// feed stores objects in the "feed" collection and hands them to the
// engine, as a TAXII POST would.
func feed(t *testing.T, store *coordtest.Store, e *Engine, objs []*stix.Object) {
	t.Helper()
	if _, err := store.CreateObjects(ctx, "feed", objs); err != nil {
		t.Fatal(err)
	}
	e.Observe(objs)
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func alertsOf(t *testing.T, store *coordtest.Store) []*coord.Alert {
	t.Helper()
	var out []*coord.Alert
	for _, o := range store.Objects(t, alertColl, coord.AlertType) {
		if err := stix.Validate(o); err != nil {
			t.Errorf("alert is not valid STIX: %v", err)
		}
		a, err := coord.ParseAlert(o)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *coord.Alert) int { return strings.Compare(a.Rule+a.SubjectRef, b.Rule+b.SubjectRef) })
	return out
}
