package attribution

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rampart-cti/rampart/stix"
)

func TestReadKnowledgeATTACK(t *testing.T) {
	k := attack(t)
	s := k.Stats()
	// The counts of testdata/attack/SOURCE.md.
	for _, tc := range []struct {
		typ           string
		total, active int
	}{
		{TypeTechnique, 835, 691},
		{TypeIntrusionSet, 187, 172},
		{TypeCampaign, 52, 52},
		{TypeMalware, 696, 693},
		{TypeTool, 91, 91},
		{TypeTactic, 14, 14},
	} {
		if s.Total[tc.typ] != tc.total || s.Active[tc.typ] != tc.active {
			t.Errorf("%s: total %d active %d, want %d and %d", tc.typ, s.Total[tc.typ], s.Active[tc.typ], tc.total, tc.active)
		}
	}
	if got := s.Relationships[RelAttributedTo]; got != 25 {
		t.Errorf("attributed-to relationships = %d, want 25", got)
	}
	if got := s.Relationships[RelRevokedBy]; got != 140 {
		t.Errorf("revoked-by relationships = %d, want 140", got)
	}
}

func TestLookupATTACK(t *testing.T) {
	k := attack(t)
	for _, tc := range []struct {
		ref, typ, name, ext string
	}{
		{"G0007", TypeIntrusionSet, "APT28", "G0007"},
		{"g0007", TypeIntrusionSet, "APT28", "G0007"},
		{"Fancy Bear", TypeIntrusionSet, "APT28", "G0007"},
		{"T1566.001", TypeTechnique, "Spearphishing Attachment", "T1566.001"},
		{"S0154", TypeMalware, "Cobalt Strike", "S0154"},
		{"C0001", TypeCampaign, "Frankenstein", "C0001"},
		{"TA0001", TypeTactic, "Initial Access", "TA0001"},
	} {
		e := k.Lookup(tc.ref)
		if e == nil {
			t.Errorf("Lookup(%q) = nil", tc.ref)
			continue
		}
		if e.Type != tc.typ || e.Name != tc.name || e.ExternalID != tc.ext {
			t.Errorf("Lookup(%q) = %s %q %s, want %s %q %s", tc.ref, e.Type, e.Name, e.ExternalID, tc.typ, tc.name, tc.ext)
		}
	}
	if e := k.Lookup("G9999"); e != nil {
		t.Errorf("Lookup(G9999) = %v, want nil", e.Label())
	}
	// A sub-technique knows its parent.
	if sub := k.Lookup("T1566.001"); k.Entry(sub.Parent) == nil || k.Entry(sub.Parent).ExternalID != "T1566" {
		t.Errorf("T1566.001 parent = %q", sub.Parent)
	}
	// A revoked intrusion set resolves to the set that replaced it.
	old := k.Lookup("G0057")
	if old == nil || !old.Revoked {
		t.Fatalf("G0057 = %+v, want a revoked intrusion set", old)
	}
	to, chain := k.Resolve(old)
	if to.ExternalID != "G0049" || len(chain) != 1 {
		t.Errorf("Resolve(G0057) = %s via %d hops, want G0049 via 1", to.Label(), len(chain))
	}
	if d := k.Lookup("G0014"); d == nil || !d.Deprecated || d.Active() {
		t.Errorf("G0014 (Night Dragon) should be deprecated: %+v", d)
	}
}

func TestKnowledgeKeepsNewestVersion(t *testing.T) {
	k := NewKnowledge()
	add := func(modified, name string) {
		o, err := stix.ParseObject([]byte(`{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2020-01-01T00:00:00Z","modified":"` + modified + `","name":"` + name + `","external_references":[{"source_name":"mitre-attack","external_id":"G0999"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	add("2021-01-01T00:00:00Z", "New")
	add("2020-06-01T00:00:00Z", "Old")
	if got := k.Lookup("G0999").Name; got != "New" {
		t.Errorf("name = %q, want the newest version's %q", got, "New")
	}
	add("2022-01-01T00:00:00Z", "Newer")
	if got := k.Lookup("G0999").Name; got != "Newer" {
		t.Errorf("name = %q, want %q", got, "Newer")
	}
}

func TestKnowledgeRefusesBadRelationship(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"type":"relationship","id":"relationship--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","relationship_type":"uses","source_ref":"intrusion-set--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`, "target_ref are required"},
		{`{"type":"relationship","id":"relationship--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","relationship_type":"uses","source_ref":"x","target_ref":"attack-pattern--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`, `source_ref: identifier "x"`},
		{`{"type":"relationship","id":"relationship--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","relationship_type":"uses","source_ref":"intrusion-set--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","target_ref":"attack-pattern--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","confidence":101}`, "confidence must be 0 to 100 (got 101)"},
		{`{"type":"intrusion-set","id":"intrusion-set--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","name":5}`, `intrusion-set "intrusion-set--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"`},
	} {
		o, err := stix.ParseObject([]byte(tc.json))
		if err != nil {
			t.Fatal(err)
		}
		err = NewKnowledge().Add(o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Add(%.60s…) = %v, want %q", tc.json, err, tc.want)
		}
	}
}

func TestReadKnowledgeReportsBadObjectsAndKeepsTheRest(t *testing.T) {
	bundle := `{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[
	 {"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","name":"Kept","external_references":[{"source_name":"mitre-attack","external_id":"G0001"}]},
	 {"type":"intrusion-set","id":"broken"},
	 {"type":"relationship","id":"relationship--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","relationship_type":"uses"},
	 {"type":"course-of-action","spec_version":"2.1","id":"course-of-action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","name":"Ignored"}]}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(bundle))
	zw.Close()
	for name, in := range map[string][]byte{"plain": []byte(bundle), "gzip": gz.Bytes()} {
		k, err := ReadKnowledge(bytes.NewReader(in), nil)
		var le *LoadError
		if !errors.As(err, &le) || len(le.Errors) != 2 {
			t.Fatalf("%s: err = %v, want a LoadError of 2", name, err)
		}
		if k.Lookup("G0001") == nil {
			t.Errorf("%s: the valid object was not kept", name)
		}
		if diff := cmp.Diff(map[string]int{"course-of-action": 1}, k.Ignored); diff != "" {
			t.Errorf("%s: Ignored (-want +got):\n%s", name, diff)
		}
	}
	if _, err := ReadKnowledge(strings.NewReader(`{"objects":[`), nil); err == nil || !strings.Contains(err.Error(), "read bundle") {
		t.Errorf("broken stream: err = %v", err)
	}
}

func TestKnowledgeLinksArriveInAnyOrder(t *testing.T) {
	// The subtechnique-of relationship comes before the techniques.
	b := newKB(t)
	b.ids["T5.001"] = "attack-pattern--" + uuidOf(TypeTechnique+"T5.001"+"Five Sub")
	b.ids["T5"] = "attack-pattern--" + uuidOf(TypeTechnique+"T5"+"Five")
	b.rel(RelSubtechnique, "T5.001", "T5")
	b.obj(TypeTechnique, "T5.001", "Five Sub", "")
	b.obj(TypeTechnique, "T5", "Five", "")
	if got := b.k.Lookup("T5.001").Parent; got != b.ids["T5"] {
		t.Errorf("parent = %q, want %q", got, b.ids["T5"])
	}
}
