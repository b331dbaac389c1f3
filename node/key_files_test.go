package node

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

func TestGenerateKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fr.key")
	k, err := GenerateKeyFiles(trust.EUPQHigh, auditOrgFR, path)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("private keys written with mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	ks, err := trust.ReadKeySetFile(path + ".pub")
	if err != nil || ks.Organization != auditOrgFR || strings.Join(ks.KeyIDs(), ",") != strings.Join(k.Identity.KeyIDs(), ",") {
		t.Errorf("public keys %+v (%v): want those generated, of %s", ks, err, auditOrgFR)
	}
	var b bytes.Buffer
	if err := k.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `^eu-pq-high keys written to \S+fr.key \(private, mode 0600\) and \S+fr.key.pub \(public\)\n  ML-DSA-87 +\S+\n  ES384 +\S+\n  MLKEM1024-P384 +\S+\n$`
	if !regexp.MustCompile(want).MatchString(b.String()) {
		t.Errorf("WriteText = %q, want it to match %q", b.String(), want)
	}
	for _, existing := range []string{path, filepath.Join(dir, "other.key")} {
		if existing != path {
			os.WriteFile(existing+".pub", []byte("kept"), 0o644)
		}
		if _, err := GenerateKeyFiles(trust.EUPQBase, "", existing); err == nil || !strings.Contains(err.Error(), "exists") {
			t.Errorf("GenerateKeyFiles over %s: %v, want an error saying it exists", existing, err)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "other.key.pub")); string(data) != "kept" {
		t.Errorf("an existing public key file was overwritten: %q", data)
	}
	if _, err := GenerateKeyFiles(trust.EUPQBase, "CERT-FR", filepath.Join(dir, "x.key")); err == nil || !strings.Contains(err.Error(), `"CERT-FR"`) {
		t.Errorf("an organisation that is not an identity id: %v, want an error naming it", err)
	}
}

func TestSignResultWarning(t *testing.T) {
	dir := t.TempDir()
	if _, err := GenerateKeyFiles(trust.EUPQBase, auditOrgFR, filepath.Join(dir, "fr.key")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		modified time.Time
		want     string
	}{
		{time.Now().Add(time.Minute), ""},
		{time.Date(2020, 1, 5, 10, 0, 0, 0, time.UTC), `1 objects (indicator "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" the first) have a modified time before these keys were generated`},
	} {
		in := writeFile(t, dir, "in.json", indicatorAt(tc.modified))
		r, err := SignFile(SignRequest{KeyFile: filepath.Join(dir, "fr.key"), Input: in})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Warning(); (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
			t.Errorf("modified %s: Warning() = %q, want %q", tc.modified, got, tc.want)
		}
	}
}

// indicatorAt is an indicator of auditOrgFR modified at t.
func indicatorAt(t time.Time) string {
	ts := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"` + ts + `","modified":"` + ts + `","created_by_ref":"` + auditOrgFR + `","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"` + ts + `"}`
}

func TestSignRequestAddress(t *testing.T) {
	dir := t.TempDir()
	path := writeRegistry(t, dir, map[string]*trust.Identity{"CERT-Bund": generateIdentity(t, auditOrgDE)})
	for _, tc := range []struct {
		registry string
		to       []string
		want     string // the recipients, or the error
	}{
		{"", nil, ""},
		{"", []string{auditOrgDE}, auditOrgDE},
		{"", []string{}, "--to names no organisation"},
		{"", []string{"DE"}, `--to: "DE" is not an identity id`},
		{path, []string{"CERT-Bund"}, auditOrgDE},
		{filepath.Join(dir, "none.json"), nil, "none.json"},
	} {
		var r SignRequest
		err := r.Address(tc.registry, tc.to)
		got := strings.Join(r.Recipients, ",")
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tc.want) || (tc.want == "") != (got == "") {
			t.Errorf("Address(%q, %q) = %q, want %q", tc.registry, tc.to, got, tc.want)
		}
		if _, ok := AsConfigError(err); ok != strings.HasPrefix(tc.want, "--to") {
			t.Errorf("Address(%q, %q): %v, a ConfigError only for a bad --to", tc.registry, tc.to, err)
		}
		if tc.registry == path && r.Registry == nil {
			t.Errorf("Address(%q): no registry read", tc.registry)
		}
	}
}
