package node

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

func TestRegistryRequestCheck(t *testing.T) {
	for _, tc := range []struct {
		r    RegistryRequest
		want string // "" for none
	}{
		{RegistryRequest{Op: "init", Threshold: 1, Authorities: []string{"a=a.pub"}}, ""},
		{RegistryRequest{Op: "init", Authorities: []string{"a=a.pub"}}, "registry init needs --threshold K and at least one --authority NAME=FILE.pub"},
		{RegistryRequest{Op: "init", Threshold: 1}, "registry init needs --threshold K"},
		{RegistryRequest{Op: "init", Threshold: 1, Authorities: []string{"a.pub"}}, `--authority "a.pub" is not NAME=FILE.pub`},
		{RegistryRequest{Op: "init", Threshold: 1, Authorities: []string{"=a.pub"}}, `--authority "=a.pub" is not NAME=FILE.pub`},
		{RegistryRequest{Op: "add"}, "registry add needs --org IDENTITY"},
		{RegistryRequest{Op: "add", Entry: trust.RegistryEntry{ID: auditOrgFR}}, ""},
		{RegistryRequest{Op: "revoke"}, "registry revoke needs --kid KID or --keys FILE.pub"},
		{RegistryRequest{Op: "revoke", KID: "k", KeysFile: "f.pub"}, "registry revoke needs --kid KID or --keys FILE.pub"},
		{RegistryRequest{Op: "revoke", KID: "k"}, ""},
		{RegistryRequest{Op: "sign"}, "registry sign needs --key FILE"},
		{RegistryRequest{Op: "verify", Trusted: "v1.json", Fingerprint: "SHA256:x"}, "give --trusted or --fingerprint, not both"},
		{RegistryRequest{Op: "verify"}, ""},
		{RegistryRequest{Op: "show"}, ""},
		{RegistryRequest{Op: "publish"}, `unknown registry command "publish"`},
	} {
		err := tc.r.Check()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v: %v, want none", tc.r, err)
			}
			continue
		}
		if _, ok := AsConfigError(err); !ok || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want a ConfigError with %q", tc.r, err, tc.want)
		}
	}
}

// changeRegistry does r and returns what WriteText prints of it.
func changeRegistry(t *testing.T, r RegistryRequest) (*RegistryChange, string) {
	t.Helper()
	c, err := ChangeRegistry(r)
	if err != nil {
		t.Fatalf("%s: %v", r.Op, err)
	}
	var b bytes.Buffer
	if err := c.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return c, b.String()
}

