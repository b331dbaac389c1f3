package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/lifecycle"
	"github.com/rampart-cti/rampart/stix"
)

// fakeLifecycle scores every indicator 42.5 and records the false
// positives reported.
type fakeLifecycle struct {
	reported []string // indicator ids
	notes    []string
}

func (f *fakeLifecycle) IndicatorScore(_ context.Context, o *stix.Object) (lifecycle.Score, error) {
	return lifecycle.Score{Value: 42.5, Threshold: 20, Type: "ipv4-addr", Age: 36 * time.Hour, AgeDays: 1.5}, nil
}

func (f *fakeLifecycle) ReportFalsePositive(_ context.Context, coll string, ind *stix.Object, by, note string) (*stix.Object, error) {
	f.reported, f.notes = append(f.reported, ind.ID), append(f.notes, note)
	return stix.ParseObject([]byte(`{"type":"sighting","spec_version":"2.1","id":"sighting--00000000-0000-4000-8000-0000000000f0","created":"2026-03-10T12:00:00.000Z","modified":"2026-03-10T12:00:00.000Z","sighting_of_ref":"` + ind.ID + `","x_rampart_false_positive":true}`))
}

// TestIndicatorLifecycleAPI: alerts carry the scores of the indicators
// the reader may read, the score endpoint answers with its parts, and a
// false positive is filed only on an indicator the account may read.
func TestIndicatorLifecycleAPI(t *testing.T) {
	n := newNode(t)
	ind := n.sightings()
	fake := &fakeLifecycle{}
	n.api.Lifecycle = fake
	n.api.SightingsCollection = n.coordID
	a := n.do("reader", "GET", "/api/v1/alerts", "")
	id := a.json["alerts"].([]any)[0].(map[string]any)["id"].(string)

	// The reader may not read the intel collection that holds the
	// indicator: no score; the analyst may.
	if r := n.do("reader", "GET", "/api/v1/alerts/"+id, ""); r.status != 200 || r.json["indicator_scores"] != nil {
		t.Errorf("alert for the reader: %d %s", r.status, r.body)
	}
	n.want(n.do("analyst", "GET", "/api/v1/alerts/"+id, ""), 200, `"indicator_scores":[{"id":"`+ind+`","score":42.5,"decayed":false}]`)
	n.want(n.do("analyst", "GET", "/api/v1/indicators/"+ind+"/score", ""), 200, `"score":42.5`, `"age_days":1.5`, `"id":"`+ind+`"`)
	n.want(n.do("reader", "GET", "/api/v1/indicators/"+ind+"/score", ""), 404)

	n.want(n.do("reader", "POST", "/api/v1/indicators/"+ind+"/false-positives", `{"note":"x"}`), 403)
	n.want(n.do("analyst", "POST", "/api/v1/indicators/"+ind+"/false-positives", `{"note":"lab address","bogus":1}`), 400, "bogus")
	n.want(n.do("analyst", "POST", "/api/v1/indicators/"+ind+"/false-positives", `{"note":"lab address"}`), 201, `"x_rampart_false_positive":true`)
	n.want(n.do("analyst", "POST", "/api/v1/indicators/"+ind+"/false-positives", `{"collection":"`+n.intelID+`"}`), 403, "may not add sightings")
	if len(fake.reported) != 1 || fake.reported[0] != ind || fake.notes[0] != "lab address" {
		t.Errorf("reported %v %q, want one report of %s", fake.reported, fake.notes, ind)
	}
}

// TestConsoleShowsScores: an indicator's page and its alert's page show
// the score; another object's page shows none.
func TestConsoleShowsScores(t *testing.T) {
	n := newNode(t)
	ind := n.sightings()
	n.api.Lifecycle = &fakeLifecycle{}
	v := n.visitConsole(t, "analyst")
	status, body := v.get("/console/objects/" + ind)
	wantPage(t, "indicator", status, body, 200, "Score 42.50", "Above the threshold of 20")
	status, body = v.get("/console/objects/identity--00000000-0000-4000-8000-000000000000")
	wantPage(t, "identity", status, body, 200, "CSIRT FR")
	if strings.Contains(body, "Score ") {
		t.Errorf("an identity's page shows a score")
	}
	a := n.do("analyst", "GET", "/api/v1/alerts", "")
	id := a.json["alerts"].([]any)[0].(map[string]any)["id"].(string)
	status, body = v.get("/console/alerts/" + id)
	wantPage(t, "alert", status, body, 200, "score 42.50: c2")
}
