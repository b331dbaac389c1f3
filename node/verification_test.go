package node

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

func TestVerifyRequestCheck(t *testing.T) {
	for _, tc := range []struct{ policy, want string }{
		{"default", ""}, {"", ""}, {"eu-pq-high", ""}, {"eu-pq-base", ""},
		{"eu-pq-max", `--policy: unknown profile "eu-pq-max"`},
	} {
		r := VerifyRequest{Policy: tc.policy}
		err := r.Check()
		if tc.want == "" && err != nil {
			t.Errorf("policy %q: %v, want none", tc.policy, err)
		}
		if _, ok := AsConfigError(err); tc.want != "" && (!ok || !strings.HasPrefix(err.Error(), tc.want)) {
			t.Errorf("policy %q: %v, want a ConfigError %q", tc.policy, err, tc.want)
		}
	}
}

func TestVerifyFiles(t *testing.T) {
	dir := t.TempDir()
	k, err := GenerateKeyFiles(trust.EUPQBase, auditOrgFR, filepath.Join(dir, "fr.key"))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := ReadRegistryFile(writeRegistry(t, dir, map[string]*trust.Identity{"CERT-FR": k.Identity}))
	if err != nil {
		t.Fatal(err)
	}
	signed := filepath.Join(dir, "signed.json")
	if _, err := SignFile(SignRequest{KeyFile: k.Path, Input: writeFile(t, dir, "in.json", indicatorAt(time.Now())), Output: signed}); err != nil {
		t.Fatal(err)
	}
	unsigned := writeFile(t, dir, "unsigned.json", indicatorAt(time.Now()))

	v, err := VerifyFiles(context.Background(), VerifyRequest{Registry: reg, Files: []string{signed, unsigned}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Total != 2 || v.Refused != 1 || v.Version != 1 || len(v.Checks) != 2 {
		t.Fatalf("Verification %+v: want 2 objects, 1 refused, against version 1", v)
	}
	var b bytes.Buffer
	if err := v.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ok ") || !strings.Contains(lines[0], "CERT-FR") || !strings.HasPrefix(lines[1], "refused ") {
		t.Errorf("WriteText = %q, want an ok line by CERT-FR and a refused line", b.String())
	}

	missing := filepath.Join(dir, "none.json")
	v, err = VerifyFiles(context.Background(), VerifyRequest{Registry: reg, Files: []string{signed, missing}})
	if err == nil || !strings.Contains(err.Error(), "none.json") || v == nil || len(v.Checks) != 1 {
		t.Errorf("a missing second file: %v, checks %v; want an error naming it and the first file's checks", err, v)
	}
	if _, err := VerifyFiles(context.Background(), VerifyRequest{Registry: reg, Policy: "nope", Files: []string{signed}}); err == nil {
		t.Error("an unknown policy: no error")
	}
}
