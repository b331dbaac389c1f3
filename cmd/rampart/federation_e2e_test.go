package main

// The federation story end to end, set up and driven as a new user would,
// with the documented commands and HTTP alone: three member states (CERT-FR,
// CERT-Bund, CSIRT Italia) and an EU hub, each a separate "rampart serve"
// process, no settings file written by hand.

import (
	"bytes"
	json "encoding/json/v2"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// fedNode is one node of the story: its directory, its organisation and
// its running process.
type fedNode struct {
	*e2eNode
	dir, org, name, country string
}

// fileHas reports whether marker appears in the node's database files,
// the write-ahead log included: what a node holds in clear, whoever asks.
func (n *fedNode) fileHas(t *testing.T, marker string) bool {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(filepath.Join(n.dir, "rampart.db"+suffix))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(marker)) {
			return true
		}
	}
	return false
}

// has reports whether the node's default collection holds object id.
func (n *fedNode) has(id string) bool {
	return len(n.objects("match[id]="+id+"&match[version]=all")) > 0
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestEndToEndFederation(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, errs, code := runCLI(t, stdin, env, args...)
		if code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	nodes := map[string]*fedNode{
		"fr":  {dir: p("fr"), name: "CERT-FR", country: "FR"},
		"de":  {dir: p("de"), name: "CERT-Bund", country: "DE"},
		"it":  {dir: p("it"), name: "CSIRT Italia", country: "IT"},
		"hub": {dir: p("hub"), name: "EU hub", country: "EU"},
	}
	states := []string{"fr", "de", "it"}
	all := []string{"hub", "fr", "de", "it"}

	// Each CSIRT, and the hub's operator, makes its organisation: keys and
	// identity, on a new node.
	for _, k := range all {
		n := nodes[k]
		n.org = strings.TrimSpace(run("", "org", "init", "--name", n.name, "--country", n.country, "--data", n.dir))
	}
	// The registry authority admits them, with their public keys and the
	// address of their node links.
	run("", "keys", "generate", "-o", p("a1.key"))
	run("", "keys", "generate", "-o", p("a2.key"))
	run("", "registry", "init", "--threshold", "2", "--authority", "a1="+p("a1.key.pub"), "--authority", "a2="+p("a2.key.pub"), p("registry.json"))
	for _, k := range all {
		n := nodes[k]
		role := "national-csirt"
		if k == "hub" {
			role = "hub"
		}
		run("", "registry", "add", "--org", n.org, "--name", n.name, "--country", n.country, "--role", role,
			"--keys", filepath.Join(n.dir, "org.key.pub"), "--node", "https://"+freePort(t)+"/", p("registry.json"))
	}
	run("", "registry", "sign", "--key", p("a1.key"), p("registry.json"))
	run("", "registry", "sign", "--key", p("a2.key"), p("registry.json"))
	reg := mustRead(t, p("registry.json"))
	for _, k := range all {
		if err := os.WriteFile(p(k+"-registry.json"), reg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Member states peer with the hub, the hub with each.
	for _, k := range states {
		run("", "peer", "add", "--org", nodes["hub"].org, "--registry", p("registry.json"), "--data", nodes[k].dir)
		run("", "peer", "add", "--org", nodes[k].org, "--registry", p("registry.json"), "--data", nodes["hub"].dir)
	}
	// The hub's SOC receives early-warning alerts on a webhook.
	rcv, events := webhookReceiver(t)
	run(e2eWebhookSecret+"\n", "alert", "webhook", "add", rcv.URL+"/rampart", "--secret-stdin", "--data", nodes["hub"].dir)
	// Every node starts with its registry: its keys, organisation, member
	// state and node link come from "org init" and the registry.
	for _, k := range all {
		n := nodes[k]
		proc := startNode(t, n.dir, env, "--registry", p(k+"-registry.json"))
		n.e2eNode = &e2eNode{t: t, proc: proc}
		n.coll = n.collection()
		if !strings.Contains(proc.stderr.String(), "federating as "+n.name) {
			t.Fatalf("%s does not federate:\n%s", n.name, proc.stderr.String())
		}
	}
	fr, de, it, hub := nodes["fr"], nodes["de"], nodes["it"], nodes["hub"]

	// CERT-FR shares intelligence: GREEN and AMBER indicators, one RED for
	// CERT-Bund alone, and one RED for itself. It signs them with its
	// keys, addressing the one for Germany, and posts them over TAXII.
	time.Sleep(time.Second) // created after the keys became valid
	now := time.Now().UTC()
	ts := e2eTS(now)
	indicatorBy := func(n *fedNode, marker string, tlp stix.TLP, pattern string) (string, string) {
		id := stix.NewID("indicator")
		return id, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"created_by_ref":%q,"name":%q,"pattern":%q,"pattern_type":"stix","valid_from":%q,"object_marking_refs":[%q]}`,
			id, ts, ts, n.org, marker, pattern, e2eTS(now.Add(-time.Hour)), tlp.MarkingID())
	}
	indicator := func(marker string, tlp stix.TLP, pattern string) (string, string) {
		return indicatorBy(fr, marker, tlp, pattern)
	}
	signAs := func(n *fedNode, name, obj string, extra ...string) []string {
		t.Helper()
		in := p(name + ".json")
		if err := os.WriteFile(in, []byte(`{"type":"bundle","id":"`+stix.NewID("bundle")+`","objects":[`+obj+`]}`), 0o600); err != nil {
			t.Fatal(err)
		}
		out := p(name + "-signed.json")
		run("", append([]string{"keys", "sign", "--key", filepath.Join(n.dir, "org.key"), "-o", out}, append(extra, in)...)...)
		b, err := stix.ParseBundle(mustRead(t, out))
		if err != nil {
			t.Fatal(err)
		}
		return []string{string(b.Objects[0].Raw)}
	}
	sign := func(name, obj string, extra ...string) []string { return signAs(fr, name, obj, extra...) }
	greenID, green := indicator("MARK-green-c2", stix.TLPGreen, "[ipv4-addr:value = '198.51.100.10']")
	amberID, amber := indicator("MARK-amber-phish", stix.TLPAmber, "[domain-name:value = 'amber.example']")
	redDEID, redDE := indicator("MARK-red-for-bund", stix.TLPRed, "[url:value = 'https://red.example/x']")
	redID, red := indicator("MARK-red-own", stix.TLPRed, "[ipv4-addr:value = '203.0.113.66']")
	fr.post(sign("green", green)...)
	fr.post(sign("amber", amber)...)
	fr.post(sign("red-de", redDE, "--to", "DE", "--registry", p("registry.json"))...)
	fr.post(sign("red", red)...)

	// GREEN and AMBER reach both other member states.
	for _, n := range []*fedNode{de, it} {
		waitFor(t, n.name+" holds CERT-FR's GREEN and AMBER", time.Minute, func() bool { return n.has(greenID) && n.has(amberID) })
	}
	// Each organisation's identity, signed by "org init" before the
	// registry admitted it, reaches the others.
	for _, n := range []*fedNode{de, it, hub} {
		waitFor(t, n.name+" holds CERT-FR's identity", time.Minute, func() bool { return n.has(fr.org) })
	}
	// The hub reads the GREEN, and holds the AMBER only sealed.
	waitFor(t, "the hub holds CERT-FR's GREEN", time.Minute, func() bool { return hub.has(greenID) })
	if hub.fileHas(t, "MARK-amber-phish") || hub.has(amberID) {
		t.Error("the hub holds CERT-FR's AMBER in clear")
	}
	if len(hub.objects("match[type]=x-rampart-sealed")) == 0 {
		t.Error("the hub holds no sealed envelope")
	}
	// The RED for CERT-Bund reaches it, and no one else.
	waitFor(t, "CERT-Bund holds the RED addressed to it", time.Minute, func() bool { return de.has(redDEID) })
	for _, n := range []*fedNode{it, hub} {
		if n.fileHas(t, "MARK-red-for-bund") || n.has(redDEID) {
			t.Errorf("%s holds the RED addressed to CERT-Bund", n.name)
		}
	}

	// CERT-Bund's sensors see the AMBER domain: its sighting goes back to
	// CERT-FR, sealed, marked at least AMBER.
	observe := func(n *fedNode, record string) string {
		t.Helper()
		line := fmt.Sprintf(`{"ts":%q,%s}`+"\n", time.Now().UTC().Format(time.RFC3339), record)
		status, body := n.request("POST", "/api/v1/observations", "application/x-ndjson", []byte(line))
		var res struct {
			IDs []string `json:"sighting_ids"`
		}
		if status != 200 || json.Unmarshal(body, &res) != nil || len(res.IDs) != 1 {
			t.Fatalf("observations at %s: %d %s", n.name, status, body)
		}
		return res.IDs[0]
	}
	deSighting := observe(de, `"domain-name:value":"amber.example"`)
	waitFor(t, "CERT-FR holds CERT-Bund's sighting of its AMBER indicator", time.Minute, func() bool { return fr.has(deSighting) })
	got := fr.objects("match[id]=" + deSighting)[0]
	if !strings.Contains(got, `"sighting_of_ref":"`+amberID+`"`) || !strings.Contains(got, `"created_by_ref":"`+de.org+`"`) ||
		!(strings.Contains(got, stix.TLPAmber.MarkingID()) || strings.Contains(got, stix.TLPAmberStrict.MarkingID()) || strings.Contains(got, stix.TLPRed.MarkingID())) {
		t.Errorf("CERT-Bund's sighting at CERT-FR is not CERT-Bund's, marked at least AMBER: %s", got)
	}
	if it.has(deSighting) || hub.fileHas(t, deSighting) {
		t.Error("CERT-Bund's sighting of CERT-FR's AMBER indicator reached another than CERT-FR in clear")
	}

	// CERT-Bund reports the AMBER domain a false positive through its API:
	// the report reaches CERT-FR, the producer, with its flag, and halves
	// the indicator's score there (CERT-Bund is not trusted at CERT-FR).
	fpStatus, fpBody := de.request("POST", "/api/v1/indicators/"+amberID+"/false-positives", "application/json", []byte(`{"note":"a partner's test domain"}`))
	var fp struct {
		ID string `json:"id"`
	}
	if fpStatus != 201 || json.Unmarshal(fpBody, &fp) != nil || fp.ID == "" {
		t.Fatalf("false positive at CERT-Bund: %d %s", fpStatus, fpBody)
	}
	waitFor(t, "CERT-FR holds CERT-Bund's false-positive report", time.Minute, func() bool { return fr.has(fp.ID) })
	if got := fr.objects("match[id]=" + fp.ID)[0]; !strings.Contains(got, `"x_rampart_false_positive":true`) || !strings.Contains(got, `"created_by_ref":"`+de.org+`"`) {
		t.Errorf("CERT-Bund's false positive at CERT-FR: %s", got)
	}
	if status, body := fr.request("GET", "/api/v1/indicators/"+amberID+"/score", "", nil); status != 200 || !strings.Contains(string(body), `"false_positives":1`) || !strings.Contains(string(body), `"false_positive_factor":0.5`) {
		t.Errorf("score of the AMBER indicator at CERT-FR: %d %s", status, body)
	}
	if it.has(fp.ID) || hub.fileHas(t, fp.ID) {
		t.Error("CERT-Bund's false positive of CERT-FR's AMBER indicator reached another than CERT-FR in clear")
	}

	// CERT-Bund and CSIRT Italia both see the GREEN C2 address: the hub,
	// with no settings file written, raises the cross-border alert and
	// pushes it to its SOC.
	observe(de, `"ipv4-addr:value":"198.51.100.10"`)
	observe(it, `"ipv4-addr:value":"198.51.100.10"`)
	var alert struct {
		Alert struct {
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
		t.Fatalf("no alert reached the hub's webhook\nhub log:\n%s", hub.proc.stderr.String())
	}
	if alert.Alert.Rule != "same-indicator" || alert.Alert.Subject != greenID || strings.Join(alert.Alert.MemberStates, ",") != "DE,IT" {
		t.Errorf("the hub's alert: %+v", alert.Alert)
	}

	// CERT-FR records an incident that affects Germany: it reaches
	// CERT-Bund, and no one else.
	status, body := fr.request("POST", "/api/v1/incidents", "application/json", []byte(fmt.Sprintf(
		`{"name":"MARK-incident wiper at grid operators","detected":%q,"affected_member_states":["DE"],"sectors":["energy"]}`, now.Add(-3*time.Hour).Format(time.RFC3339))))
	incID := regexp.MustCompile(`"id":"(incident--[0-9a-f-]{36})"`).FindStringSubmatch(string(body))
	if status != 201 || incID == nil {
		t.Fatalf("incident at CERT-FR: %d %s", status, body)
	}
	waitFor(t, "CERT-Bund holds CERT-FR's incident", time.Minute, func() bool {
		status, _ := de.request("GET", "/api/v1/incidents/"+incID[1], "", nil)
		return status == 200
	})
	if status, _ := it.request("GET", "/api/v1/incidents/"+incID[1], "", nil); status != 404 || hub.fileHas(t, "MARK-incident") {
		t.Errorf("an incident naming Germany alone reached CSIRT Italia (%d) or the hub in clear", status)
	}
	// The joint incident names both.
	status, body = fr.request("POST", "/api/v1/incidents", "application/json", []byte(fmt.Sprintf(
		`{"name":"Joint incident","detected":%q,"affected_member_states":["DE","IT"],"sectors":["energy"]}`, now.Add(-3*time.Hour).Format(time.RFC3339))))
	jointID := regexp.MustCompile(`"id":"(incident--[0-9a-f-]{36})"`).FindStringSubmatch(string(body))
	if status != 201 || jointID == nil {
		t.Fatalf("joint incident at CERT-FR: %d %s", status, body)
	}

	// CERT-FR drafts a joint statement inviting France, Germany and Italy,
	// two of whom must endorse it. The draft reaches both; their
	// endorsements come back; CERT-FR publishes at the quorum, and the
	// bundle checks offline against the registry.
	stID := strings.TrimSpace(run("", "statement", "draft", "--data", fr.dir, "--name", "Grid intrusions", "--text", "The member states below attribute the intrusions.",
		"--incidents", jointID[1], "--intrusion-set", "intrusion-set--0c1e2b5a-4a7e-4b7f-9a1d-2f3e4a5b6c7d", "--confidence", "80", "--invite", "FR,DE,IT", "--threshold", "2"))
	for _, n := range []*fedNode{de, it} {
		waitFor(t, n.name+" holds the draft", time.Minute, func() bool { return n.has(stID) })
		run("", "statement", "sign", stID, "--data", n.dir)
	}
	waitFor(t, "CERT-FR counts both endorsements", time.Minute, func() bool {
		return strings.Contains(run("", "statement", "show", stID, "--data", fr.dir), "quorum reached: 2 of 2")
	})
	if out := run("", "statement", "publish", stID, "--data", fr.dir); !strings.Contains(out, "published") {
		t.Errorf("statement publish: %s", out)
	}
	run("", "statement", "show", stID, "--data", fr.dir, "--bundle", p("statement.json"))
	if out := run("", "statement", "verify", p("statement.json"), "--registry", p("registry.json")); !strings.Contains(out, "quorum reached") {
		t.Errorf("statement verify: %s", out)
	}

	// CSIRT Italia narrows its collection's AMBER to CERT-FR: its next
	// AMBER reaches CERT-FR, not CERT-Bund. Then it lifts the narrowing.
	sealedTo := func(n *fedNode, org string) int {
		var st struct {
			Deliveries []struct {
				Recipient string `json:"recipient"`
				Sealed    int    `json:"sealed"`
			} `json:"deliveries"`
		}
		if err := json.Unmarshal([]byte(run("", "peer", "status", "--json", "--data", n.dir)), &st); err != nil {
			t.Fatal(err)
		}
		for _, d := range st.Deliveries {
			if d.Recipient == org {
				return d.Sealed
			}
		}
		return 0
	}
	toDE := sealedTo(it, de.org)
	if out := run("", "collection", "amber", "default", "--to", "FR", "--data", it.dir); !strings.Contains(out, "goes to CERT-FR ("+fr.org+") alone") {
		t.Errorf("collection amber --to FR: %s", out)
	}
	narrowID, narrow := indicatorBy(it, "MARK-amber-for-fr", stix.TLPAmber, "[domain-name:value = 'narrow.example']")
	it.post(signAs(it, "narrow", narrow)...)
	waitFor(t, "CERT-FR holds CSIRT Italia's AMBER for it alone", time.Minute, func() bool { return fr.has(narrowID) })
	run("", "collection", "amber", "default", "--everyone", "--data", it.dir)
	if n := sealedTo(it, de.org); n != toDE {
		t.Errorf("CSIRT Italia sealed %d more to CERT-Bund though its AMBER went to CERT-FR alone", n-toDE)
	}

	// The authority revokes CSIRT Italia's encryption key. CERT-FR's next
	// AMBER reaches CERT-Bund all the same; the delivery to CSIRT Italia
	// fails, and CERT-FR's peer status says why.
	var itKeys struct {
		Keys []struct {
			Use string `json:"use"`
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(it.dir, "org.key.pub")), &itKeys); err != nil {
		t.Fatal(err)
	}
	for _, k := range itKeys.Keys {
		if k.Use == "enc" {
			run("", "registry", "revoke", "--kid", k.Kid, p("registry.json"))
		}
	}
	run("", "registry", "sign", "--key", p("a1.key"), p("registry.json"))
	run("", "registry", "sign", "--key", p("a2.key"), p("registry.json"))
	if err := os.WriteFile(p("fr-registry.json"), mustRead(t, p("registry.json")), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "CERT-FR takes the new registry", time.Minute, func() bool {
		return strings.Contains(fr.proc.stderr.String(), "registry file accepted")
	})
	amber2ID, amber2 := indicator("MARK-amber-after-revocation", stix.TLPAmber, "[domain-name:value = 'later.example']")
	fr.post(sign("amber2", amber2)...)
	waitFor(t, "CERT-Bund holds the AMBER sent after the revocation", time.Minute, func() bool { return de.has(amber2ID) })
	waitFor(t, "CERT-FR's peer status shows the failed delivery to CSIRT Italia", time.Minute, func() bool {
		out := run("", "peer", "status", "--data", fr.dir)
		return regexp.MustCompile(`CSIRT Italia \(` + it.org + `\) +\d+ +[1-9]\d* +.*no valid encryption key`).MatchString(out)
	})
	if it.has(amber2ID) {
		t.Error("CSIRT Italia holds an AMBER sealed after its key was revoked")
	}
	// /metrics says it too, per recipient and outcome.
	status, body = fr.request("GET", "/metrics", "", nil)
	if want := `rampart_deliveries{recipient="` + it.org + `",status="failed"}`; status != 200 || !strings.Contains(string(body), want) {
		t.Errorf("CERT-FR's metrics lack %s: %d\n%s", want, status, body)
	}

	// CERT-FR's sensors see its own RED address, addressed to no one: the
	// sighting stays on CERT-FR's node. A GREEN object posted after it
	// reaches the hub: what was before it would have too.
	redSighting := observe(fr, `"ipv4-addr:value":"203.0.113.66"`)
	sentinelID, sentinel := indicator("MARK-sentinel", stix.TLPGreen, "[ipv4-addr:value = '198.51.100.99']")
	fr.post(sign("sentinel", sentinel)...)
	waitFor(t, "the hub holds the sentinel", time.Minute, func() bool { return hub.has(sentinelID) })
	for _, marker := range []string{redSighting, redID, "MARK-red-own"} {
		if hub.fileHas(t, marker) {
			t.Errorf("the hub's files hold %s, of CERT-FR's unaddressed RED indicator or its sighting", marker)
		}
	}
}
