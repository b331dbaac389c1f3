package main

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/qkd"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

// TestQKDLinkEndToEnd runs two nodes whose links take keys from a
// simulated QKD link (the simulator of "rampart qkd-sim", in this process
// so that the test can make its KMEs fail and lie), set up with the CLI
// alone: with sound KMEs both sides report QKD in use, keys rotate
// without a repeated key_ID, and an object crosses the link; with CERT-FR's
// KME failing, "required" refuses the link with the reason; "preferred"
// falls back and says so in peer status and /metrics; a KME that flips a
// bit of every key makes the link fail on key confirmation.
func TestQKDLinkEndToEnd(t *testing.T) {
	testStart := time.Now()
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
	const fr, hub = "identity--11111111-1111-4111-8111-111111111111", "identity--44444444-4444-4444-8444-444444444444"
	const frSAE, hubSAE = "fr-anssi", "eu-hub"
	sim, err := qkd.StartSimulator(qkd.SimConfig{Dir: p("qkd"), ListenA: "127.0.0.1:0", ListenB: "127.0.0.1:0",
		SAEsA: []string{frSAE}, SAEsB: []string{hubSAE}, Budget: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })

	frLink, hubLink := freePort(t), freePort(t)
	run("keys", "generate", "-o", p("a1.key"))
	run("keys", "generate", "-org", fr, "-o", p("fr.key"))
	run("keys", "generate", "-org", hub, "-o", p("hub.key"))
	run("registry", "init", "-threshold", "1", "-authority", "a1="+p("a1.key.pub"), p("registry.json"))
	run("registry", "add", "-org", fr, "-name", "CERT-FR", "-country", "FR", "-role", "national-csirt", "-keys", p("fr.key.pub"), "-node", "https://"+frLink+"/", p("registry.json"))
	run("registry", "add", "-org", hub, "-name", "EU hub", "-country", "EU", "-role", "hub", "-keys", p("hub.key.pub"), "-node", "https://"+hubLink+"/", p("registry.json"))
	run("registry", "sign", "-key", p("a1.key"), p("registry.json"))
	reg, err := os.ReadFile(p("registry.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	for _, n := range []string{"fr", "hub"} {
		if err := os.WriteFile(p(n+"-registry.json"), reg, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, errs, code := runCLI(t, "", env, "init", "--data", p(n)); code != 0 {
			t.Fatalf("rampart init: %d %s%s", code, out, errs)
		}
	}
	out := run("peer", "add", "-org", hub, "-registry", p("registry.json"), "-qkd-sae-id", hubSAE, "-qkd", "required", "--data", p("fr"))
	if !strings.Contains(out, "QKD with EU hub: required, SAE eu-hub") {
		t.Errorf("peer add says:\n%s", out)
	}
	run("peer", "add", "-org", fr, "-registry", p("registry.json"), "-qkd-sae-id", frSAE, "-qkd", "required", "--data", p("hub"))

	qkdFlags := func(sae, kme string) []string {
		c := sim.Certs[sae]
		return []string{"--qkd-kme", kme, "--qkd-sae-id", sae, "--qkd-cert", c[0], "--qkd-key", c[1], "--qkd-ca", sim.PKI.CAFile(), "--qkd-rotate-after", "1s"}
	}
	frNode := startNode(t, p("fr"), env, append([]string{"--identity", p("fr.key"), "--registry", p("fr-registry.json"), "--peer-listen", frLink}, qkdFlags(frSAE, sim.URLA)...)...)
	hubNode := startNode(t, p("hub"), env, append([]string{"--identity", p("hub.key"), "--registry", p("hub-registry.json"), "--peer-listen", hubLink}, qkdFlags(hubSAE, sim.URLB)...)...)
	if !strings.Contains(frNode.stderr.String(), "rampart: QKD keys from the KME at "+sim.URLA+" as SAE fr-anssi are mixed into links") {
		t.Errorf("serve does not say it takes QKD keys:\n%s", frNode.stderr.String())
	}

	// status reads a node's report of a peer, as another process would.
	status := func(data, peer string) node.PeerReport {
		t.Helper()
		var r node.PeerReport
		if err := json.Unmarshal([]byte(run("peer", "status", "--json", peer, "--data", data)), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	waitStatus := func(what, data, peer string, cond func(node.PeerReport) bool) node.PeerReport {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			r := status(data, peer)
			if cond(r) {
				t.Logf("%s (after %s)", what, time.Since(testStart).Round(time.Millisecond))
				return r
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: never; last status %+v (qkd link %+v)\nCERT-FR:\n%s\nhub:\n%s", what, r, r.QKDLink, tail(frNode.stderr.String()), tail(hubNode.stderr.String()))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	state := func(s string) func(node.PeerReport) bool {
		return func(r node.PeerReport) bool { return r.QKDLink != nil && string(r.QKDLink.State) == s }
	}

	// Sound KMEs: both sides mix QKD keys in, and keys rotate.
	waitStatus("the hub reports QKD in use with CERT-FR", p("hub"), fr, state("qkd"))
	r := waitStatus("CERT-FR reports QKD keys rotating on its link with the hub", p("fr"), hub, func(r node.PeerReport) bool {
		return state("qkd")(r) && r.QKDLink.Keys >= 3
	})
	if r.QKDLink.KeyID == "" || r.QKD == nil || r.QKD.Policy != "required" {
		t.Errorf("CERT-FR's report of the hub: %+v, %+v", r.QKDLink, r.QKD)
	}
	text := run("peer", "status", "--data", p("fr"))
	if !regexp.MustCompile(`(?m)^EU hub .* qkd +`).MatchString(text) {
		t.Errorf("peer status does not show QKD in use:\n%s", text)
	}
	text = run("peer", "status", hub, "--data", p("fr"))
	if !regexp.MustCompile(`(?m)^qkd +qkd: last connection .*key_ID \S+; \d+ keys mixed in$`).MatchString(text) {
		t.Errorf("peer status IDENTITY does not show the QKD key:\n%s", text)
	}
	if !metricHasLine(t, frNode.base, `rampart_peer_qkd{peer="`+hub+`",state="qkd"} 1`) {
		t.Error("/metrics does not show QKD in use")
	}

	t.Logf("status and metrics checked (after %s)", time.Since(testStart).Round(time.Millisecond))
	// An object crosses the sealed link.
	postSigned(t, run, p, fr, frNode.base)
	waitFor(t, "the hub receives the object over the QKD link", 60*time.Second, func() bool {
		return objectsAt(t, hubNode.base) == 1
	})
	t.Logf("object received (after %s)", time.Since(testStart).Round(time.Millisecond))
	// Key ids never repeat: every key each side logged using is new.
	for name, proc := range map[string]*nodeProcess{"CERT-FR": frNode, "hub": hubNode} {
		seen := map[string]bool{}
		for _, id := range keyIDsLogged(proc.stderr.String()) {
			if seen[id] {
				t.Errorf("%s used key_ID %s twice", name, id)
			}
			seen[id] = true
		}
		if len(seen) < 3 {
			t.Errorf("%s logged %d QKD keys, want several (rotation every second)", name, len(seen))
		}
	}

	// CERT-FR's KME fails: with "required" the link is refused, with the reason.
	sim.A.SetFault(qkd.Failing)
	waitStatus("CERT-FR refuses the link without a QKD key", p("fr"), hub, func(r node.PeerReport) bool {
		return strings.Contains(r.LastError, "QKD is required with this peer, but there is no key from this node's KME for SAE \"eu-hub\"")
	})
	waitStatus("the hub records the refusal", p("hub"), fr, state("refused"))

	// "preferred" on both sides: the link falls back to post-quantum TLS
	// alone, and says so.
	run("peer", "set", hub, "-qkd", "preferred", "--data", p("fr"))
	run("peer", "set", fr, "-qkd", "preferred", "--data", p("hub"))
	r = waitStatus("CERT-FR falls back", p("fr"), hub, func(r node.PeerReport) bool {
		return state("fallback")(r) && r.LastError == ""
	})
	if !strings.Contains(r.QKDLink.Reason, "KME") {
		t.Errorf("the fallback's reason does not name the KME: %q", r.QKDLink.Reason)
	}
	if !metricHasLine(t, frNode.base, `rampart_peer_qkd{peer="`+hub+`",state="fallback"} 1`) {
		t.Error("/metrics does not show the fallback")
	}
	text = run("peer", "status", hub, "--data", p("fr"))
	if !regexp.MustCompile(`(?m)^qkd reason +.*KME`).MatchString(text) {
		t.Errorf("peer status IDENTITY does not say why it fell back:\n%s", text)
	}

	// The hub's KME lies (one bit of every key it delivers by id flipped):
	// CERT-FR's links to the hub fail on key confirmation, at both ends.
	sim.A.SetFault(qkd.Sound)
	sim.B.SetFault(qkd.Lying)
	waitStatus("CERT-FR's link fails on key confirmation", p("fr"), hub, func(r node.PeerReport) bool {
		return strings.Contains(r.LastError, "key confirmation failed")
	})
	waitFor(t, "the hub logs the failed confirmation", 30*time.Second, func() bool {
		return strings.Contains(hubNode.stderr.String(), "key confirmation failed")
	})
}

// tail is the end of a log, for failure messages.
func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

var keyIDRE = regexp.MustCompile(`"msg":"qkd key mixed into node link"[^\n]*"key_id":"([^"]+)"`)

// keyIDsLogged returns the key ids a node logged mixing into its links.
func keyIDsLogged(log string) []string {
	var out []string
	for _, m := range keyIDRE.FindAllStringSubmatch(log, -1) {
		out = append(out, m[1])
	}
	return out
}

// metricHasLine reports whether the node's /metrics holds line.
func metricHasLine(t *testing.T, base, line string) bool {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.Contains(string(b), line)
}

// postSigned signs an indicator by org and posts it to the node at base.
func postSigned(t *testing.T, run func(...string) string, p func(string) string, org, base string) {
	t.Helper()
	now := stix.NewTimestamp(time.Now().Add(time.Second)).String()
	obj := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"created_by_ref":%q,"name":"C2","pattern":"[ipv4-addr:value = '198.51.100.9']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":[%q]}`,
		stix.NewID("indicator"), now, now, org, stix.TLPGreen.MarkingID())
	if err := os.WriteFile(p("obj.json"), []byte(obj), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(stix.MustTimestamp(now).Time())) // the keys are valid from the second they were added
	run("keys", "sign", "-key", p("fr.key"), "-o", p("signed.json"), p("obj.json"))
	signed, err := os.ReadFile(p("signed.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := &taxii.Client{BaseURL: base, User: "admin", Password: e2ePassword}
	ctx := context.Background()
	cs, err := c.Collections(ctx, node.DefaultAPIRoot)
	if err != nil || len(cs) != 1 {
		t.Fatalf("collections: %v %v", cs, err)
	}
	st, err := c.PostEnvelope(ctx, node.DefaultAPIRoot, cs[0].ID, strings.NewReader(`{"objects":[`+string(signed)+`]}`))
	if err != nil || st.SuccessCount != 1 {
		t.Fatalf("post: %+v %v", st, err)
	}
}

// objectsAt counts the indicators in the node's collection.
func objectsAt(t *testing.T, base string) int {
	t.Helper()
	c := &taxii.Client{BaseURL: base, User: "admin", Password: e2ePassword}
	ctx := context.Background()
	cs, err := c.Collections(ctx, node.DefaultAPIRoot)
	if err != nil || len(cs) != 1 {
		t.Fatalf("collections: %v %v", cs, err)
	}
	page, err := c.Objects(ctx, node.DefaultAPIRoot, cs[0].ID, taxii.Query{Types: []string{"indicator"}})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Objects)
}
