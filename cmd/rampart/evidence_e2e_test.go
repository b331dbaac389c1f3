package main

// End-to-end test of evidence packages: CERT-FR's node makes a package
// about an incident for Europol EC3, whose node is another; a courier
// with keys of their own carries it; each hand-over is signed and
// countersigned; the package verifies after every step; EC3 opens it.
// Only documented commands, run as the real binary.

import (
	"bytes"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestEndToEndEvidencePackage(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	run := func(args ...string) string {
		t.Helper()
		out, errs, code := runCLI(t, "", env, args...)
		if code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	fail := func(want string, args ...string) {
		t.Helper()
		out, errs, code := runCLI(t, "", env, args...)
		if code != 1 || !strings.Contains(errs, want) {
			t.Fatalf("rampart %s: exit %d, want 1 with %q\n%s%s", strings.Join(args, " "), code, want, out, errs)
		}
	}

	// Two nodes, each with its organisation; a courier with keys alone; a
	// registry authority that admits both organisations.
	fr := strings.TrimSpace(run("org", "init", "--name", "CERT-FR", "--country", "FR", "--data", p("fr")))
	ec3 := strings.TrimSpace(run("org", "init", "--name", "Europol EC3", "--country", "EU", "--data", p("ec3")))
	run("keys", "generate", "-o", p("courier.key"))
	run("keys", "generate", "-o", p("a1.key"))
	out := run("registry", "init", "--threshold", "1", "--authority", "a1="+p("a1.key.pub"), p("registry.json"))
	fp := regexp.MustCompile(`SHA256:\S+`).FindString(out)
	if fp == "" {
		t.Fatalf("registry init printed no fingerprint:\n%s", out)
	}
	run("registry", "add", "--org", fr, "--name", "CERT-FR", "--country", "FR", "--role", "national-csirt", "--keys", p("fr/org.key.pub"), p("registry.json"))
	run("registry", "add", "--org", ec3, "--name", "Europol EC3", "--country", "EU", "--role", "observer", "--keys", p("ec3/org.key.pub"), p("registry.json"))
	run("registry", "sign", "--key", p("a1.key"), p("registry.json"))
	pin := []string{"--registry", p("registry.json"), "--registry-fingerprint", fp}

	// CERT-FR records an incident, imports what it knows about it, and
	// keeps an artefact.
	inc := strings.TrimSpace(run("incident", "create", "--data", p("fr"), "--registry", p("registry.json"),
		"--name", "Wiper at a grid operator", "--detected", "now", "--affected", "FR"))
	related := fmt.Sprintf(`{"type":"bundle","id":"bundle--1d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c40","objects":[
{"type":"indicator","spec_version":"2.1","id":"indicator--1d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-10-30T10:00:00.000Z","modified":"2026-10-30T10:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-10-30T10:00:00Z"},
{"type":"relationship","spec_version":"2.1","id":"relationship--2d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-10-30T10:00:00.000Z","modified":"2026-10-30T10:00:00.000Z","relationship_type":"related-to","source_ref":"indicator--1d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","target_ref":%[1]q},
{"type":"sighting","spec_version":"2.1","id":"sighting--3d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-10-30T11:00:00.000Z","modified":"2026-10-30T11:00:00.000Z","sighting_of_ref":"indicator--1d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","count":3},
{"type":"indicator","spec_version":"2.1","id":"indicator--9d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-10-30T10:00:00.000Z","modified":"2026-10-30T10:00:00.000Z","pattern":"[ipv4-addr:value = '203.0.113.9']","pattern_type":"stix","valid_from":"2026-10-30T10:00:00Z"},
{"type":"opinion","spec_version":"2.1","id":"opinion--4d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2026-10-31T11:00:00.000Z","modified":"2026-10-31T11:00:00.000Z","opinion":"agree","explanation":"APT-X, from the wiper's code","object_refs":[%[1]q]}]}`, inc)
	writeFile(t, p("related.json"), []byte(related))
	run("import", "--data", p("fr"), p("related.json"))
	artefact := []byte("MZ\x90\x00\x03 wiper sample from the historian\x00\xff")
	writeFile(t, p("wiper.bin"), artefact)

	// The package, for EC3 by its registry name.
	out = run("evidence", "package", "--data", p("fr"), "--registry", p("registry.json"), "--incident", inc,
		"--to", "Europol EC3", "--artefact", p("wiper.bin"), "--purpose", "EC3 request 2026-117", "--out", p("0.evidence"))
	if !strings.Contains(out, "artefacts/wiper.bin") || !strings.Contains(out, "sealed to Europol EC3") {
		t.Fatalf("evidence package:\n%s", out)
	}
	verify := func(file, holder string) {
		t.Helper()
		out := run(append([]string{"evidence", "verify", "--in", p(file)}, pin...)...)
		if !strings.Contains(out, "verified") || !strings.Contains(out, holder) {
			t.Fatalf("evidence verify %s: want verified, %q:\n%s", file, holder, out)
		}
	}
	verify("0.evidence", "held by CERT-FR")
	// A courier cannot read it.
	fail("sealed to Europol EC3", "evidence", "open", "--key", p("courier.key"), "--in", p("0.evidence"), "--out", p("courier-copy"))

	// CERT-FR → courier → EC3, each hand-over countersigned.
	run("evidence", "hand-over", "--data", p("fr"), "--registry", p("registry.json"), "--in", p("0.evidence"),
		"--to", p("courier.key.pub"), "--name", "Officer Dupont", "--purpose", "courier to The Hague", "--out", p("1.evidence"))
	verify("1.evidence", "in transit from CERT-FR")
	run("evidence", "receive", "--key", p("courier.key"), "--in", p("1.evidence"), "--out", p("2.evidence"))
	verify("2.evidence", "held by Officer Dupont")
	// Only the holder may hand it on: CERT-FR no longer holds it.
	_, errs, code := runCLI(t, "", env, "evidence", "hand-over", "--data", p("fr"), "--registry", p("registry.json"), "--in", p("2.evidence"),
		"--to", "Europol EC3", "--purpose", "again", "--out", p("x.evidence"))
	if code != 1 || !strings.Contains(errs, "held by Officer Dupont") {
		t.Fatalf("hand-over by a former holder: exit %d\n%s", code, errs)
	}
	run(append([]string{"evidence", "hand-over", "--key", p("courier.key"), "--in", p("2.evidence"), "--to", "Europol EC3",
		"--purpose", "delivery to the case officer", "--out", p("3.evidence")}, pin...)...)
	verify("3.evidence", "in transit from Officer Dupont")
	run("evidence", "receive", "--data", p("ec3"), "--registry", p("registry.json"), "--in", p("3.evidence"), "--out", p("4.evidence"))
	verify("4.evidence", "held by Europol EC3")

	// EC3 opens it: the artefact as it was, the incident with its related
	// objects and sightings, the attribution opinion.
	out = run("evidence", "open", "--data", p("ec3"), "--registry", p("registry.json"), "--in", p("4.evidence"), "--out", p("case"))
	if !strings.Contains(out, "held by Europol EC3") {
		t.Errorf("evidence open:\n%s", out)
	}
	if got := mustRead(t, p("case/artefacts/wiper.bin")); !bytes.Equal(got, artefact) {
		t.Errorf("opened artefact differs: %q", got)
	}
	var bundle struct {
		Objects []jsontext.Value `json:"objects"`
	}
	if err := json.Unmarshal(mustRead(t, p("case/incident.json")), &bundle); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range bundle.Objects {
		var h struct {
			ID      string   `json:"id"`
			Marking []string `json:"object_marking_refs"`
		}
		json.Unmarshal(o, &h)
		ids = append(ids, h.ID)
		if strings.HasPrefix(h.ID, "report--") && !slices.Contains(h.Marking, "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1") {
			t.Errorf("the package's report is not marked TLP:RED: %s", o)
		}
	}
	for _, want := range []string{inc, "indicator--1d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "relationship--2d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "sighting--3d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"} {
		if !slices.Contains(ids, want) {
			t.Errorf("incident.json lacks %s (has %v)", want, ids)
		}
	}
	if slices.Contains(ids, "indicator--9d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d") {
		t.Error("incident.json holds an indicator unrelated to the incident")
	}
	if att := mustRead(t, p("case/attribution.json")); !bytes.Contains(att, []byte("opinion--4d6b2c3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d")) {
		t.Errorf("attribution.json lacks the opinion:\n%s", att)
	}
	if st, err := os.Stat(p("case/incident.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("opened file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}

	// Tampering with the file is detected: a byte of the sealed content, a
	// purpose in the chain, a signature.
	orig := mustRead(t, p("4.evidence"))
	for _, tc := range []struct {
		name, want string
		change     func([]byte) []byte
	}{
		{"sealed content", "sealed content", func(b []byte) []byte {
			i := bytes.Index(b, []byte(`"sealed": "`)) + len(`"sealed": "`) + 200
			b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
			return b
		}},
		{"purpose of a hand-over", "custody record 1: the giver's signature", func(b []byte) []byte {
			return bytes.Replace(b, []byte("courier to The Hague"), []byte("courier to The Hogue"), 1)
		}},
		{"receiver's signature", "custody record 2: the receiver's signature", func(b []byte) []byte {
			i := bytes.LastIndex(b, []byte(`"signature": "`)) + len(`"signature": "`) + 10
			b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
			return b
		}},
	} {
		name := p("tampered-" + strings.ReplaceAll(tc.name, " ", "-") + ".evidence")
		writeFile(t, name, tc.change(bytes.Clone(orig)))
		fail(tc.want, append([]string{"evidence", "verify", "--in", name}, pin...)...)
		fail(tc.want, "evidence", "open", "--data", p("ec3"), "--registry", p("registry.json"), "--in", name, "--out", p("case-"+tc.name))
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
