package attribution

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// memObjects is an ObjectService over objects in memory, one version of
// each, for unit tests of what reads a store.
type memObjects struct {
	rampart.ObjectService
	colls map[string][]*stix.Object
}

func (m *memObjects) FindObjects(_ context.Context, f rampart.ObjectFilter) (*rampart.ObjectPage, error) {
	page := &rampart.ObjectPage{}
	for i, o := range m.colls[f.CollectionID] {
		seq := int64(i + 1)
		if seq <= f.AfterSeq || len(f.IDs) > 0 && !slices.Contains(f.IDs, o.ID) || len(f.Types) > 0 && !slices.Contains(f.Types, o.Type) {
			continue
		}
		page.Versions = append(page.Versions, &rampart.ObjectVersion{Object: o, Seq: seq})
	}
	return page, nil
}

// incidentCase is a store holding a small knowledge (small) and an
// incident with evidence tied to it in each of the ways GatherIncident
// follows.
type incidentCase struct {
	b        *kb
	objs     *memObjects
	incident string
	ids      map[string]string // short name → STIX id
}

func marking(t stix.TLP) string { return fmt.Sprintf(`"object_marking_refs":[%q]`, t.MarkingID()) }

func newIncidentCase(t *testing.T) *incidentCase {
	b := small(t)
	c := &incidentCase{b: b, objs: &memObjects{colls: map[string][]*stix.Object{}}, ids: map[string]string{}}
	// The knowledge objects, as a store would hold them.
	for _, typ := range []string{TypeTechnique, TypeMalware, TypeTool, TypeIntrusionSet, TypeCampaign} {
		for _, e := range b.k.Entries(typ) {
			c.put(t, "kb", fmt.Sprintf(`{"type":%q,"spec_version":"2.1","id":%q,"created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":%q,"external_references":[{"source_name":"mitre-attack","external_id":%q}]%s}`,
				typ, e.ID, e.Name, e.ExternalID, map[bool]string{true: `,"is_family":true`}[typ == TypeMalware]))
		}
	}
	for _, r := range b.k.Relationships("") {
		c.put(t, "kb", fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":%q,"created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","relationship_type":%q,"source_ref":%q,"target_ref":%q}`, r.ID, r.Type, r.Source, r.Target))
	}
	c.incident = c.sdo(t, "coord", "incident", "inc", `"name":"Wiper",`+marking(stix.TLPGreen))
	// An indicator tied by a relationship, which indicates T9 (G1 alone
	// uses it).
	ind1 := c.sdo(t, "feed", "indicator", "ind1", `"name":"c2","pattern":"[domain-name:value = 'c2.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z",`+marking(stix.TLPAmber))
	c.rel(t, "feed", "r-ind1-inc", "related-to", ind1, c.incident, marking(stix.TLPGreen))
	c.rel(t, "feed", "r-ind1-T9", RelIndicates, ind1, b.ids["T9"], marking(stix.TLPGreen))
	// Malware the incident uses, and a conclusion that is no evidence.
	c.rel(t, "coord", "r-inc-S1", RelUses, c.incident, b.ids["S1"], marking(stix.TLPGreen))
	c.rel(t, "coord", "r-inc-G2", RelAttributedTo, c.incident, b.ids["G2"], marking(stix.TLPGreen))
	// A sighting of a second indicator, held with the incident in a
	// grouping; the indicator indicates T2.
	ind2 := c.sdo(t, "feed", "indicator", "ind2", `"name":"dropper","pattern":"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z",`+marking(stix.TLPClear))
	c.rel(t, "feed", "r-ind2-T2", RelIndicates, ind2, b.ids["T2"], marking(stix.TLPClear))
	sig := c.sdo(t, "feed", "sighting", "sig", fmt.Sprintf(`"sighting_of_ref":%q,`, ind2)+marking(stix.TLPGreen))
	c.sdo(t, "coord", "grouping", "grp", fmt.Sprintf(`"context":"suspicious-activity","object_refs":[%q,%q],`, c.incident, sig)+marking(stix.TLPGreen))
	// Observed data tied to the incident: held, but no evidence.
	c.sdo(t, "coord", "observed-data", "od", `"first_observed":"2026-01-01T00:00:00Z","last_observed":"2026-01-01T00:00:00Z","number_observed":1,"object_refs":["domain-name--6b9b2b8a-6a4b-5bd5-9bd4-0b7b2b8a6a4b"],`+marking(stix.TLPGreen))
	c.rel(t, "coord", "r-od-inc", "related-to", c.ids["od"], c.incident, marking(stix.TLPGreen))
	return c
}

func (c *incidentCase) put(t *testing.T, coll, raw string) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatalf("parse %s: %v", raw, err)
	}
	c.objs.colls[coll] = append(c.objs.colls[coll], o)
	return o
}

