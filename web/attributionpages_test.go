package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/stix"
)

// attributionKnowledge stores in the intel collection two techniques of
// two tactics and a sub-technique, Alpha (G0001), which uses the first and
// the sub-technique and is indicated by an indicator, and Beta (G0002),
// which uses the second.
func attributionKnowledge(t *testing.T, n *node) {
	t.Helper()
	const ts = `"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"`
	var objs []*stix.Object
	add := func(format string, args ...any) {
		o, err := stix.ParseObject([]byte(fmt.Sprintf(format, args...)))
		must(t, err)
		objs = append(objs, o)
	}
	technique := func(n int, ext, name, phase string) {
		add(`{"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--0000000%d-0000-4000-8000-000000000000",%s,"name":%q,`+
			`"kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":%q}],"external_references":[{"source_name":"mitre-attack","external_id":%q}]}`, n, ts, name, phase, ext)
	}
	technique(1, "T1001", "Data Obfuscation", "command-and-control")
	technique(2, "T1002", "Data Compressed", "exfiltration")
	technique(3, "T1001.001", "Junk Data", "command-and-control")
	set := func(n int, ext, name string) {
		add(`{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--00000000-0000-4000-8000-00000000000%d",%s,"name":%q,"external_references":[{"source_name":"mitre-attack","external_id":%q}]}`, n, ts, name, ext)
	}
	set(1, "G0001", "Alpha")
	set(2, "G0002", "Beta")
	add(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-0000000000a1",%s,"name":"alpha c2","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`, ts)
	rel := func(n int, typ, src, dst string) {
		add(`{"type":"relationship","spec_version":"2.1","id":"relationship--0000000%d-0000-4000-8000-000000000000",%s,"relationship_type":%q,"source_ref":%q,"target_ref":%q}`, n, ts, typ, src, dst)
	}
	rel(1, "uses", "intrusion-set--00000000-0000-4000-8000-000000000001", "attack-pattern--00000001-0000-4000-8000-000000000000")
	rel(2, "uses", "intrusion-set--00000000-0000-4000-8000-000000000001", "attack-pattern--00000003-0000-4000-8000-000000000000")
	rel(3, "uses", "intrusion-set--00000000-0000-4000-8000-000000000002", "attack-pattern--00000002-0000-4000-8000-000000000000")
	rel(4, "subtechnique-of", "attack-pattern--00000003-0000-4000-8000-000000000000", "attack-pattern--00000001-0000-4000-8000-000000000000")
	rel(5, "indicates", "indicator--00000000-0000-4000-8000-0000000000a1", "intrusion-set--00000000-0000-4000-8000-000000000001")
	_, err := n.objects.CreateObjects(ctx, n.intelID, objs)
	must(t, err)
}

func TestConsoleAttribution(t *testing.T) {
	n := newNode(t)
	attributionKnowledge(t, n)
	v := n.visitConsole(t, "analyst")

	// The matrix: tactics in kill-chain order, the sub-technique under its
	// technique, nothing picked.
	status, body := v.get("/console/attribution")
	wantPage(t, "matrix", status, body, 200, "Command and Control", "Exfiltration", `value="T1001"`, "1 sub-techniques", `value="T1001.001"`)
	if c2, ex := strings.Index(body, "Command and Control"), strings.Index(body, "Exfiltration"); c2 > ex {
		t.Errorf("Exfiltration comes before Command and Control")
	}
	if strings.Contains(body, "checked") || strings.Contains(body, `id="ranking"`) {
		t.Errorf("a matrix with nothing picked shows a pick or a ranking")
	}
	_, sub, _ := strings.Cut(body, `value="T1001"`)
	if sub, _, _ = strings.Cut(sub, "</fieldset>"); !strings.Contains(sub, `value="T1001.001"`) {
		t.Errorf("T1001.001 is not under T1001")
	}

	// Ranked: Alpha first, its evidence as bars, the matrix remembers.
	status, body = v.post("/console/attribution", url.Values{"technique": {"T1001.001", "T1001"}, "techniques_more": {"T9999"}, "do": {"rank"}})
	wantPage(t, "ranking", status, body, 200, `id="candidate-1"`, "Evidence for Alpha (G0001)", `class="bar w`, `neg"></span>`, `value="T1001.001" checked`,
		`value="T9999"`, "unknown technique", "Link to this ranking", `<option value="intrusion-set--00000000-0000-4000-8000-000000000002" selected>2. Beta (G0002)`)
	if a, b := strings.Index(body, "1.</span> <a href=\"/console/objects/intrusion-set--00000000-0000-4000-8000-000000000001\""), strings.Index(body, "Beta (G0002)"); a < 0 || b < a {
		t.Errorf("Alpha does not rank first")
	}
	if strings.Contains(body, "style=") {
		t.Errorf("the page has an inline style, which the CSP refuses")
	}
	status, body = v.post("/console/attribution", url.Values{"do": {"rank"}})
	wantPage(t, "nothing picked", status, body, 200, "Pick at least one technique")

	// Compared by address: what tells them apart.
	status, body = v.get("/console/attribution?technique=T1001&technique=T1002&compare=G0001&compare=G0002")
	wantPage(t, "comparison", status, body, 200, "Alpha (G0001) and Beta (G0002) side by side", "Evidence that tells them apart: tied to one, not the other (2)", "no known tie")
	status, body = v.get("/console/attribution?technique=T1001&compare=G0001&compare=G0001")
	wantPage(t, "one candidate twice", status, body, 200, "Pick two different candidates")
	status, body = v.post("/console/attribution", url.Values{"technique": {"T1001"}, "compare": {"G0001", "G0002"}, "do": {"rank"}})
	if status != 200 || strings.Contains(body, `id="comparison"`) {
		t.Errorf("ranking again compared too")
	}

	// From an incident: its alerts' indicators the knowledge holds, its
	// sectors and member states.
	now := n.now
	a := &coord.Alert{ID: stix.NewID(coord.AlertType), Name: "alpha c2 in two states", CreatedBy: orgFR, Created: now, Modified: now,
		Rule: warning.RuleSameIndicator, SubjectRef: "indicator--00000000-0000-4000-8000-0000000000a1", Severity: coord.SeverityMedium,
		MemberStates: []string{"FR", "DE"}, FirstSeen: now.Add(-time.Hour), LastSeen: now,
		IndicatorRefs:    []string{"indicator--00000000-0000-4000-8000-0000000000a1", "indicator--00000000-0000-4000-8000-0000000000ff"},
		IntrusionSetRefs: []string{"intrusion-set--00000000-0000-4000-8000-000000000001"}}
	o, err := a.Object()
	must(t, err)
	_, err = n.svc.Store(ctx, o)
	must(t, err)
	inc := &coord.Incident{Name: "Grid intrusions", Detected: now.Add(-time.Hour), AlertRefs: []string{a.ID}, Sectors: []string{"energy"}, AffectedMemberStates: []string{"DE"}}
	must(t, n.svc.CreateIncident(ctx, inc))
	status, body = v.get("/console/attribution?incident=" + inc.ID)
	wantPage(t, "from an incident", status, body, 200, "Evidence from incident", "Grid intrusions", "the indicators of 1 alerts",
		"Its alerts name Alpha (G0001)", ">indicator--00000000-0000-4000-8000-0000000000a1</textarea>", `value="energy"`, `value="DE"`, `id="candidate-1"`)
	if strings.Contains(body, "indicator--00000000-0000-4000-8000-0000000000ff") {
		t.Errorf("an indicator the knowledge does not hold was put in the evidence")
	}
	status, body = v.get("/console/attribution?incident=incident--00000000-0000-4000-8000-00000000ffff")
	wantPage(t, "an unknown incident", status, body, 404, "no incident")

	// The reader reads no knowledge; the outsider no collection at all.
	r := n.visitConsole(t, "reader")
	status, body = r.get("/console/attribution")
	wantPage(t, "reader", status, body, 200, "holds no technique")
	o2 := n.visitConsole(t, "outsider")
	status, body = o2.get("/console/attribution")
	wantPage(t, "outsider", status, body, 403, "may read no collection")
}

// TestConsoleAttributionTLP: the matrix, the ranking and the comparison
// draw on what the account may read, and show nothing else.
func TestConsoleAttributionTLP(t *testing.T) {
	m := newMatrix(t)
	for _, acct := range matrixAccounts {
		t.Run(acct.name, func(t *testing.T) {
			v := m.visitConsole(t, acct.name)
			var rs []reply
			keep := func(what string, status int, body string) string {
				if status != 200 {
					t.Errorf("%s: %d", what, status)
				}
				rs = append(rs, reply{user: acct.name, what: what, answer: answer{status: status, body: body}})
				return body
			}
			status, body := v.get("/console/attribution")
			matrix := keep("matrix", status, body)
			status, body = v.post("/console/attribution", url.Values{"technique": {"T1001", "T1002", "T1003"}, "do": {"rank"}})
			ranked := keep("ranking", status, body)
			status, body = v.get("/console/attribution?technique=T1001&technique=T1002&technique=T1003&compare=G0001&compare=G0002")
			keep("comparison", status, body)
			for _, name := range []string{"technique green", "technique amber", "technique red"} {
				may := strings.Contains(m.readers[name], acct.letter)
				if marker := "MARK-" + strings.ReplaceAll(name, " ", "-"); may != strings.Contains(matrix, marker) {
					t.Errorf("%s on the matrix: %v, may read it: %v", name, !may, may)
				}
			}
			if !strings.Contains(ranked, "MARK-set-green") {
				t.Errorf("the green set is not ranked")
			}
			m.checkLeaks(t, acct.letter, rs)
		})
	}
}

// TestKnowledgeCatalogCached: the matrix is built with the knowledge, once
// per set of collections and reader, and again after the collection
// changed.
func TestKnowledgeCatalogCached(t *testing.T) {
	objs := &countingObjects{}
	c := newKnowledgeCache(objs)
	e1, err := c.entry(context.Background(), []string{"intel"}, nil, nil, 0)
	must(t, err)
	reads := objs.reads.Load()
	e2, err := c.entry(context.Background(), []string{"intel"}, nil, nil, 0)
	must(t, err)
	if e1.catalog == nil || e2.catalog != e1.catalog || objs.reads.Load() != reads {
		t.Errorf("the catalog was built again (%d more reads)", objs.reads.Load()-reads)
	}
	c.invalidate("intel")
	e3, err := c.entry(context.Background(), []string{"intel"}, nil, nil, 0)
	must(t, err)
	if e3.catalog == e1.catalog || objs.reads.Load() == reads {
		t.Errorf("the catalog was not built again after the collection changed")
	}
}