func TestChangeRegistry(t *testing.T) {
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	for _, name := range []string{"a1", "a2"} {
		if _, err := GenerateKeyFiles(trust.EUPQBase, "", file(name+".key")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := GenerateKeyFiles(trust.EUPQBase, auditOrgFR, file("fr.key")); err != nil {
		t.Fatal(err)
	}
	reg := file("registry.json")
	steps := []struct {
		r    RegistryRequest
		want string // a regular expression the text matches
	}{
		{RegistryRequest{Op: "init", Threshold: 2, Authorities: []string{"a1=" + file("a1.key.pub"), "a2=" + file("a2.key.pub")}, Expires: 90 * 24 * time.Hour},
			`^registry version 1 written to .*registry.json: 2 authority members, 2 signatures required\nauthority fingerprint SHA256:\S+\n$`},
		{RegistryRequest{Op: "add", Entry: trust.RegistryEntry{ID: auditOrgFR, Name: "CERT-FR", Country: "FR", Role: trust.RoleNationalCSIRT, KeysFile: file("fr.key.pub"), ValidFor: time.Hour}},
			`^CERT-FR \(` + auditOrgFR + `\) in registry version 1 with 3 keys \(3 new, valid from \S+\); the version is unsigned\n$`},
		{RegistryRequest{Op: "sign", KeyFile: file("a1.key")}, `^registry version 1 signed; more signatures needed: .*1 of the 2`},
		{RegistryRequest{Op: "sign", KeyFile: file("a2.key")}, `^registry version 1 signed; complete: 2 of 2 required \(a1, a2\)\n$`},
		{RegistryRequest{Op: "verify"}, `^registry version 1 is signed by a1, a2`},
		{RegistryRequest{Op: "show"}, `(?m)^  CERT-FR +` + auditOrgFR},
		{RegistryRequest{Op: "revoke", KeysFile: file("fr.key.pub"), Reason: trust.ReasonKeyCompromise},
			`^(key \S+ revoked \(key-compromise\) in registry version 2\n){3}registry version 2 is unsigned\n$`},
	}
	for _, s := range steps {
		s.r.Path = reg
		c, text := changeRegistry(t, s.r)
		if !regexp.MustCompile(s.want).MatchString(text) {
			t.Errorf("%s printed %q, want it to match %q", s.r.Op, text, s.want)
		}
		if s.r.Op == "verify" && (!c.Unconfirmed() || c.Expired(time.Now()) != nil) {
			t.Errorf("verify against its own authority: unconfirmed %v, expired %v; want unconfirmed, not expired", c.Unconfirmed(), c.Expired(time.Now()))
		}
		if s.r.Op == "verify" && c.Expired(time.Now().Add(91*24*time.Hour)) == nil {
			t.Errorf("verify 91 days on: not expired, want the 90-day registry expired")
		}
	}

	_, err := ChangeRegistry(RegistryRequest{Op: "add", Path: reg, Entry: trust.RegistryEntry{ID: auditOrgDE, Name: "CERT-Bund"}})
	if ce, ok := AsConfigError(err); !ok || ce.Msg != "a new organisation needs --name, --country, --role and --keys" {
		t.Errorf("a new organisation without keys: %v, want a ConfigError naming the flags", err)
	}
	if _, err := ChangeRegistry(RegistryRequest{Op: "show", Path: file("none.json")}); err == nil || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("show a missing file: %v, want an error naming it", err)
	}
}

func TestReadPinnedRegistry(t *testing.T) {
	dir := t.TempDir()
	path := writeRegistry(t, dir, map[string]*trust.Identity{"CERT-Bund": generateIdentity(t, auditOrgDE)})
	_, _, err := ReadPinnedRegistry(path, "", false)
	ce, ok := AsConfigError(err)
	if !ok || !strings.Contains(ce.Msg, path+" is not pinned") || !strings.Contains(ce.Hint, "this file's is SHA256:") {
		t.Fatalf("no pin: %v, want a ConfigError whose hint names the file's fingerprint", err)
	}
	reg, warning, err := ReadPinnedRegistry(path, "", true)
	if err != nil || !strings.Contains(warning, "--insecure-unpinned") || !strings.Contains(warning, reg.AuthorityFingerprint()) {
		t.Fatalf("unpinned: %v, warning %q; want the registry with a warning naming its fingerprint", err, warning)
	}
	if _, warning, err := ReadPinnedRegistry(path, reg.AuthorityFingerprint(), false); err != nil || warning != "" {
		t.Errorf("pinned: %v, warning %q; want the registry, no warning", err, warning)
	}
	if _, _, err := ReadPinnedRegistry(path, "SHA256:AAAA", false); err == nil || !strings.Contains(err.Error(), "SHA256:AAAA") {
		t.Errorf("wrong pin: %v, want an error naming it", err)
	}
	_, _, err = ReadPinnedRegistry(writeFile(t, dir, "bad.json", "{"), "", false)
	if ce, ok := AsConfigError(err); !ok || !strings.Contains(ce.Hint, "obtained out of band, or") {
		t.Errorf("an unreadable registry, no pin: %v, want the hint without a fingerprint", err)
	}
}

func TestResolveOrganizations(t *testing.T) {
	path := writeRegistry(t, t.TempDir(), map[string]*trust.Identity{"CERT-Bund": generateIdentity(t, auditOrgDE)})
	reg, err := ReadRegistryFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		reg   *trust.Registry
		items []string
		want  string // the ids, or the error
	}{
		{nil, []string{auditOrgDE, auditOrgFR}, auditOrgDE + "," + auditOrgFR},
		{nil, nil, "--to names no organisation"},
		{nil, []string{"DE"}, `--to: "DE" is not an identity id; give --registry FILE`},
		{reg, []string{"CERT-Bund"}, auditOrgDE},
		{reg, []string{"Nobody"}, "--to: "},
	} {
		ids, err := ResolveOrganizations(tc.reg, tc.items, "--to", "")
		got := strings.Join(ids, ",")
		if err != nil {
			got = err.Error()
		}
		if !strings.HasPrefix(got, tc.want) || (err == nil) != strings.HasPrefix(tc.want, "identity--") {
			t.Errorf("ResolveOrganizations(%v) = %q, want %q", tc.items, got, tc.want)
		}
	}
}