func (c *incidentCase) sdo(t *testing.T, coll, typ, name, members string) string {
	t.Helper()
	id := typ + "--" + uuidOf(name)
	c.ids[name] = id
	c.put(t, coll, fmt.Sprintf(`{"type":%q,"spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z",%s}`, typ, id, members))
	return id
}

func (c *incidentCase) rel(t *testing.T, coll, name, typ, src, dst, members string) string {
	t.Helper()
	return c.sdo(t, coll, "relationship", name, fmt.Sprintf(`"relationship_type":%q,"source_ref":%q,"target_ref":%q,%s`, typ, src, dst, members))
}

// gather reads the knowledge and the incident's evidence as release lets.
func (c *incidentCase) gather(t *testing.T, release func(context.Context, string, []*stix.Object) ([]*stix.Object, error)) (*Knowledge, *IncidentEvidence) {
	t.Helper()
	st := &Store{Objects: c.objs, Collections: []string{"kb", "feed", "coord"}, Release: release}
	ctx := context.Background()
	k, err := st.Knowledge(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := GatherIncident(ctx, st, k, c.incident)
	if err != nil {
		t.Fatal(err)
	}
	return k, ev
}

func refsOf(ins []Input) string {
	var s []string
	for _, in := range ins {
		s = append(s, in.Ref)
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

func inputNamed(ins []Input, ref string) *Input {
	for i := range ins {
		if ins[i].Ref == ref {
			return &ins[i]
		}
	}
	return nil
}

func TestGatherIncident(t *testing.T) {
	c := newIncidentCase(t)
	_, ev := c.gather(t, nil)
	if got, want := refsOf(ev.Techniques), "T2,T9"; got != want {
		t.Errorf("techniques %s, want %s", got, want)
	}
	if got, want := refsOf(ev.Software), "S1"; got != want {
		t.Errorf("software %s, want %s", got, want)
	}
	if got, want := len(ev.Indicators), 2; got != want {
		t.Errorf("%d indicators, want %d", got, want)
	}
	if !slices.Equal(ev.Sightings, []string{c.ids["sig"]}) {
		t.Errorf("sightings %v, want [%s]", ev.Sightings, c.ids["sig"])
	}
	// Where each input came from: indicator → indicates → technique.
	t9 := inputNamed(ev.Techniques, "T9")
	want := []string{c.ids["r-ind1-inc"], c.ids["ind1"], c.ids["r-ind1-T9"], c.b.ids["T9"]}
	if t9 == nil || len(t9.From) != 1 || !slices.Equal(t9.From[0], want) {
		t.Errorf("T9 came from %v, want [%v]", t9, want)
	}
	t2 := inputNamed(ev.Techniques, "T2")
	want = []string{c.ids["grp"], c.ids["sig"], c.ids["ind2"], c.ids["r-ind2-T2"], c.b.ids["T2"]}
	if t2 == nil || len(t2.From) != 1 || !slices.Equal(t2.From[0], want) {
		t.Errorf("T2 came from %v, want [%v]", t2, want)
	}
	s1 := inputNamed(ev.Software, "S1")
	if want := []string{c.ids["r-inc-S1"], c.b.ids["S1"]}; s1 == nil || !slices.Equal(s1.From[0], want) {
		t.Errorf("S1 came from %v, want [%v]", s1, want)
	}
	// The attributed-to conclusion is not followed; observed data is
	// held but unused.
	if slices.Contains(ev.Objects, c.ids["r-inc-G2"]) || slices.Contains(ev.Objects, c.b.ids["G2"]) {
		t.Errorf("evidence drew on the incident's attributed-to relationship: %v", ev.Objects)
	}
	if len(ev.Unused) != 1 || ev.Unused[0].ID != c.ids["od"] {
		t.Errorf("unused %v, want the observed data alone", ev.Unused)
	}
	// The strictest input is the first indicator, TLP:AMBER.
	if ev.TLP != stix.TLPAmber {
		t.Errorf("TLP %s, want TLP:AMBER", ev.TLP)
	}
	if ev.Objects[0] != c.incident {
		t.Errorf("objects begin with %s, want the incident", ev.Objects[0])
	}
}

// TestGatherIncidentWithheld: an object the reader may not read is neither
// evidence nor raises the marking, and nothing drawn through it counts.
func TestGatherIncidentWithheld(t *testing.T) {
	c := newIncidentCase(t)
	withheld := c.ids["ind1"]
	release := func(_ context.Context, _ string, objs []*stix.Object) ([]*stix.Object, error) {
		out := make([]*stix.Object, len(objs))
		for i, o := range objs {
			if o.ID != withheld {
				out[i] = o
			}
		}
		return out, nil
	}
	_, ev := c.gather(t, release)
	if got, want := refsOf(ev.Techniques), "T2"; got != want {
		t.Errorf("techniques %s, want %s (T9 came only through the withheld indicator)", got, want)
	}
	if ev.TLP != stix.TLPGreen {
		t.Errorf("TLP %s, want TLP:GREEN: the withheld TLP:AMBER indicator raised it", ev.TLP)
	}
	found := false
	for _, u := range ev.Unused {
		found = found || u.ID == withheld
	}
	if !found {
		t.Errorf("the withheld indicator is not listed as unused: %v", ev.Unused)
	}
}

func TestGatherIncidentMarkingRed(t *testing.T) {
	c := newIncidentCase(t)
	// A TLP:RED sighting raises the result to TLP:RED.
	c.sdo(t, "feed", "sighting", "sig-red", fmt.Sprintf(`"sighting_of_ref":%q,`, c.ids["ind2"])+marking(stix.TLPRed))
	c.sdo(t, "coord", "report", "rep", fmt.Sprintf(`"name":"r","published":"2026-01-01T00:00:00Z","object_refs":[%q,%q],`, c.incident, c.ids["sig-red"])+marking(stix.TLPGreen))
	_, ev := c.gather(t, nil)
	if ev.TLP != stix.TLPRed {
		t.Errorf("TLP %s, want TLP:RED", ev.TLP)
	}
	if !slices.Contains(ev.Sightings, c.ids["sig-red"]) {
		t.Errorf("the report's sighting is missing: %v", ev.Sightings)
	}
}

func TestGatherIncidentNotFound(t *testing.T) {
	c := newIncidentCase(t)
	st := &Store{Objects: c.objs, Collections: []string{"kb"}}
	_, err := GatherIncident(context.Background(), st, c.b.k, c.incident)
	if rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("error %v, want ENOTFOUND for an incident outside the collections", err)
	}
}

func TestIncidentNote(t *testing.T) {
	c := newIncidentCase(t)
	k, ev := c.gather(t, nil)
	e := NewEngine(k, Config{})
	a := e.AttributeIncident(ev, 5)
	if len(a.Ranking.Candidates) == 0 || a.Ranking.Candidates[0].Entry.ExternalID != "G1" {
		t.Fatalf("ranking %v, want G1 first (T9, T2 and S1 are G1's)", a.Ranking.Candidates)
	}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	o, err := a.Note("identity--"+uuidOf("org"), now)
	if err != nil {
		t.Fatal(err)
	}
	if o.Type != "note" || !slices.Equal(o.ObjectMarkingRefs, []string{stix.TLPAmber.MarkingID()}) {
		t.Errorf("note type %s markings %v, want a note marked TLP:AMBER", o.Type, o.ObjectMarkingRefs)
	}
	var n struct {
		ObjectRefs []string `json:"object_refs"`
		Authors    []string `json:"authors"`
		Content    string   `json:"content"`
	}
	if err := o.Decode(&n); err != nil {
		t.Fatal(err)
	}
	if len(n.ObjectRefs) < 2 || n.ObjectRefs[0] != c.incident || n.ObjectRefs[1] != c.b.ids["G1"] {
		t.Errorf("object_refs %v, want the incident then G1", n.ObjectRefs)
	}
	if len(n.Authors) != 1 || n.Authors[0] != e.Version() || !strings.Contains(n.Content, "Alpha") {
		t.Errorf("authors %v, content %q: want the engine version and the explanation", n.Authors, n.Content)
	}
	rec, err := ParseNote(o)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Incident != c.incident || rec.Engine != e.Version() || rec.TLP != "TLP:AMBER" {
		t.Errorf("record incident %s engine %s tlp %s", rec.Incident, rec.Engine, rec.TLP)
	}
	if got := refsOf(rec.Inputs.Techniques); got != "T2,T9" {
		t.Errorf("recorded techniques %s, want T2,T9", got)
	}
	if len(rec.Candidates) == 0 || rec.Candidates[0].ExternalID != "G1" || rec.Candidates[0].Score <= 0 {
		t.Errorf("recorded candidates %v, want G1 first with a score", rec.Candidates)
	}
	if rec.Comparison == nil || len(rec.Comparison.Hypotheses) < 2 {
		t.Errorf("recorded comparison %v, want the best candidates side by side", rec.Comparison)
	}
	// Each run is a new note.
	o2, err := a.Note("", now)
	if err != nil {
		t.Fatal(err)
	}
	if o2.ID == o.ID {
		t.Errorf("a second note has the same id %s", o.ID)
	}
	if _, err := ParseNote(c.objs.colls["coord"][0]); err == nil {
		t.Errorf("ParseNote accepted an incident")
	}
}

// TestGatherIncidentAlerts: an incident's early-warning alerts lead to
// their sightings and indicators.
func TestGatherIncidentAlerts(t *testing.T) {
	c := newIncidentCase(t)
	alert := c.sdo(t, "coord", "x-rampart-alert", "alert", fmt.Sprintf(`"name":"same indicator","sighting_refs":[%q],"indicator_refs":[%q],`, c.ids["sig"], c.ids["ind1"])+marking(stix.TLPGreen))
	c.incident = c.sdo(t, "coord", "incident", "inc-alerts", fmt.Sprintf(`"name":"From an alert","extensions":{"extension-definition--add082c3-bffd-4e62-81a6-61003b882f8d":{"extension_type":"property-extension","alert_refs":[%q]}},`, alert)+marking(stix.TLPGreen))
	_, ev := c.gather(t, nil)
	if got, want := refsOf(ev.Techniques), "T2,T9"; got != want {
		t.Errorf("techniques %s, want %s", got, want)
	}
	t2 := inputNamed(ev.Techniques, "T2")
	want := []string{alert, c.ids["sig"], c.ids["ind2"], c.ids["r-ind2-T2"], c.b.ids["T2"]}
	if t2 == nil || !slices.Equal(t2.From[0], want) {
		t.Errorf("T2 came from %v, want [%v]", t2, want)
	}
	if !slices.Equal(ev.Sightings, []string{c.ids["sig"]}) || len(ev.Software) != 0 {
		t.Errorf("sightings %v software %v: want the alert's sighting and no software (the first incident's)", ev.Sightings, ev.Software)
	}
}
