package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	json "encoding/json/v2"

	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/stix"
)

// TestEndToEndEarlyWarningFederated is the whole story across borders,
// with nothing but the CLI and three "rampart serve" processes: the
// registry authority admits CERT-FR, CERT-Bund and an EU hub; each
// national CSIRT signs and posts, to its own node, its organisation and a
// sighting of an indicator of one intrusion set (CERT-FR also shares the
// intelligence, TLP:GREEN); federation carries the signed objects to the
// hub over hybrid post-quantum node links; the hub, which alone sees both
// member states at first, raises the cross-border alert and pushes it to a
// webhook; relaying the TLP:GREEN sightings, it lets both national nodes
// raise it too.
func TestEndToEndEarlyWarningFederated(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) string {
		t.Helper()
		out, errs, code := runCLI(t, "", nil, args...)
		if code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	orgs := map[string]struct{ id, name, country, role string }{
		"fr":  {orgE2E["FR"], "CERT-FR", "FR", "national-csirt"},
		"de":  {orgE2E["DE"], "CERT-Bund", "DE", "national-csirt"},
		"hub": {"identity--44444444-4444-4444-8444-444444444444", "EU hub", "EU", "hub"},
	}
	links := map[string]string{"fr": freePort(t), "de": freePort(t), "hub": freePort(t)}
	run("keys", "generate", "-o", p("a1.key"))
	run("keys", "generate", "-o", p("a2.key"))
	run("registry", "init", "-threshold", "2", "-authority", "a1="+p("a1.key.pub"), "-authority", "a2="+p("a2.key.pub"), p("registry.json"))
	for _, n := range []string{"fr", "de", "hub"} {
		o := orgs[n]
		run("keys", "generate", "-org", o.id, "-o", p(n+".key"))
		run("registry", "add", "-org", o.id, "-name", o.name, "-country", o.country, "-role", o.role, "-keys", p(n+".key.pub"), "-node", "https://"+links[n]+"/", p("registry.json"))
	}
	run("registry", "sign", "-key", p("a1.key"), p("registry.json"))
	run("registry", "sign", "-key", p("a2.key"), p("registry.json"))
	reg, err := os.ReadFile(p("registry.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"fr", "de", "hub"} {
		if err := os.WriteFile(p(n+"-registry.json"), reg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"fr", "de", "hub"} {
		out, errs, code := runCLI(t, "", []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}, "init", "--data", p(n))
		if code != 0 {
			t.Fatalf("rampart init: %d %s%s", code, out, errs)
		}
	}
	run("peer", "add", "-org", orgs["hub"].id, "-registry", p("registry.json"), "--data", p("fr"))
	run("peer", "add", "-org", orgs["hub"].id, "-registry", p("registry.json"), "--data", p("de"))
	run("peer", "add", "-org", orgs["fr"].id, "-registry", p("registry.json"), "--data", p("hub"))
	run("peer", "add", "-org", orgs["de"].id, "-registry", p("registry.json"), "--data", p("hub"))

	// The hub's SOC receives alerts on a webhook and checks each signature.
	rcv, events := webhookReceiver(t)
	if out, errs, code := runCLI(t, e2eWebhookSecret+"\n", nil, "alert", "webhook", "add", rcv.URL+"/rampart", "--secret-stdin", "--data", p("hub")); code != 0 {
		t.Fatalf("alert webhook add: %d %s%s", code, out, errs)
	}
	nodes := map[string]*e2eNode{}
	for _, n := range []string{"hub", "fr", "de"} {
		data := p(n)
		proc := startNode(t, data, []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword},
			"--identity", p(n+".key"), "--registry", p(n+"-registry.json"), "--peer-listen", links[n])
		nodes[n] = &e2eNode{t: t, proc: proc}
		nodes[n].coll = nodes[n].collection()
	}

	// Objects are created after the keys became valid; the sightings
	// themselves happened earlier today.
	stamp := time.Now().Add(time.Second)
	time.Sleep(time.Until(stamp))
	now := time.Now()
	fr := signedBundle(t, p, "fr", append(federatedIntel(stamp, orgs["fr"].id),
		federatedOrg("FR", stamp),
		federatedSighting(1, "FR", "indicator--00000000-0000-4000-8000-0000000000d1", stamp, now.Add(-2*time.Hour))))
	de := signedBundle(t, p, "de", []string{
		federatedOrg("DE", stamp),
		federatedSighting(2, "DE", "indicator--00000000-0000-4000-8000-0000000000d2", stamp, now.Add(-time.Hour)),
	})
	nodes["fr"].post(fr...)
	nodes["de"].post(de...)

	var alert struct {
		Alert struct {
			ID           string   `json:"id"`
			Rule         string   `json:"rule"`
			MemberStates []string `json:"member_states"`
			Subject      string   `json:"subject_ref"`
		} `json:"alert"`
	}
	select {
	case body := <-events:
		if err := json.Unmarshal(body, &alert); err != nil {
			t.Fatalf("webhook body: %v\n%s", err, body)
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("no alert reached the webhook\nhub log:\n%s\nfr log:\n%s", nodes["hub"].proc.stderr.String(), nodes["fr"].proc.stderr.String())
	}
	a := alert.Alert
	if a.Rule != warning.RuleSameIntrusionSet || a.Subject != "intrusion-set--00000000-0000-4000-8000-0000000000e1" || strings.Join(a.MemberStates, ",") != "DE,FR" {
		t.Errorf("alert: %+v", a)
	}
	// The sightings are TLP:GREEN, so the hub relays each state's to the
	// other: both national nodes learn of the cross-border activity and
	// raise the alert themselves.
	for _, n := range []string{"fr", "de"} {
		deadline := time.Now().Add(60 * time.Second)
		for {
			status, body := nodes[n].request("GET", "/api/v1/alerts?rule=same-intrusion-set", "", nil)
			if status == 200 && strings.Contains(string(body), `"member_states":["DE","FR"]`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never raised the cross-border alert: %d %s", n, status, body)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// CERT-FR's sensors see the C2 address: the node's matcher turns the
	// log line into a sighting, signs it with CERT-FR's keys, and
	// federation carries it to the hub like any signed object.
	log := fmt.Sprintf(`{"ts":%q,"ipv4-addr:value":"198.51.100.7"}`+"\n", time.Now().UTC().Format(time.RFC3339))
	status, body := nodes["fr"].request("POST", "/api/v1/observations", "application/x-ndjson", []byte(log))
	if status != 200 || !strings.Contains(string(body), `"sightings":1`) {
		t.Fatalf("observations at CERT-FR: %d %s", status, body)
	}
	var res struct {
		IDs []string `json:"sighting_ids"`
	}
	if err := json.Unmarshal(body, &res); err != nil || len(res.IDs) != 1 {
		t.Fatalf("observations answer: %v %s", err, body)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := nodes["hub"].objects("match[id]=" + res.IDs[0])
		if len(got) == 1 {
			if !strings.Contains(got[0], `"created_by_ref":"`+orgs["fr"].id+`"`) || !strings.Contains(got[0], "extension-definition--") {
				t.Errorf("the sighting at the hub is not CERT-FR's signed one: %s", got[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CERT-FR's own sighting never reached the hub\nfr log:\n%s", nodes["fr"].proc.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// collection returns the id of the node's default collection.
func (n *e2eNode) collection() string {
	n.t.Helper()
	status, body := n.request("GET", "/"+node.DefaultAPIRoot+"/collections/", "", nil)
	var cs struct {
		Collections []struct {
			ID string `json:"id"`
		} `json:"collections"`
	}
	if status != 200 || json.Unmarshal(body, &cs) != nil || len(cs.Collections) == 0 {
		n.t.Fatalf("collections: %d %s", status, body)
	}
	return cs.Collections[0].ID
}

// signedBundle signs objects with a national CSIRT's keys (rampart keys
// sign) and returns them one JSON text each.
func signedBundle(t *testing.T, p func(string) string, who string, objs []string) []string {
	t.Helper()
	in := p(who + "-unsigned.json")
	out := p(who + "-signed.json")
	bundle := `{"type":"bundle","id":"` + stix.NewID("bundle") + `","objects":[` + strings.Join(objs, ",") + `]}`
	if err := os.WriteFile(in, []byte(bundle), 0o644); err != nil {
		t.Fatal(err)
	}
	if o, e, code := runCLI(t, "", nil, "keys", "sign", "-key", p(who+".key"), "-o", out, in); code != 0 {
		t.Fatalf("keys sign: %d %s%s", code, o, e)
	}
	b, err := stix.ParseBundle(mustRead(t, out))
	if err != nil {
		t.Fatal(err)
	}
	var signed []string
	for _, o := range b.Objects {
		signed = append(signed, string(o.Raw))
	}
	return signed
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// federatedCommon is what every object of the test carries: its times, its
// creator and TLP:GREEN, so the community may have it.
func federatedCommon(stamp time.Time, creator string) string {
	ts := e2eTS(stamp)
	return fmt.Sprintf(`"spec_version":"2.1","created":%q,"modified":%q,"created_by_ref":%q,"object_marking_refs":[%q]`,
		ts, ts, creator, stix.TLPGreen.MarkingID())
}

// federatedIntel is CERT-FR's intelligence: an intrusion set and two
// indicators that indicate it.
func federatedIntel(stamp time.Time, creator string) []string {
	c := federatedCommon(stamp, creator)
	ts := e2eTS(stamp.Add(-24 * time.Hour))
	return []string{
		`{"type":"intrusion-set",` + c + `,"id":"intrusion-set--00000000-0000-4000-8000-0000000000e1","name":"APT-Example"}`,
		`{"type":"indicator",` + c + `,"id":"indicator--00000000-0000-4000-8000-0000000000d1","name":"loader c2","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"` + ts + `"}`,
		`{"type":"indicator",` + c + `,"id":"indicator--00000000-0000-4000-8000-0000000000d2","name":"phishing domain","pattern":"[domain-name:value = 'login.example']","pattern_type":"stix","valid_from":"` + ts + `"}`,
		`{"type":"relationship",` + c + `,"id":"relationship--00000000-0000-4000-8000-0000000000c1","relationship_type":"indicates","source_ref":"indicator--00000000-0000-4000-8000-0000000000d1","target_ref":"intrusion-set--00000000-0000-4000-8000-0000000000e1"}`,
		`{"type":"relationship",` + c + `,"id":"relationship--00000000-0000-4000-8000-0000000000c2","relationship_type":"indicates","source_ref":"indicator--00000000-0000-4000-8000-0000000000d2","target_ref":"intrusion-set--00000000-0000-4000-8000-0000000000e1"}`,
	}
}

// federatedOrg is a state's organisation, created by itself and located in
// the state (identity, location, located-at).
func federatedOrg(cc string, stamp time.Time) string {
	c := federatedCommon(stamp, orgE2E[cc])
	n := map[string]int{"FR": 1, "DE": 2}[cc]
	return strings.Join([]string{
		fmt.Sprintf(`{"type":"identity",%s,"id":%q,"name":"Grid operator %s","identity_class":"organization","sectors":["energy"]}`, c, orgE2E[cc], cc),
		fmt.Sprintf(`{"type":"location",%s,"id":"location--00000000-0000-4000-8000-00000000000%d","country":%q}`, c, n, cc),
		fmt.Sprintf(`{"type":"relationship",%s,"id":"relationship--00000000-0000-4000-8000-00000000001%d","relationship_type":"located-at","source_ref":%q,"target_ref":"location--00000000-0000-4000-8000-00000000000%d"}`, c, n, orgE2E[cc], n),
	}, ",")
}

func federatedSighting(n int, cc, indicator string, stamp, seen time.Time) string {
	ts := e2eTS(seen)
	return fmt.Sprintf(`{"type":"sighting",%s,"id":"sighting--00000000-0000-4000-8000-00000000000%d","sighting_of_ref":%q,"where_sighted_refs":[%q],"first_seen":%q,"last_seen":%q}`,
		federatedCommon(stamp, orgE2E[cc]), n, indicator, orgE2E[cc], ts, ts)
}
