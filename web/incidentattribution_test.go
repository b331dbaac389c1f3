package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

func TestIncidentAttributionAPI(t *testing.T) {
	n := newNode(t)
	attributionKnowledge(t, n)
	a := n.do("analyst", "POST", "/api/v1/incidents", `{"name":"Beaconing","detected":"2026-03-10T09:30:00Z","tlp":"green"}`)
	n.want(a, 201)
	id, _ := a.json["id"].(string)

	// Nothing is tied to the incident yet: the engine abstains, and the
	// note says so.
	a = n.do("analyst", "POST", "/api/v1/incidents/"+id+"/attribution", "")
	n.want(a, 201, `"abstained":true`, `"labels":["attribution"]`)

	// The incident used Beta's technique (recorded in the coordination
	// collection); Alpha's indicator is related to it (in intel, which the
	// reader may not read).
	const ts = `"created":"2026-03-10T10:00:00.000Z","modified":"2026-03-10T10:00:00.000Z"`
	rel := func(coll string, n2 int, typ, src, dst string) {
		o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"relationship","spec_version":"2.1","id":"relationship--1000000%d-0000-4000-8000-000000000000",%s,"relationship_type":%q,"source_ref":%q,"target_ref":%q}`, n2, ts, typ, src, dst))
		must(t, err)
		_, err = n.objects.CreateObjects(ctx, coll, []*stix.Object{o})
		must(t, err)
		n.api.Invalidate(coll)
	}
	rel(n.coordID, 1, "uses", id, "attack-pattern--00000002-0000-4000-8000-000000000000")
	rel(n.intelID, 2, "related-to", "indicator--00000000-0000-4000-8000-0000000000a1", id)

	a = n.do("analyst", "POST", "/api/v1/incidents/"+id+"/attribution?limit=2", "")
	n.want(a, 201, `"ref":"T1002"`, `"id":"indicator--00000000-0000-4000-8000-0000000000a1"`, `"engine":"rampart-attribution/1 `)
	rec := a.json["attribution"].(map[string]any)
	if cands := rec["candidates"].([]any); len(cands) != 2 {
		t.Errorf("%d candidates, want 2 (limit): %s", len(cands), a.body)
	}
	note := a.json["note"].(map[string]any)
	noteID, _ := note["id"].(string)
	if note["created_by_ref"] != orgFR || fmt.Sprint(note["object_marking_refs"]) != fmt.Sprint([]any{stix.TLPGreen.MarkingID()}) {
		t.Errorf("note created_by %v markings %v", note["created_by_ref"], note["object_marking_refs"])
	}
	// Stored in the coordination collection.
	page, err := n.objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: n.coordID, IDs: []string{noteID}})
	must(t, err)
	if len(page.Versions) != 1 {
		t.Fatalf("note %s is not in the coordination collection", noteID)
	}

	// GET gives the latest; the reader may read it, but may not run one.
	g := n.do("reader", "GET", "/api/v1/incidents/"+id+"/attribution", "")
	n.want(g, 200, noteID)
	n.want(n.do("reader", "POST", "/api/v1/incidents/"+id+"/attribution", ""), 403, "may not write")
	n.want(n.do("analyst", "POST", "/api/v1/incidents/"+id+"/attribution?limit=x", ""), 400, "limit must be")
	const unknown = "incident--00000000-0000-4000-8000-00000000ffff"
	n.want(n.do("analyst", "POST", "/api/v1/incidents/"+unknown+"/attribution", ""), 404)
	n.want(n.do("analyst", "GET", "/api/v1/incidents/"+unknown+"/attribution", ""), 404)
	if !strings.Contains(n.do("reader", "GET", "/api/v1/", "").body, "/api/v1/incidents/{id}/attribution") {
		t.Errorf("the endpoint list lacks the incident attribution")
	}
}

// TestConsoleIncidentAttribution: the incident page shows the latest
// attribution, and a writer's button runs a new one.
func TestConsoleIncidentAttribution(t *testing.T) {
	n := newNode(t)
	attributionKnowledge(t, n)
	a := n.do("analyst", "POST", "/api/v1/incidents", `{"name":"Beaconing","detected":"2026-03-10T09:30:00Z","tlp":"amber"}`)
	n.want(a, 201)
	id, _ := a.json["id"].(string)
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"relationship","spec_version":"2.1","id":"relationship--20000001-0000-4000-8000-000000000000","created":"2026-03-10T10:00:00.000Z","modified":"2026-03-10T10:00:00.000Z","relationship_type":"uses","source_ref":%q,"target_ref":"attack-pattern--00000002-0000-4000-8000-000000000000"}`, id))
	must(t, err)
	_, err = n.objects.CreateObjects(ctx, n.coordID, []*stix.Object{o})
	must(t, err)
	n.api.Invalidate(n.coordID)

	v := n.visitConsole(t, "analyst")
	status, body := v.get("/console/incidents/" + id)
	wantPage(t, "incident before", status, body, 200, "Not attributed yet.", `id="attribute-evidence"`)
	status, loc := v.post("/console/incidents/"+id+"/attribution", url.Values{})
	if status != 303 || !strings.Contains(loc, "/console/incidents/"+id) {
		t.Fatalf("attribute: %d %s", status, loc)
	}
	status, body = v.get(loc)
	wantPage(t, "incident after", status, body, 200, `id="incident-attribution"`, "Attribution ", "Beta (G0002)</a> score", "From 1 techniques", "TLP:AMBER", "note note--")

	// A reader sees it, without the button.
	r := n.visitConsole(t, "reader")
	status, body = r.get("/console/incidents/" + id)
	wantPage(t, "incident as reader", status, body, 200, `id="incident-attribution"`)
	if strings.Contains(body, `id="attribute-evidence"`) {
		t.Errorf("the reader is offered the attribution button")
	}
	if status, _ := r.post("/console/incidents/"+id+"/attribution", url.Values{}); status != 403 {
		t.Errorf("a reader's attribution: %d, want 403", status)
	}
}
