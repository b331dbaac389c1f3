package node

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord"
)

func TestCheckEvidenceFlags(t *testing.T) {
	for _, tc := range []struct {
		sub   string
		given string // the flags given, comma-separated
		key   bool
		want  string
	}{
		{"package", "incident,to,out", false, ""},
		{"package", "incident,to,out,artefact,attribution,purpose", false, ""},
		{"package", "to,out", false, "evidence package needs --incident"},
		{"package", "incident,to,out,name", false, "evidence package does not take --name"},
		{"hand-over", "in,to,purpose,out,name", false, ""},
		{"hand-over", "in,to,out", false, "evidence hand-over needs --purpose"},
		{"receive", "in,out", false, ""},
		{"receive", "in,out,to", false, "evidence receive does not take --to"},
		{"verify", "in,registry-fingerprint", false, ""},
		{"open", "in,out,insecure-unpinned", true, ""},
		{"open", "in,out,insecure-unpinned", false, "--registry-fingerprint and --insecure-unpinned go with --key FILE"},
		{"open", "in", false, "evidence open needs --out"},
	} {
		given := strings.Split(tc.given, ",")
		err := CheckEvidenceFlags(tc.sub, func(f string) bool { return strings.Contains(","+tc.given+",", ","+f+",") }, tc.key)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s %v: %v, want none", tc.sub, given, err)
			}
			continue
		}
		if _, ok := AsConfigError(err); !ok || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s %v: %v, want a ConfigError %q", tc.sub, given, err, tc.want)
		}
	}
}

// TestEvidenceText makes a package, hands it to CERT-Bund and has it
// received, checking what each step prints.
func TestEvidenceText(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, true, true)
	inc := &coord.Incident{Name: "Wiper", Detected: time.Now().Add(-time.Hour)}
	if err := an.Coord.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	p, man, err := an.CreateEvidence(ctx, EvidenceRequest{Incident: inc.ID, To: "CERT-Bund"})
	if err != nil {
		t.Fatal(err)
	}
	file := func(name string) string { return filepath.Join(an.dir, name) }
	if err := WriteEvidenceFile(file("pkg"), p); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WritePackageText(&b, p, man, file("pkg")); err != nil {
		t.Fatal(err)
	}
	want := `(?s)^evidence package \S+ for ` + regexp.QuoteMeta(inc.ID) + `\n  made by   .*\n  sealed to .*CERT-Bund.*TLP:RED\n.*  sealed content \d+ bytes, SHA-256 [0-9a-f]{64}\nwritten to .*pkg; hand it over with "rampart evidence hand-over"\n$`
	if !regexp.MustCompile(want).MatchString(b.String()) {
		t.Errorf("WritePackageText = %q, want it to match %q", b.String(), want)
	}

	reg := an.Registry()
	bad := CustodyRequest{Registry: reg}
	if err := bad.HandTo("Nobody", ""); err == nil || !strings.HasPrefix(err.Error(), "--to: ") || bad.To != nil {
		t.Errorf("HandTo(Nobody) = %v, to %v; want a ConfigError naming --to", err, bad.To)
	}
	req := CustodyRequest{In: file("pkg"), Out: file("handed"), Identity: an.Identity, Registry: reg, Purpose: "analysis"}
	if err := req.HandTo("CERT-Bund", ""); err != nil || req.To == nil || req.To.Organization != auditOrgDE || req.Now.IsZero() {
		t.Fatalf("HandTo(CERT-Bund) = %v, to %+v; want DE's organisation at a time", err, req.To)
	}
	rec, err := PassEvidence(req)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ out, want string }{
		{"handed", `^custody record 1: .* hands the package to CERT-Bund.* at \S+; signed. The receiver runs "rampart evidence receive".\nwritten to \S+handed\n$`},
		{"received", `^custody record 1: CERT-Bund.* received the package at \S+; countersigned.\nwritten to \S+received\n$`},
	} {
		if step.out == "received" {
			if rec, err = PassEvidence(CustodyRequest{In: file("handed"), Out: file("received"), Identity: an.de, Registry: reg}); err != nil {
				t.Fatal(err)
			}
		}
		b.Reset()
		if err := WriteCustodyText(&b, rec, file(step.out)); err != nil || !regexp.MustCompile(step.want).MatchString(b.String()) {
			t.Errorf("WriteCustodyText = %q, %v; want it to match %q", b.String(), err, step.want)
		}
	}
}
