package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

// inRE matches the status line of a peer that sent one object.
var inRE = regexp.MustCompile(`(?m)^CERT-FR +\S+ \(\S+ ago\) +\S+ +1 +\d+ +0 `)

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestFederationEndToEnd sets up a national node and a hub with the CLI
// alone (keys, registry, peers), runs both as "rampart serve" processes,
// and sends a signed object posted to the node over TAXII on to the hub.
func TestFederationEndToEnd(t *testing.T) {
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
	frLink, hubLink := freePort(t), freePort(t)
	run("keys", "generate", "-o", p("a1.key"))
	run("keys", "generate", "-o", p("a2.key"))
	run("keys", "generate", "-org", fr, "-o", p("fr.key"))
	run("keys", "generate", "-org", hub, "-o", p("hub.key"))
	run("registry", "init", "-threshold", "2", "-authority", "a1="+p("a1.key.pub"), "-authority", "a2="+p("a2.key.pub"), p("registry.json"))
	run("registry", "add", "-org", fr, "-name", "CERT-FR", "-country", "FR", "-role", "national-csirt", "-keys", p("fr.key.pub"), "-node", "https://"+frLink+"/", p("registry.json"))
	run("registry", "add", "-org", hub, "-name", "EU hub", "-country", "EU", "-role", "hub", "-keys", p("hub.key.pub"), "-node", "https://"+hubLink+"/", p("registry.json"))
	run("registry", "sign", "-key", p("a1.key"), p("registry.json"))
	run("registry", "sign", "-key", p("a2.key"), p("registry.json"))
	reg, err := os.ReadFile(p("registry.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Each node keeps its own copy of the registry, which it updates.
	for _, name := range []string{"fr-registry.json", "hub-registry.json"} {
		if err := os.WriteFile(p(name), reg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	for _, n := range []string{"fr", "hub"} {
		if out, errs, code := runCLI(t, "", env, "init", "--data", p(n)); code != 0 {
			t.Fatalf("rampart init: %d %s%s", code, out, errs)
		}
	}
	run("peer", "add", "-org", hub, "-registry", p("registry.json"), "--data", p("fr"))
	run("peer", "add", "-org", fr, "-registry", p("registry.json"), "--data", p("hub"))

	frNode := startNode(t, p("fr"), env, "--identity", p("fr.key"), "--registry", p("fr-registry.json"), "--peer-listen", frLink)
	hubNode := startNode(t, p("hub"), env, "--identity", p("hub.key"), "--registry", p("hub-registry.json"), "--peer-listen", hubLink)
	if !strings.Contains(frNode.stderr.String(), "rampart: federating as CERT-FR ("+fr+") with 1 peer(s)") {
		t.Errorf("serve does not say it federates:\n%s", frNode.stderr.String())
	}

	// A signed indicator, posted to CERT-FR's TAXII server.
	now := stix.NewTimestamp(time.Now().Add(time.Second)).String()
	id := stix.NewID("indicator")
	obj := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"created_by_ref":%q,"name":"C2","pattern":"[ipv4-addr:value = '198.51.100.9']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":[%q]}`,
		id, now, now, fr, stix.TLPGreen.MarkingID())
	if err := os.WriteFile(p("obj.json"), []byte(obj), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(stix.MustTimestamp(now).Time())) // the keys are valid from the second they were added
	run("keys", "sign", "-key", p("fr.key"), "-o", p("signed.json"), p("obj.json"))
	signed, err := os.ReadFile(p("signed.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	frTAXII := &taxii.Client{BaseURL: frNode.base, User: "admin", Password: e2ePassword}
	hubTAXII := &taxii.Client{BaseURL: hubNode.base, User: "admin", Password: e2ePassword}
	collOf := func(c *taxii.Client) string {
		cs, err := c.Collections(ctx, node.DefaultAPIRoot)
		if err != nil || len(cs) != 1 {
			t.Fatalf("collections: %v %v", cs, err)
		}
		return cs[0].ID
	}
	st, err := frTAXII.PostEnvelope(ctx, node.DefaultAPIRoot, collOf(frTAXII), strings.NewReader(`{"objects":[`+string(signed)+`]}`))
	if err != nil || st.SuccessCount != 1 {
		t.Fatalf("post to CERT-FR: %+v %v", st, err)
	}
	hubColl := collOf(hubTAXII)
	deadline := time.Now().Add(30 * time.Second)
	for {
		page, err := hubTAXII.Objects(ctx, node.DefaultAPIRoot, hubColl, taxii.Query{IDs: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Objects) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub never received the object\nnode:\n%s\nhub:\n%s", frNode.stderr.String(), hubNode.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The hub's status of CERT-FR, read by another process from the same store.
	for {
		out := run("peer", "status", "--data", p("hub"))
		if inRE.MatchString(out) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("peer status does not show the object received:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
