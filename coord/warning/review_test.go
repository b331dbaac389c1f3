package warning

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

// markedSighting adds a sighting of of by org at time at, with extra
// members (markings, extensions).
func (w *world) markedSighting(of, org string, at time.Time, extra string) string {
	id := uuid("sighting", w.next())
	return w.add(fmt.Sprintf(`{"type":"sighting","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"sighting_of_ref":%q,"where_sighted_refs":[%q],"first_seen":%q,"last_seen":%q%s}`, id, ts(at), ts(at), of, org, ts(at), ts(at), extra))
}

func marking(t stix.TLP) string {
	return fmt.Sprintf(`,"object_marking_refs":[%q]`, t.MarkingID())
}

// TestAlertMarkingFollowsInputs: an alert is marked at least as strictly
// as anything it draws on (regression: every cross-border alert took the
// rules' marking, TLP:AMBER by default, so an alert raised from a TLP:RED
// or addressed sighting, which names the sighting, the indicator and the
// member state, went to every peer as TLP:AMBER, and to the webhooks).
func TestAlertMarkingFollowsInputs(t *testing.T) {
	addressed := fmt.Sprintf(`,"extensions":{%q:{"extension_type":"property-extension","recipients":["identity--99999999-9999-4999-8999-999999999999"]}}`, stix.RecipientsExtensionID)
	granular := fmt.Sprintf(`,"granular_markings":[{"marking_ref":%q,"selectors":["where_sighted_refs"]}]`, stix.TLPRed.MarkingID())
	for _, tc := range []struct {
		name      string
		rule      string // Rules.Marking
		sighting  string // extra members of DE's sighting
		indicator stix.TLP
		want      stix.TLP
	}{
		{"plain inputs", "", "", stix.TLPUnmarked, stix.TLPAmber},
		{"plain inputs, green rules", "green", "", stix.TLPGreen, stix.TLPGreen},
		{"a RED sighting", "", marking(stix.TLPRed), stix.TLPUnmarked, stix.TLPRed},
		{"a RED sighting, green rules", "green", marking(stix.TLPRed), stix.TLPGreen, stix.TLPRed},
		{"an addressed sighting", "", addressed, stix.TLPUnmarked, stix.TLPRed},
		{"a granular RED property", "", granular, stix.TLPUnmarked, stix.TLPRed},
		{"an AMBER+STRICT indicator", "", "", stix.TLPAmberStrict, stix.TLPAmberStrict},
		{"an AMBER sighting, green rules", "green", marking(stix.TLPAmber), stix.TLPUnmarked, stix.TLPAmber},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := coordtest.NewStore(alertColl, "feed")
			now := t0.Add(48 * time.Hour)
			e := newEngine(t, store, Rules{Marking: tc.rule}, &now)
			w := &world{t: t}
			fr, de := w.org("CSIRT FR", "FR"), w.org("CSIRT DE", "DE")
			id := uuid("indicator", w.next())
			ind := ""
			if tc.indicator != stix.TLPUnmarked {
				ind = marking(tc.indicator)
			}
			w.add(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":"c2","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":%q%s}`, id, ts(t0), ts(t0), ts(t0), ind))
			w.markedSighting(id, fr, t0, "")
			w.markedSighting(id, de, t0.Add(time.Hour), tc.sighting)
			feed(t, store, e, w.take())
			as := alertsOf(t, store)
			if len(as) != 1 {
				t.Fatalf("%d alerts, want 1", len(as))
			}
			if got := as[0].Markings; len(got) != 1 || got[0] != tc.want.MarkingID() {
				t.Errorf("alert marked %v, want %s", got, tc.want)
			}
		})
	}
}

// TestAlertMarkingRisesWithNewSightings: an alert first raised from
// ordinary sightings gets a TLP:RED version when a TLP:RED sighting joins
// its episode.
func TestAlertMarkingRisesWithNewSightings(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := t0.Add(48 * time.Hour)
	e := newEngine(t, store, Rules{}, &now)
	w := &world{t: t}
	fr, de, it := w.org("CSIRT FR", "FR"), w.org("CSIRT DE", "DE"), w.org("CSIRT IT", "IT")
	ind := w.indicator("c2", "[ipv4-addr:value = '198.51.100.7']")
	w.sight(ind, fr, t0)
	w.sight(ind, de, t0.Add(time.Hour))
	feed(t, store, e, w.take())
	if as := alertsOf(t, store); len(as) != 1 || as[0].Markings[0] != stix.TLPAmber.MarkingID() {
		t.Fatalf("first alert: %+v", as)
	}
	w.markedSighting(ind, it, t0.Add(2*time.Hour), marking(stix.TLPRed))
	now = now.Add(time.Minute)
	feed(t, store, e, w.take())
	as := alertsOf(t, store)
	if len(as) != 1 || as[0].Markings[0] != stix.TLPRed.MarkingID() || !strings.Contains(strings.Join(as[0].MemberStates, ","), "IT") {
		t.Errorf("after a RED sighting joined: %+v, want one TLP:RED alert naming IT", as)
	}
}
