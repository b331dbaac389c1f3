package misp

import (
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/stix"
)

const (
	evUUID  = "5a4e4fdd-1eb4-4ff3-9e87-43fa950d210f"
	orgUUID = "a0c22599-9e58-4da4-96ac-7051603fa951"
	peerOrg = "b1c22599-9e58-4da4-96ac-7051603fa952"
	farOrg  = "c2c22599-9e58-4da4-96ac-7051603fa953"
)

// convertJSON converts one MISP document with r and returns the objects
// by id.
func convertJSON(t *testing.T, doc string, r Resolver) (map[string]*stix.Object, Summary) {
	t.Helper()
	evs, fails, err := Parse([]byte(doc), "test.json")
	if err != nil {
		t.Fatal(err)
	}
	c := NewConverter(r)
	objs := map[string]*stix.Object{}
	var sum Summary
	sum.Failures = append(sum.Failures, fails...)
	for i, ev := range evs {
		s, err := c.Convert(context.Background(), ev, "test.json", i, func(o *stix.Object) error {
			if err := validator.Validate(o); err != nil {
				t.Errorf("%s invalid: %v\n%s", o.ID, err, o.Raw)
			}
			objs[o.ID] = o
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sum.Add(s)
	}
	return objs, sum
}

func member(t *testing.T, o *stix.Object, name string) jsontext.Value {
	t.Helper()
	var m map[string]jsontext.Value
	if err := json.Unmarshal(o.Raw, &m); err != nil {
		t.Fatal(err)
	}
	return m[name]
}

func event(published bool, dist, tags, attrs string) string {
	p := "false"
	if published {
		p = "true"
	}
	return `{"Event":{"uuid":"` + evUUID + `","info":"test","date":"2026-01-02","timestamp":"1767312000","published":` + p +
		`,"distribution":"` + dist + `","Orgc":{"name":"CERT-A","uuid":"` + orgUUID + `"},"Tag":[` + tags + `],"Attribute":[` + attrs + `]}}`
}

func TestTLPTags(t *testing.T) {
	for _, tc := range []struct {
		tag  string
		want stix.TLP
	}{
		{"tlp:white", stix.TLPClear}, {"tlp:clear", stix.TLPClear}, {"TLP:GREEN", stix.TLPGreen},
		{"tlp:amber", stix.TLPAmber}, {"tlp:amber+strict", stix.TLPAmberStrict}, {"tlp:red", stix.TLPRed},
	} {
		objs, _ := convertJSON(t, event(true, "3", `{"name":"`+tc.tag+`"},{"name":"type:OSINT"}`,
			`{"uuid":"11111111-1111-4111-8111-111111111111","type":"domain","value":"a.example","to_ids":true}`), nil)
		rep := objs["report--"+evUUID]
		ind := objs["indicator--11111111-1111-4111-8111-111111111111"]
		if rep == nil || ind == nil {
			t.Fatalf("%s: report or indicator missing", tc.tag)
		}
		for _, o := range []*stix.Object{rep, ind} {
			if got := stix.EffectiveTLP(o); got != tc.want || len(o.ObjectMarkingRefs) != 1 || o.ObjectMarkingRefs[0] != tc.want.MarkingID() {
				t.Errorf("%s: %s marked %v (%v), want the TLP 2.0 marking of %v", tc.tag, o.Type, got, o.ObjectMarkingRefs, tc.want)
			}
		}
		if got := string(member(t, rep, "labels")); got != `["type:OSINT"]` {
			t.Errorf("%s: report labels %s, want the other tag only", tc.tag, got)
		}
	}
}

func TestPublishedReportUnpublishedGrouping(t *testing.T) {
	objs, _ := convertJSON(t, event(false, "3", "", ""), nil)
	g := objs["grouping--"+evUUID]
	if g == nil || string(member(t, g, "context")) != `"suspicious-activity"` {
		t.Fatalf("unpublished event: want a grouping with context suspicious-activity, got %v", g)
	}
	if g.CreatedByRef != "identity--"+orgUUID || objs["identity--"+orgUUID] == nil {
		t.Errorf("grouping created_by_ref %q, want the Orgc identity, emitted", g.CreatedByRef)
	}
}

func TestAttributeMapping(t *testing.T) {
	attrs := `{"uuid":"11111111-1111-4111-8111-111111111111","type":"ip-dst","value":"198.51.100.7","to_ids":true,"category":"Network activity"},
	{"uuid":"22222222-2222-4222-8222-222222222222","type":"filename|sha256","value":"a.exe|` + strings.Repeat("ab", 32) + `","to_ids":false},
	{"uuid":"33333333-3333-4333-8333-333333333333","type":"btc","value":"1BoatSLRHtKNngkdXEeobR76b53LETtpyT","to_ids":true},
	{"uuid":"44444444-4444-4444-8444-444444444444","type":"domain|ip","value":"a.example|2001:db8::1","to_ids":true},
	{"uuid":"55555555-5555-4555-8555-555555555555","type":"yara","value":"rule x { condition: true }","to_ids":true}`
	objs, sum := convertJSON(t, event(true, "3", "", attrs), nil)
	if sum.Indicators != 3 || sum.Observables != 1 || sum.Custom != 1 || len(sum.Failures) != 0 {
		t.Fatalf("got %s, want 3 indicators, 1 observable, 1 custom", sum)
	}
	for id, want := range map[string]string{
		"indicator--11111111-1111-4111-8111-111111111111": `"[ipv4-addr:value = '198.51.100.7']"`,
		"indicator--44444444-4444-4444-8444-444444444444": `"[domain-name:value = 'a.example' AND domain-name:resolves_to_refs[*].value = '2001:db8::1']"`,
		"indicator--55555555-5555-4555-8555-555555555555": `"rule x { condition: true }"`,
	} {
		if o := objs[id]; o == nil || string(member(t, o, "pattern")) != want {
			t.Errorf("%s: pattern %s, want %s", id, member(t, o, "pattern"), want)
		}
	}
	od := objs["observed-data--22222222-2222-4222-8222-222222222222"]
	if od == nil {
		t.Fatal("no observed-data for the filename|sha256 attribute")
	}
	var refs []string
	_ = json.Unmarshal(member(t, od, "object_refs"), &refs)
	if len(refs) != 1 || objs[refs[0]] == nil || !strings.Contains(string(objs[refs[0]].Raw), `"name":"a.exe"`) {
		t.Errorf("observed-data refs %v: want one file SCO named a.exe", refs)
	}
	cu := objs["x-misp-attribute--33333333-3333-4333-8333-333333333333"]
	if cu == nil || string(member(t, cu, "x_misp_type")) != `"btc"` {
		t.Errorf("btc attribute: want an x-misp-attribute keeping its type")
	}
	if len(sum.Notes) == 0 || !strings.Contains(sum.Notes[0], `"btc"`) {
		t.Errorf("no note about the btc attribute: %v", sum.Notes)
	}
}

func TestBadAttributeFailsAlone(t *testing.T) {
	attrs := `{"uuid":"11111111-1111-4111-8111-111111111111","type":"ip-dst","value":"not an ip","to_ids":true},
	{"uuid":"22222222-2222-4222-8222-222222222222","type":"domain","value":{"oops":1}},
	{"uuid":"33333333-3333-4333-8333-333333333333","type":"md5","value":"xyz","to_ids":true},
	{"uuid":"44444444-4444-4444-8444-444444444444","type":"domain","value":"good.example","to_ids":true}`
	objs, sum := convertJSON(t, `[`+event(true, "3", "", attrs)+`, {"Event": 7}, {"Event":{"info":"second","Attribute":"x"}}]`, nil)
	if objs["indicator--44444444-4444-4444-8444-444444444444"] == nil {
		t.Error("the good attribute was not converted")
	}
	var msgs []string
	for _, f := range sum.Failures {
		msgs = append(msgs, f.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"test.json: event 0 (uuid " + evUUID + "): attribute 0 (uuid 11111111-1111-4111-8111-111111111111): ip-dst value \"not an ip\"",
		"attribute 1 (uuid 22222222-2222-4222-8222-222222222222): malformed attribute",
		"attribute 2 (uuid 33333333-3333-4333-8333-333333333333): md5 value \"xyz\"",
		"test.json: event 1: malformed event",
		"test.json: event 2: Attribute: want an array",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("failures do not say %q:\n%s", want, all)
		}
	}
	if sum.Events != 2 {
		t.Errorf("%d events converted, want 2 (the bad third event's attributes fail, the event stays)", sum.Events)
	}
}

func TestDistribution(t *testing.T) {
	attr := `{"uuid":"11111111-1111-4111-8111-111111111111","type":"domain","value":"a.example","to_ids":true}`
	objs, _ := convertJSON(t, event(true, "0", `{"name":"tlp:green"}`, attr), nil)
	ind := objs["indicator--11111111-1111-4111-8111-111111111111"]
	rcpt, err := stix.Recipients(ind)
	if err != nil || !slices.Equal(rcpt, []string{"identity--" + orgUUID}) || stix.EffectiveTLP(ind) != stix.TLPRed {
		t.Errorf("distribution 0: recipients %v (%v), TLP %v; want the producer alone and TLP:RED", rcpt, err, stix.EffectiveTLP(ind))
	}

	sg := `,"sharing_group_id":"1","SharingGroup":{"name":"sg","SharingGroupOrg":[{"Organisation":{"uuid":"` + peerOrg + `"}},{"Organisation":{"uuid":"` + farOrg + `"}}]}`
	doc := strings.Replace(event(true, "4", "", attr), `"Orgc"`, sg[1:]+`,"Orgc"`, 1)
	objs, _ = convertJSON(t, doc, &fakeResolver{orgs: []string{"identity--" + peerOrg}})
	rcpt, _ = stix.Recipients(objs["indicator--11111111-1111-4111-8111-111111111111"])
	if want := []string{"identity--" + orgUUID, "identity--" + peerOrg}; !slices.Equal(rcpt, want) {
		t.Errorf("sharing group: recipients %v, want %v (the producer and the member the node knows)", rcpt, want)
	}

	objs, _ = convertJSON(t, event(true, "3", "", attr), nil)
	if stix.Addressed(objs["indicator--11111111-1111-4111-8111-111111111111"]) {
		t.Error("distribution 3 addressed the indicator")
	}
}

type fakeResolver struct {
	orgs  []string
	sdos  map[string]string // name → id
	calls int
}

func (f *fakeResolver) FindSDO(_ context.Context, typ, name string, aliases []string, ext string) (string, error) {
	f.calls++
	if id := f.sdos[ext]; id != "" {
		return id, nil
	}
	return f.sdos[typ+":"+name], nil
}

func (f *fakeResolver) KnownOrganisation(_ context.Context, id string) bool {
	return slices.Contains(f.orgs, id)
}

func TestGalaxiesAndSightings(t *testing.T) {
	_, objs, sum := convertFile(t, "pymisp-events/reportlab_testfiles/sighting_1.json")
	if sum.Sightings == 0 || sum.Galaxies != 1 {
		t.Fatalf("sighting_1: got %s, want sightings and 1 galaxy cluster", sum)
	}
	var malware, sightings, indicates int
	for _, o := range objs {
		switch o.Type {
		case "malware":
			malware++
			if !strings.Contains(string(o.Raw), `"name":"Gozi"`) || !strings.Contains(string(o.Raw), `"Ursnif"`) {
				t.Errorf("malware %s: want Gozi with its synonyms as aliases", o.Raw)
			}
		case "sighting":
			sightings++
			if !strings.Contains(string(o.Raw), `"where_sighted_refs":["identity--5c6983c8-3af8-4304-869c-4800d6c1883c"]`) {
				t.Errorf("sighting %s: want where_sighted_refs the sighting organisation", o.Raw)
			}
		case "relationship":
			if strings.Contains(string(o.Raw), `"relationship_type":"indicates"`) {
				indicates++
			}
		}
	}
	if malware != 1 || sightings != sum.Sightings || indicates == 0 {
		t.Errorf("got %d malware, %d sightings, %d indicates relationships", malware, sightings, indicates)
	}

	// With a resolver that knows Gozi, no malware is made and the
	// relationships point at the known one.
	known := "malware--0b6bf1ac-4ccb-4e9b-a8f0-1d0b29a44f66"
	data := `{"Event":{"uuid":"` + evUUID + `","info":"x","Orgc":{"uuid":"` + orgUUID + `","name":"o"},
	"Galaxy":[{"type":"mitre-attack-pattern","GalaxyCluster":[{"uuid":"","value":"Spearphishing Attachment - T1193","tag_name":"misp-galaxy:mitre-attack-pattern=\"Spearphishing Attachment - T1193\""}]},
	{"type":"banker","GalaxyCluster":[{"value":"Gozi","meta":{"synonyms":["Ursnif"]}}]}],
	"Attribute":[{"uuid":"11111111-1111-4111-8111-111111111111","type":"domain","value":"a.example","to_ids":true}]}}`
	r := &fakeResolver{sdos: map[string]string{"malware:Gozi": known}}
	got, s := convertJSON(t, data, r)
	if s.Galaxies != 2 {
		t.Errorf("got %s, want 2 clusters", s)
	}
	var ap *stix.Object
	for id, o := range got {
		if strings.HasPrefix(id, "malware--") {
			t.Errorf("made %s though the resolver knows Gozi", id)
		}
		if o.Type == "attack-pattern" {
			ap = o
		}
	}
	if ap == nil || !strings.Contains(string(ap.Raw), `"external_id":"T1193"`) || !strings.Contains(string(ap.Raw), `"name":"Spearphishing Attachment"`) {
		t.Errorf("attack pattern %v: want name and ATT&CK id T1193 split", ap)
	}
	rel := got["relationship--"+uuid5("indicator--11111111-1111-4111-8111-111111111111", "indicates", known)]
	if rel == nil {
		t.Error("no indicates relationship from the indicator to the known malware")
	}
}

// Converting the same event twice gives the same ids: a re-import
// updates rather than duplicates.
func TestDeterministicIDs(t *testing.T) {
	_, a, _ := convertFile(t, "pymisp-events/mispevent_testfiles/existing_event.json")
	_, b, _ := convertFile(t, "pymisp-events/mispevent_testfiles/existing_event.json")
	ids := func(objs []*stix.Object) []string {
		var out []string
		for _, o := range objs {
			out = append(out, o.ID)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(ids(a), ids(b)) {
		t.Error("two conversions of one event gave different ids")
	}
}

func TestSniff(t *testing.T) {
	for _, rel := range eventFixtures(t) {
		data, err := os.ReadFile(filepath.Join(fixtureDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !Sniff(data[:min(len(data), 1<<16)]) {
			t.Errorf("%s is not recognised as MISP", rel)
		}
	}
	for doc, want := range map[string]bool{
		`{"Event":{}}`: true, `{"response":[]}`: true, `[{"Event":{}}]`: true, `{"info":"x","Attribute":[]}`: true,
		`{"type":"bundle","id":"bundle--1","objects":[]}`: false, `[{"type":"indicator"}]`: false, `{"uuid":"x","info":"y"}`: true,
		`not json`: false, `{"objects":[]}`: false, `{"id":"12","orgc_id":"1"}`: true,
		`{"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","type":"indicator"}`: false,
	} {
		if got := Sniff([]byte(doc)); got != want {
			t.Errorf("Sniff(%s) = %v, want %v", doc, got, want)
		}
	}
}

// A sighting of an object's attribute that does not name its attribute
// comes back on that attribute.
func TestObjectAttributeSightingRoundTrip(t *testing.T) {
	doc := `{"Event":{"uuid":"` + evUUID + `","info":"x","Orgc":{"uuid":"` + orgUUID + `","name":"o"},"Object":[{"uuid":"22222222-2222-4222-8222-222222222222","name":"file","Attribute":[
	{"uuid":"33333333-3333-4333-8333-333333333333","type":"filename","object_relation":"filename","value":"a.exe"},
	{"uuid":"44444444-4444-4444-8444-444444444444","type":"md5","object_relation":"md5","value":"` + strings.Repeat("a", 32) + `","to_ids":true,
	 "Sighting":[{"uuid":"55555555-5555-4555-8555-555555555555","type":"0","date_sighting":"1767312000","Organisation":{"uuid":"` + peerOrg + `","name":"p"}}]}]}]}}`
	evs, _, err := Parse([]byte(doc), "t.json")
	if err != nil {
		t.Fatal(err)
	}
	x := NewExporter()
	if _, err := NewConverter(nil).Convert(context.Background(), evs[0], "t.json", 0, func(o *stix.Object) error { x.Add(o); return nil }); err != nil {
		t.Fatal(err)
	}
	back, errs := x.Events()
	if len(errs) > 0 || len(back) != 1 {
		t.Fatalf("export: %v, %d events", errs, len(back))
	}
	if got, want := digest(back[0]), digest(evs[0]); !slices.Equal(got, want) {
		t.Errorf("round trip:\ngot  %q\nwant %q", got, want)
	}
}

// An ip-port object is one connection: address and port in one
// network-traffic.
func TestIPPortObject(t *testing.T) {
	doc := `{"Event":{"uuid":"` + evUUID + `","info":"x","Orgc":{"uuid":"` + orgUUID + `","name":"o"},"Object":[
	{"uuid":"22222222-2222-4222-8222-222222222222","name":"ip-port","Attribute":[
	{"uuid":"33333333-3333-4333-8333-333333333333","type":"ip-dst","object_relation":"ip","value":"198.51.100.1","to_ids":true},
	{"uuid":"44444444-4444-4444-8444-444444444444","type":"port","object_relation":"dst-port","value":"443"}]},
	{"uuid":"55555555-5555-4555-8555-555555555555","name":"ip-port","Attribute":[
	{"uuid":"66666666-6666-4666-8666-666666666666","type":"ip-dst","object_relation":"ip","value":"198.51.100.2"},
	{"uuid":"77777777-7777-4777-8777-777777777777","type":"port","object_relation":"dst-port","value":"8443"}]}]}}`
	objs, sum := convertJSON(t, doc, nil)
	if sum.Objects != 2 || len(sum.Failures) > 0 {
		t.Fatalf("got %s", sum)
	}
	ind := objs["indicator--22222222-2222-4222-8222-222222222222"]
	if want := `"[network-traffic:dst_port = 443 AND network-traffic:dst_ref.value = '198.51.100.1']"`; ind == nil || string(member(t, ind, "pattern")) != want {
		t.Errorf("ip-port pattern %s, want %s", member(t, ind, "pattern"), want)
	}
	od := objs["observed-data--55555555-5555-4555-8555-555555555555"]
	if od == nil {
		t.Fatal("no observed-data for the second ip-port")
	}
	var refs []string
	_ = json.Unmarshal(member(t, od, "object_refs"), &refs)
	var nt *stix.Object
	for _, r := range refs {
		if strings.HasPrefix(r, "network-traffic--") {
			nt = objs[r]
		}
	}
	if nt == nil || !strings.Contains(string(nt.Raw), `"dst_port":8443`) || !strings.Contains(string(nt.Raw), `"dst_ref":"ipv4-addr--`) {
		t.Errorf("observed-data refs %v: want a network-traffic with dst_ref and dst_port 8443", refs)
	}
}

// A false-positive report (x_rampart_false_positive or OpenCTI's
// x_opencti_negative) leaves as MISP's false-positive sighting, type 1.
func TestFalsePositiveSightingExport(t *testing.T) {
	doc := `{"Event":{"uuid":"` + evUUID + `","info":"x","Orgc":{"uuid":"` + orgUUID + `","name":"o"},"Attribute":[
	{"uuid":"33333333-3333-4333-8333-333333333333","type":"ip-dst","value":"198.51.100.1","to_ids":true}]}}`
	evs, _, err := Parse([]byte(doc), "t.json")
	if err != nil {
		t.Fatal(err)
	}
	x := NewExporter()
	var ind string
	if _, err := NewConverter(nil).Convert(context.Background(), evs[0], "t.json", 0, func(o *stix.Object) error {
		if o.Type == "indicator" {
			ind = o.ID
		}
		x.Add(o)
		return nil
	}); err != nil || ind == "" {
		t.Fatalf("convert: %v, indicator %q", err, ind)
	}
	for i, prop := range []string{`"x_rampart_false_positive":true`, `"x_opencti_negative":true`, `"count":1`} {
		o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"sighting","spec_version":"2.1","id":"sighting--6666666%d-6666-4666-8666-666666666666","created":"2026-01-02T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z","sighting_of_ref":"%s",%s}`, i, ind, prop))
		if err != nil {
			t.Fatal(err)
		}
		x.Add(o)
	}
	back, errs := x.Events()
	if len(errs) > 0 || len(back) != 1 || len(back[0].Attribute) != 1 {
		t.Fatalf("export: %v, %d events", errs, len(back))
	}
	var types []string
	for _, s := range back[0].Attribute[0].Sighting {
		types = append(types, string(s.Type))
	}
	slices.Sort(types)
	if want := []string{"0", "1", "1"}; !slices.Equal(types, want) {
		t.Errorf("sighting types %v, want %v", types, want)
	}
}
