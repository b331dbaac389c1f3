package main

// End-to-end test of incident attribution from a node's own knowledge: a
// node made with the documented commands, MITRE ATT&CK imported, an
// incident recorded through the JSON API, indicators, what they indicate,
// their sightings and a grouping that ties the sightings to the incident
// posted over TAXII; "rampart incident attribute" and
// POST /api/v1/incidents/{id}/attribution rank APT29 first, and the note
// they store is served over TAXII with the strictest marking of its
// inputs.

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/stix"
)

func TestEndToEndIncidentAttribution(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "node")
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	cli := func(args ...string) (string, string) {
		t.Helper()
		out, errs, code := runCLI(t, "", env, args...)
		if code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out, errs
	}
	const bundle = "../../testdata/attack/enterprise-attack.json.gz"
	cli("init", "--data", data)
	org := strings.TrimSpace(first(cli("org", "init", "--name", "CERT-FR", "--country", "FR", "--data", data)))
	start := time.Now()
	cli("import", bundle, "--data", data)
	t.Logf("ATT&CK imported in %s", time.Since(start).Round(time.Millisecond))
	n := &e2eNode{t: t, proc: startNode(t, data, env)}
	status, body := n.request("GET", "/"+node.DefaultAPIRoot+"/collections/", "", nil)
	var cs struct {
		Collections []struct {
			ID string `json:"id"`
		} `json:"collections"`
	}
	if err := json.Unmarshal(body, &cs); status != 200 || err != nil || len(cs.Collections) == 0 {
		t.Fatalf("collections: %d %v %s", status, err, body)
	}
	n.coll = cs.Collections[0].ID

	// The ATT&CK objects the indicators point at, by their STIX ids.
	f, err := os.Open(bundle)
	if err != nil {
		t.Fatal(err)
	}
	k, err := attribution.ReadKnowledge(f, nil)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	stixID := func(ref string) string {
		e := k.Lookup(ref)
		if e == nil {
			t.Fatalf("%s is not in ATT&CK", ref)
		}
		return e.ID
	}

	// The incident, TLP:GREEN, through the API.
	status, body = n.request("POST", "/api/v1/incidents", "application/json",
		[]byte(`{"name":"Identity provider compromise","detected":"2026-11-30T08:00:00Z","tlp":"green","sectors":["government"]}`))
	var inc struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &inc); status != 201 || err != nil || inc.ID == "" {
		t.Fatalf("create incident: %d %v %s", status, err, body)
	}

	// Two indicators: one (TLP:GREEN) indicates SAML token forgery, the
	// other (TLP:AMBER) trust modification and SUNBURST. Both were sighted;
	// a grouping holds the incident and the sightings. The incident also
	// used cloud accounts, as an analyst recorded.
	common := `"spec_version":"2.1","created":"2026-11-30T09:00:00.000Z","modified":"2026-11-30T09:00:00.000Z"`
	green, amber := fmt.Sprintf(`"object_marking_refs":[%q]`, stix.TLPGreen.MarkingID()), fmt.Sprintf(`"object_marking_refs":[%q]`, stix.TLPAmber.MarkingID())
	const (
		ind1 = "indicator--1a000000-0000-4000-8000-000000000001"
		ind2 = "indicator--1a000000-0000-4000-8000-000000000002"
		sig1 = "sighting--1a000000-0000-4000-8000-000000000011"
		sig2 = "sighting--1a000000-0000-4000-8000-000000000012"
		grp  = "grouping--1a000000-0000-4000-8000-000000000021"
	)
	rel := func(n int, typ, src, dst, marking string) string {
		return fmt.Sprintf(`{"type":"relationship",%s,"id":"relationship--1a000000-0000-4000-8000-0000000001%02d","relationship_type":%q,"source_ref":%q,"target_ref":%q,%s}`, common, n, typ, src, dst, marking)
	}
	n.post(
		fmt.Sprintf(`{"type":"indicator",%s,"id":%q,"name":"token signing host","pattern":"[domain-name:value = 'adfs-sync.example']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z",%s}`, common, ind1, green),
		fmt.Sprintf(`{"type":"indicator",%s,"id":%q,"name":"backdoored update","pattern":"[file:hashes.'SHA-256' = '019085a76ba7126fff22770d71bd901c325fc68ac55aa743327984e89f4b0134']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z",%s}`, common, ind2, amber),
		rel(1, "indicates", ind1, stixID("T1606.002"), green),
		rel(2, "indicates", ind2, stixID("T1484.002"), green),
		rel(3, "indicates", ind2, stixID("S0559"), green),
		rel(4, "uses", inc.ID, stixID("T1078.004"), green),
		fmt.Sprintf(`{"type":"sighting",%s,"id":%q,"sighting_of_ref":%q,"count":3,%s}`, common, sig1, ind1, green),
		fmt.Sprintf(`{"type":"sighting",%s,"id":%q,"sighting_of_ref":%q,"count":1,%s}`, common, sig2, ind2, green),
		fmt.Sprintf(`{"type":"grouping",%s,"id":%q,"name":"evidence","context":"suspicious-activity","object_refs":[%q,%q,%q],%s}`, common, grp, inc.ID, sig1, sig2, green),
	)

	// The CLI, on the serving node's store.
	start = time.Now()
	out, errs := cli("incident", "attribute", inc.ID, "--limit", "5", "--data", data)
	t.Logf("rampart incident attribute ran in %s", time.Since(start).Round(time.Millisecond))
	for _, want := range []string{
		"technique T1606.002 SAML Tokens",
		"from " + grp + " > " + sig1 + " > " + ind1 + " > relationship--1a000000-0000-4000-8000-000000000101 > " + stixID("T1606.002"),
		"software  S0559 SUNBURST",
		"technique T1078.004",
		"sightings: " + sig1 + ", " + sig2,
		"(TLP:AMBER), by rampart-attribution/",
		" 1. APT29 (G0016)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("incident attribute: no %q in\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "from 3 techniques, 1 software, 2 indicators and 2 sightings") {
		t.Errorf("incident attribute summary: %s", errs)
	}
	cliNote := ""
	for l := range strings.Lines(out) {
		if rest, ok := strings.CutPrefix(l, "note "); ok {
			cliNote, _, _ = strings.Cut(rest, " ")
		}
	}

	// The API: POST runs it again, GET returns the latest.
	start = time.Now()
	status, body = n.request("POST", "/api/v1/incidents/"+inc.ID+"/attribution?limit=5", "application/json", nil)
	t.Logf("POST /api/v1/incidents/{id}/attribution answered in %s", time.Since(start).Round(time.Millisecond))
	type answer struct {
		Note    jsontext.Value             `json:"note"`
		Record  attribution.IncidentRecord `json:"attribution"`
		Ranking struct {
			Candidates []struct {
				ExternalID string `json:"external_id"`
			} `json:"candidates"`
			Explanation string `json:"explanation"`
		} `json:"ranking"`
	}
	var posted answer
	if err := json.Unmarshal(body, &posted); status != 201 || err != nil {
		t.Fatalf("POST attribution: %d %v %s", status, err, body)
	}
	rec := posted.Record
	if len(rec.Candidates) != 5 || rec.Candidates[0].ExternalID != "G0016" || len(posted.Ranking.Candidates) == 0 || posted.Ranking.Candidates[0].ExternalID != "G0016" {
		t.Errorf("POST attribution ranks %v, want APT29 (G0016) first of 5", rec.Candidates)
	}
	if rec.TLP != "TLP:AMBER" || rec.Incident != inc.ID || !strings.HasPrefix(rec.Engine, "rampart-attribution/") {
		t.Errorf("record: tlp %s incident %s engine %s", rec.TLP, rec.Incident, rec.Engine)
	}
	if len(rec.Inputs.Sightings) != 2 || len(rec.Inputs.Indicators) != 2 || len(rec.Inputs.Software) != 1 || len(rec.Inputs.Techniques) != 3 {
		t.Errorf("recorded inputs: %+v", rec.Inputs)
	}
	if rec.Comparison == nil || len(rec.Comparison.Hypotheses) != attribution.NoteCandidates {
		t.Errorf("recorded comparison: %+v", rec.Comparison)
	}
	var postedNote struct {
		ID string `json:"id"`
	}
	json.Unmarshal(posted.Note, &postedNote)
	status, body = n.request("GET", "/api/v1/incidents/"+inc.ID+"/attribution", "", nil)
	var got answer
	if err := json.Unmarshal(body, &got); status != 200 || err != nil {
		t.Fatalf("GET attribution: %d %v %s", status, err, body)
	}
	var gotNote struct {
		ID string `json:"id"`
	}
	json.Unmarshal(got.Note, &gotNote)
	if gotNote.ID != postedNote.ID || got.Record.Candidates[0].ExternalID != "G0016" {
		t.Errorf("GET attribution returned note %s, want the latest, %s", gotNote.ID, postedNote.ID)
	}
	if status, body := n.request("POST", "/api/v1/incidents/incident--1a000000-0000-4000-8000-00000000ffff/attribution", "application/json", nil); status != 404 {
		t.Errorf("POST attribution of an unknown incident: %d %s", status, body)
	}
	if status, body := n.request("POST", "/api/v1/incidents/"+inc.ID+"/attribution?limit=0", "application/json", nil); status != 400 || !strings.Contains(string(body), "limit") {
		t.Errorf("POST attribution with limit 0: %d %s", status, body)
	}

	// Both notes are served over TAXII, created by the node's organisation,
	// marked TLP:AMBER, about the incident and APT29.
	var notes []string
	for _, o := range n.objects("match[type]=note") {
		var nt struct {
			ID         string   `json:"id"`
			CreatedBy  string   `json:"created_by_ref"`
			Markings   []string `json:"object_marking_refs"`
			ObjectRefs []string `json:"object_refs"`
			Authors    []string `json:"authors"`
		}
		if err := json.Unmarshal([]byte(o), &nt); err != nil {
			t.Fatal(err)
		}
		notes = append(notes, nt.ID)
		if nt.CreatedBy != org || !slices.Equal(nt.Markings, []string{stix.TLPAmber.MarkingID()}) ||
			len(nt.ObjectRefs) < 2 || nt.ObjectRefs[0] != inc.ID || nt.ObjectRefs[1] != apt29 || len(nt.Authors) != 1 {
			t.Errorf("note over TAXII: created_by %s markings %v object_refs %v authors %v", nt.CreatedBy, nt.Markings, nt.ObjectRefs, nt.Authors)
		}
	}
	slices.Sort(notes)
	want := []string{cliNote, postedNote.ID}
	slices.Sort(want)
	if !slices.Equal(notes, want) {
		t.Errorf("notes over TAXII %v, want the CLI's and the API's %v", notes, want)
	}
}

func first(a, _ string) string { return a }
