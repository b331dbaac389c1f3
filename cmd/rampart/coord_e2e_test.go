package main

// End-to-end test of cross-border early warning: member-state nodes and a
// hub run as separate processes; each state's organisation posts its own
// sightings to its own node over TAXII, the sightings reach the hub, and
// the hub raises an alert, stores it as a STIX object served over TAXII
// and the JSON API, and pushes it to a webhook.

import (
	"bytes"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/coord/webhook"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/taxii"
)

const e2eWebhookSecret = "e2e-webhook-secret-0123456789"

// e2eNode is a running node and the id of its default collection.
type e2eNode struct {
	t    *testing.T
	proc *nodeProcess
	coll string
	dir  string // its data directory
}

func (n *e2eNode) request(method, path, contentType string, body []byte) (int, []byte) {
	n.t.Helper()
	req, err := http.NewRequest(method, n.proc.base+path, bytes.NewReader(body))
	if err != nil {
		n.t.Fatal(err)
	}
	req.SetBasicAuth("admin", e2ePassword)
	if strings.HasPrefix(path, "/api/v1/") {
		req.Header.Set("Accept", "application/json")
	} else {
		req.Header.Set("Accept", taxii.MediaTypeTAXII)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// e2eSetup is how a test node is set up before it starts, with the CLI
// alone: its organisation ("rampart org init"), a webhook ("rampart
// alert webhook add"), and no decay of indicators ("rampart lifecycle
// set --threshold 0") for tests whose fixed dates lie months back.
type e2eSetup struct {
	org, name, country string
	webhook            string
	noDecay            bool
}

// startE2ENode sets up a node as s says, starts it and finds its default
// collection.
func startE2ENode(t *testing.T, s *e2eSetup) *e2eNode {
	t.Helper()
	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	cli := func(stdin string, args ...string) {
		t.Helper()
		if out, errs, code := runCLI(t, stdin, env, append(args, "--data", dir)...); code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
	}
	if s != nil && s.org != "" {
		cli("", "org", "init", "--id", s.org, "--name", s.name, "--country", s.country)
	}
	if s != nil && s.webhook != "" {
		cli(e2eWebhookSecret+"\n", "alert", "webhook", "add", s.webhook, "--secret-stdin")
	}
	if s != nil && s.noDecay {
		if s.org == "" {
			cli("", "init")
		}
		cli("", "lifecycle", "set", "--threshold", "0")
	}
	n := &e2eNode{t: t, proc: startNode(t, dir, env), dir: dir}
	status, body := n.request("GET", "/"+node.DefaultAPIRoot+"/collections/", "", nil)
	if status != 200 {
		t.Fatalf("collections: %d %s", status, body)
	}
	var cs struct {
		Collections []struct {
			ID string `json:"id"`
		} `json:"collections"`
	}
	if err := json.Unmarshal(body, &cs); err != nil || len(cs.Collections) == 0 || cs.Collections[0].ID == "" {
		t.Fatalf("collections: %v %s", err, body)
	}
	n.coll = cs.Collections[0].ID
	return n
}

// post adds objects to the node's default collection over TAXII.
func (n *e2eNode) post(objs ...string) {
	n.t.Helper()
	status, body := n.request("POST", "/"+node.DefaultAPIRoot+"/collections/"+n.coll+"/objects/", taxii.MediaTypeTAXII, []byte(envelope(objs...)))
	var st struct {
		Failures     []any `json:"failures"`
		SuccessCount int   `json:"success_count"`
	}
	json.Unmarshal(body, &st)
	if status != 202 || len(st.Failures) > 0 {
		n.t.Fatalf("post: %d %s", status, body)
	}
}

// objects returns every object of the node's default collection, as JSON.
func (n *e2eNode) objects(query string) []string {
	n.t.Helper()
	status, body := n.request("GET", "/"+node.DefaultAPIRoot+"/collections/"+n.coll+"/objects/?"+query, "", nil)
	if status != 200 {
		n.t.Fatalf("get objects: %d %s", status, body)
	}
	var env struct {
		Objects []jsontext.Value `json:"objects"`
		More    bool             `json:"more"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		n.t.Fatal(err)
	}
	if env.More {
		n.t.Fatal("more than one page: the test's objects should fit in one")
	}
	var out []string
	for _, o := range env.Objects {
		out = append(out, string(o))
	}
	return out
}

// deliver passes everything a member state's node holds to the hub over
// TAXII POST, as any TAXII client of a hub may (unsigned objects, which
// federation would not carry); TestEndToEndEarlyWarningFederated has the
// same story over federation links with signed objects.
func deliver(from, to *e2eNode) {
	to.post(from.objects("")...)
}

func TestEndToEndEarlyWarning(t *testing.T) {
	// The SOC's webhook receiver checks every delivery's signature.
	rcv, events := webhookReceiver(t)

	// The CSIRTs run the nodes; the sightings are their grid operators'
	// (orgE2E).
	hub := startE2ENode(t, &e2eSetup{org: "identity--44444444-4444-4444-8444-444444444444", name: "EU hub", country: "EU", webhook: rcv.URL + "/rampart"})
	fr := startE2ENode(t, &e2eSetup{org: "identity--a1111111-1111-4111-8111-111111111111", name: "CERT-FR", country: "FR"})
	de := startE2ENode(t, &e2eSetup{org: "identity--a2222222-2222-4222-8222-222222222222", name: "CERT-Bund", country: "DE"})

	// Shared knowledge: two indicators of one intrusion set.
	now := time.Now().UTC()
	intel := e2eIntel(now)
	fr.post(append(slices.Clone(intel), e2eOrg("FR", now), e2eSighting(1, "FR", "indicator--00000000-0000-4000-8000-0000000000d1", now.Add(-2*time.Hour)))...)
	de.post(append(slices.Clone(intel), e2eOrg("DE", now), e2eSighting(2, "DE", "indicator--00000000-0000-4000-8000-0000000000d2", now.Add(-time.Hour)))...)

	// Both reach the hub.
	deliver(fr, hub)
	deliver(de, hub)

	var alert struct {
		Event string `json:"event"`
		Alert struct {
			ID           string   `json:"id"`
			Type         string   `json:"type"`
			Rule         string   `json:"rule"`
			MemberStates []string `json:"member_states"`
			Severity     string   `json:"severity_level"`
			SightingRefs []string `json:"sighting_refs"`
			Subject      string   `json:"subject_ref"`
		} `json:"alert"`
	}
	select {
	case body := <-events:
		if err := json.Unmarshal(body, &alert); err != nil {
			t.Fatalf("webhook body: %v\n%s", err, body)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no alert reached the webhook\nhub log:\n%s", hub.proc.stderr.String())
	}
	a := alert.Alert
	if alert.Event != webhook.EventAlertRaised || a.Type != coord.AlertType || a.Rule != warning.RuleSameIntrusionSet ||
		a.Subject != "intrusion-set--00000000-0000-4000-8000-0000000000e1" || strings.Join(a.MemberStates, ",") != "DE,FR" || len(a.SightingRefs) != 2 {
		t.Errorf("alert: %+v", alert)
	}
	if a.Severity != coord.SeverityHigh { // 2 states, energy, tied to an intrusion set
		t.Errorf("severity %q, want high", a.Severity)
	}

	// The alert is a STIX object in the hub's collection (shared over
	// TAXII like any object, with the extension definitions), and the JSON
	// API lists it.
	stored := hub.objects("match[type]=" + coord.AlertType)
	if len(stored) != 1 || !strings.Contains(stored[0], a.ID) {
		t.Errorf("alert over TAXII: %v", stored)
	}
	defs := hub.objects("match[id]=" + coord.AlertExtensionID)
	if len(defs) != 1 {
		t.Errorf("extension definition over TAXII: %v", defs)
	}
	status, body := hub.request("GET", "/api/v1/alerts?rule=same-intrusion-set", "", nil)
	if status != 200 || !strings.Contains(string(body), a.ID) || !strings.Contains(string(body), `"member_states":["DE","FR"]`) {
		t.Errorf("API alerts: %d %s", status, body)
	}

	// A member-state node on its own saw one state only: no alert there.
	for _, n := range []*e2eNode{fr, de} {
		status, body := n.request("GET", "/api/v1/alerts", "", nil)
		if status != 200 || !strings.Contains(string(body), `"alerts":[]`) {
			t.Errorf("a single state's node raised an alert: %d %s", status, body)
		}
	}

	// The incident the hub opens for it has its NIS2 deadlines.
	status, body = hub.request("POST", "/api/v1/incidents", "application/json", []byte(fmt.Sprintf(
		`{"name":"Cross-border intrusions into grid operators","detected":%q,"affected_member_states":["FR","DE"],"sectors":["energy"],"eu_alert_level":"elevated","alert_refs":[%q]}`,
		now.Add(-2*time.Hour).Format(time.RFC3339), a.ID)))
	if status != 201 || !strings.Contains(string(body), `"kind":"notification"`) || !strings.Contains(string(body), `"cross_border":true`) {
		t.Errorf("incident: %d %s", status, body)
	}
}

// webhookReceiver is a SOC's webhook endpoint: it checks the signature of
// every delivery and hands the bodies over on the channel.
func webhookReceiver(t *testing.T) (*httptest.Server, chan []byte) {
	events := make(chan []byte, 10)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]byte(e2eWebhookSecret), r.Header, body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("webhook delivery: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		events <- body
	}))
	t.Cleanup(rcv.Close)
	return rcv, events
}

var orgE2E = map[string]string{
	"FR": "identity--11111111-1111-4111-8111-111111111111",
	"DE": "identity--22222222-2222-4222-8222-222222222222",
}

func e2eTS(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

// e2eIntel is what both states know: an intrusion set and two indicators
// that indicate it.
func e2eIntel(now time.Time) []string {
	ts := e2eTS(now.Add(-24 * time.Hour))
	common := fmt.Sprintf(`"spec_version":"2.1","created":%q,"modified":%q`, ts, ts)
	return []string{
		`{"type":"intrusion-set",` + common + `,"id":"intrusion-set--00000000-0000-4000-8000-0000000000e1","name":"APT-Example"}`,
		`{"type":"indicator",` + common + `,"id":"indicator--00000000-0000-4000-8000-0000000000d1","name":"loader c2","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"` + ts + `"}`,
		`{"type":"indicator",` + common + `,"id":"indicator--00000000-0000-4000-8000-0000000000d2","name":"phishing domain","pattern":"[domain-name:value = 'login.example']","pattern_type":"stix","valid_from":"` + ts + `"}`,
		`{"type":"relationship",` + common + `,"id":"relationship--00000000-0000-4000-8000-0000000000c1","relationship_type":"indicates","source_ref":"indicator--00000000-0000-4000-8000-0000000000d1","target_ref":"intrusion-set--00000000-0000-4000-8000-0000000000e1"}`,
		`{"type":"relationship",` + common + `,"id":"relationship--00000000-0000-4000-8000-0000000000c2","relationship_type":"indicates","source_ref":"indicator--00000000-0000-4000-8000-0000000000d2","target_ref":"intrusion-set--00000000-0000-4000-8000-0000000000e1"}`,
	}
}

// e2eOrg is a state's organisation, located in the state, as one JSON
// array fragment (identity, location, located-at).
func e2eOrg(cc string, now time.Time) string {
	ts := e2eTS(now.Add(-24 * time.Hour))
	common := fmt.Sprintf(`"spec_version":"2.1","created":%q,"modified":%q`, ts, ts)
	n := map[string]int{"FR": 1, "DE": 2}[cc]
	return strings.Join([]string{
		fmt.Sprintf(`{"type":"identity",%s,"id":%q,"name":"Grid operator %s","identity_class":"organization","sectors":["energy"]}`, common, orgE2E[cc], cc),
		fmt.Sprintf(`{"type":"location",%s,"id":"location--00000000-0000-4000-8000-00000000000%d","country":%q}`, common, n, cc),
		fmt.Sprintf(`{"type":"relationship",%s,"id":"relationship--00000000-0000-4000-8000-00000000001%d","relationship_type":"located-at","source_ref":%q,"target_ref":"location--00000000-0000-4000-8000-00000000000%d"}`, common, n, orgE2E[cc], n),
	}, ",")
}

func e2eSighting(n int, cc, indicator string, at time.Time) string {
	ts := e2eTS(at)
	return fmt.Sprintf(`{"type":"sighting","spec_version":"2.1","id":"sighting--00000000-0000-4000-8000-00000000000%d","created":%q,"modified":%q,"sighting_of_ref":%q,"where_sighted_refs":[%q],"first_seen":%q,"last_seen":%q}`,
		n, ts, ts, indicator, orgE2E[cc], ts, ts)
}
