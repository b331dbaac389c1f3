package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// TestKeysSignOutputMode: signed objects that may travel only sealed are
// written readable by their owner only (regression: "keys sign -o" wrote
// every file with mode 0644, TLP:RED content included).
func TestKeysSignOutputMode(t *testing.T) {
	dir := t.TempDir()
	const org = "identity--1c7a0e2b-5e3f-4b59-9a43-8a2cf0f1d3b1"
	run := func(args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		m := &Main{IO: cli.IO{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}}
		if err := m.Run(context.Background(), args); err != nil {
			t.Fatalf("rampart %v: %v\n%s", args, err, errb.String())
		}
	}
	key := filepath.Join(dir, "node.key")
	run("keys", "generate", "-org", org, "-o", key)
	for _, tc := range []struct {
		tlp  stix.TLP
		want os.FileMode
	}{
		{stix.TLPGreen, 0o644},
		{stix.TLPAmber, 0o644},
		{stix.TLPAmberStrict, 0o600},
		{stix.TLPRed, 0o600},
	} {
		in := filepath.Join(dir, "in.json")
		obj := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-10-02T10:00:00.000Z","modified":"2026-10-02T10:00:00.000Z","created_by_ref":%q,"pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-10-02T10:00:00Z","object_marking_refs":[%q]}`, org, tc.tlp.MarkingID())
		if err := os.WriteFile(in, []byte(obj), 0o600); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out-"+tc.tlp.String()+".json")
		run("keys", "sign", "-key", key, "-o", out, in)
		st, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != tc.want {
			t.Errorf("%s: mode %04o, want %04o", tc.tlp, got, tc.want)
		}
	}
}

// TestKeysValidFromGeneration: the registry makes an organisation's keys
// valid from when they were generated, so that the objects it signs
// between generating them and its admission verify at every peer
// (regression: keys were valid from "registry add" only, and every peer
// refused the identity "org init" had signed minutes before).
func TestKeysValidFromGeneration(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) (string, error) {
		t.Helper()
		var out, errb bytes.Buffer
		m := &Main{IO: cli.IO{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}}
		err := m.Run(context.Background(), args)
		return out.String() + errb.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("rampart %v: %v\n%s", args, err, out)
		}
		return out
	}
	const org = "identity--1c7a0e2b-5e3f-4b59-9a43-8a2cf0f1d3b1"
	must("keys", "generate", "--org", org, "-o", p("fr.key"))
	// Signed after generation, before admission.
	now := time.Now().UTC().Add(time.Second).Format("2006-01-02T15:04:05.000Z")
	obj := func(at string) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":%q,"modified":%q,"created_by_ref":%q,"pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":%q}`, at, at, org, at)
	}
	if err := os.WriteFile(p("new.json"), []byte(obj(now)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p("old.json"), []byte(obj("2026-01-05T10:00:00.000Z")), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := must("keys", "sign", "--key", p("fr.key"), "-o", p("signed.json"), p("new.json")); strings.Contains(out, "warning") {
		t.Errorf("an object newer than the keys drew a warning:\n%s", out)
	}
	if out := must("keys", "sign", "--key", p("fr.key"), p("old.json")); !strings.Contains(out, "rampart: warning: 1 objects") {
		t.Errorf("an object older than the keys was signed without a warning:\n%s", out)
	}
	time.Sleep(1100 * time.Millisecond) // admitted later than generated, to the second
	must("keys", "generate", "-o", p("a1.key"))
	must("registry", "init", "--threshold", "1", "--authority", "a1="+p("a1.key.pub"), p("registry.json"))
	out := must("registry", "add", "--org", org, "--name", "CERT-FR", "--country", "FR", "--role", "national-csirt", "--keys", p("fr.key.pub"), p("registry.json"))
	must("registry", "sign", "--key", p("a1.key"), p("registry.json"))
	ks, err := trust.ReadKeySetFile(p("fr.key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "valid from " + ks.Created.Format(time.RFC3339); ks.Created.IsZero() || !strings.Contains(out, want) {
		t.Errorf("registry add: want %q (the keys' generation time %v):\n%s", want, ks.Created, out)
	}
	out = must("verify", "--registry", p("registry.json"), "--insecure-unpinned", p("signed.json"))
	if !strings.Contains(out, "ok  indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f") {
		t.Errorf("an object signed between generation and admission does not verify:\n%s", out)
	}
	if out, err := run("keys", "sign", "--key", p("fr.key"), "--registry", p("registry.json"), p("old.json")); err == nil || !strings.Contains(err.Error(), "key is not valid at the object's time") {
		t.Errorf("keys sign --registry of an object older than the keys: err %v\n%s", err, out)
	}
	// An object from the future is refused with or without the registry.
	later := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05.000Z")
	if err := os.WriteFile(p("future.json"), []byte(obj(later)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{}, {"--registry", p("registry.json")}} {
		args = append(append([]string{"keys", "sign", "--key", p("fr.key")}, args...), p("future.json"))
		if out, err := run(args...); err == nil || !strings.Contains(err.Error(), "is in the future (peers allow") {
			t.Errorf("rampart %v: err %v\n%s", args, err, out)
		}
	}
}
