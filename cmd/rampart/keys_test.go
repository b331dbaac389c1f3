package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart-cti/rampart/stix"
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
		m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
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
