package main

// End-to-end test of the console's attribution and statement pages in a
// real browser: a node made with the documented commands, MITRE ATT&CK
// imported with "rampart import", a trust registry with the node's
// organisation (France) and Germany, and a statement Germany drafts. The
// analyst picks APT29's techniques on the matrix, reads the ranking and
// compares two candidates, then endorses the statement in France's name.

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// apt29 is APT29's intrusion set in ATT&CK Enterprise.
const apt29 = "intrusion-set--899ce53f-13a0-479b-a0e4-67d46e241542"

func TestEndToEndConsoleAttribution(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "node")
	p := func(name string) string { return filepath.Join(dir, name) }
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	cli := func(stdin string, args ...string) string {
		t.Helper()
		out, errs, code := runCLI(t, stdin, env, args...)
		if code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	// The node, France's CSIRT, with an analyst who may write to the
	// coordination collection and one who may only read, and ATT&CK.
	cli("", "init", "--data", data)
	org := strings.TrimSpace(cli("", "org", "init", "--name", "CERT-FR", "--country", "FR", "--data", data))
	cli("analyst password 1\n", "user", "add", "analyst", "--password-stdin", "--data", data)
	cli("", "user", "grant", "analyst", "default", "--read", "--write", "--data", data)
	cli("reader password 1\n", "user", "add", "reader", "--password-stdin", "--data", data)
	cli("", "user", "grant", "reader", "default", "--read", "--data", data)
	start := time.Now()
	cli("", "import", "../../testdata/attack/enterprise-attack.json.gz", "--data", data)
	t.Logf("ATT&CK imported in %s", time.Since(start).Round(time.Millisecond))

	// The registry authority admits France (the node's keys) and Germany.
	const orgDE = "identity--2b7c4d1e-5f6a-4b8c-9d0e-1f2a3b4c5d6e"
	cli("", "keys", "generate", "-o", p("a1.key"))
	cli("", "keys", "generate", "-o", p("a2.key"))
	cli("", "keys", "generate", "-org", orgDE, "-o", p("de.key"))
	cli("", "registry", "init", "--threshold", "2", "--authority", "a1="+p("a1.key.pub"), "--authority", "a2="+p("a2.key.pub"), p("registry.json"))
	cli("", "registry", "add", "--org", org, "--name", "CERT-FR", "--country", "FR", "--role", "national-csirt", "--keys", filepath.Join(data, "org.key.pub"), "--node", "https://"+freePort(t)+"/", p("registry.json"))
	cli("", "registry", "add", "--org", orgDE, "--name", "CERT-Bund", "--country", "DE", "--role", "national-csirt", "--keys", p("de.key.pub"), "--node", "https://"+freePort(t)+"/", p("registry.json"))
	cli("", "registry", "sign", "--key", p("a1.key"), p("registry.json"))
	cli("", "registry", "sign", "--key", p("a2.key"), p("registry.json"))
	n := &e2eNode{t: t, proc: startNode(t, data, env, "--registry", p("registry.json"))}
	base := n.proc.base

	// Germany drafts a statement attributing an incident to APT29 and
	// invites France and Germany, both of whom must endorse it.
	stID := strings.TrimSpace(cli("", "statement", "draft", "--data", data, "--key", p("de.key"), "--registry", p("registry.json"),
		"--name", "Cloud intrusions at ministries", "--text", "The intrusions into the ministries' cloud tenants in 2026 were carried out by APT29.",
		"--incidents", "incident--5c0e2a7d-3b1f-4e8a-9c6d-7f2e1a0b3c4d", "--intrusion-set", apt29, "--confidence", "80",
		"--invite", "FR,DE", "--threshold", "2"))

	b := newBrowser(t, 1400, 900)
	b.signIn(base, "analyst", "analyst password 1")

	// The matrix: ATT&CK's tactics as columns, in kill-chain order.
	b.open(base + "/console/attribution")
	b.contains("matrix", "Reconnaissance", "Command and Control", "Impact", "T1566", "Phishing", "sub-techniques")
	h := b.html()
	if i, j := strings.Index(h, "Reconnaissance"), strings.Index(h, "Exfiltration"); i < 0 || j < i {
		t.Errorf("the tactics are not in kill-chain order")
	}
	b.shot("attribution-01-matrix")
	// APT29's techniques: top-level ones on the matrix, sub-techniques
	// found with the search box or opened under their technique.
	for _, id := range []string{"T1195", "T1606", "T1484", "T1550"} {
		b.do("pick "+id, chromedp.Click(chromedp.CSS(`#matrix input[value="`+id+`"]`)))
	}
	b.do("find SAML tokens", chromedp.SendKeys(chromedp.CSS("#technique-filter"), "SAML"))
	b.do("pick T1606.002", chromedp.Click(chromedp.CSS(`#matrix input[value="T1606.002"]`)))
	b.shot("attribution-02-search")
	b.do("type other techniques", chromedp.SendKeys(chromedp.CSS("#a-tech"), "T1484.002, T1550.001, T1098.001, T1021.007, T1078.004, T1195.002"))
	if got := b.text("#picked-count"); got != "5" {
		t.Errorf("picked count %q, want 5", got)
	}
	if st := b.submit("rank", chromedp.Click(chromedp.CSS("#rank"))); st != 200 {
		t.Fatalf("rank: %d", st)
	}
	top := b.html()
	place := regexp.MustCompile(`id="candidate-(\d+)">\s*<h3><span class="place">\d+\.</span> <a href="/console/objects/` + apt29 + `">APT29 \(G0016\)`).FindStringSubmatch(top)
	if place == nil {
		t.Errorf("APT29 is not among the candidates")
	} else if n, _ := strconv.Atoi(place[1]); n > 5 {
		t.Errorf("APT29 ranks %d, not among the five best", n)
	}
	b.contains("ranking", "SAML Tokens (T1606.002)", `class="bar w`, "Evidence for APT29 (G0016)", "Link to this ranking")
	b.shot("attribution-03-ranking")

	// Two candidates side by side: the first and the second.
	if st := b.submit("compare", chromedp.Click(chromedp.CSS("#compare"))); st != 200 {
		t.Fatalf("compare: %d", st)
	}
	b.contains("comparison", "side by side", "Evidence that tells them apart", "Speaks for")
	b.shot("attribution-04-compare")
	// The same by address.
	b.open(base + "/console/attribution?technique=T1606.002&technique=T1484.002&compare=G0016&compare=G1053")
	b.contains("comparison by address", "APT29 (G0016) and Storm-0501 (G1053) side by side")
	b.checkClean()

	// Statements: the list, then the draft.
	b.open(base + "/console/statements")
	b.contains("statements", "Cloud intrusions at ministries", "draft", "0 of 2 needed", "CERT-Bund (DE)")
	b.shot("statements-01-list")
	b.open(base + "/console/statements/" + stID)
	b.contains("statement", "APT29", "80 / 100", "verified", "signed by CERT-Bund (DE)", "I endorse these terms on behalf of CERT-FR (FR)", "missing")
	digest := b.text("#terms-digest")
	if len(digest) != 43 {
		t.Errorf("terms digest %q", digest)
	}
	b.shot("statements-02-draft")
	// Without the confirmation ticked: refused, nothing signed.
	if st := b.submit("sign without confirming", chromedp.Click(chromedp.CSS("#sign-submit"))); st != 400 {
		t.Errorf("signing without the confirmation: %d, want 400", st)
	}
	if msg := b.text("#sign-error"); !strings.Contains(msg, "tick “I endorse these terms on behalf of CERT-FR (FR)”") {
		t.Errorf("signing without the confirmation says %q", msg)
	}
	b.shot("statements-03-refused")
	// Ticked: France's endorsement counts.
	b.do("confirm", chromedp.Click(chromedp.CSS("#s-confirm")))
	if st := b.submit("sign", chromedp.Click(chromedp.CSS("#sign-submit"))); st != 200 {
		t.Fatalf("sign: %d", st)
	}
	b.contains("signed statement", "Endorsed on behalf of CERT-FR (FR)", "1 of 2 required endorsements count", "has endorsed these terms already")
	if !regexp.MustCompile(`<td>CERT-FR \(FR\)</td><td><span class="state counted">counted</span>`).MatchString(b.html()) {
		t.Errorf("CERT-FR's endorsement is not shown as counted")
	}
	b.shot("statements-04-signed")
	b.checkClean()
	b.signOut()

	// An account that may only read sees the terms, not the form.
	b.signIn(base, "reader", "reader password 1")
	b.open(base + "/console/statements/" + stID)
	b.contains("statement as a reader", "yours may only read it")
	b.shot("statements-05-reader")
	b.checkClean()

	// The CLI counts the console's endorsement.
	if out := cli("", "statement", "show", stID, "--data", data, "--registry", p("registry.json")); !strings.Contains(out, "counted") || !strings.Contains(out, "CERT-FR (FR)") {
		t.Errorf("statement show after the console's endorsement:\n%s", out)
	}
}
