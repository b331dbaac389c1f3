package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart-cti/rampart/internal/cli"
)

// TestPatternExitCodes checks the exit statuses testscript cannot tell
// apart: 0 match, 1 no match (or an invalid pattern for check), 2 an invalid
// pattern or file for match.
func TestPatternExitCodes(t *testing.T) {
	dir := t.TempDir()
	obs := filepath.Join(dir, "obs.json")
	os.WriteFile(obs, []byte(`[{"type":"observed-data","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf","first_observed":"2026-03-01T10:00:00Z","last_observed":"2026-03-01T10:00:00Z","number_observed":1,"objects":{"0":{"type":"url","value":"http://evil.example/"}}}]`), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"type":"bundle"`), 0o644)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"pattern", "check", "[url:value = 'a']"}, 0},
		{[]string{"pattern", "check", "[url:value = 'a'"}, 1},
		{[]string{"pattern", "check"}, 2},
		{[]string{"pattern", "match", "[url:value = 'http://evil.example/']", obs}, 0},
		{[]string{"pattern", "match", "[url:value = 'http://good.example/']", obs}, 1},
		{[]string{"pattern", "match", "[url:value = ", obs}, 2},
		{[]string{"pattern", "match", "[url:value = 'a']", bad}, 2},
		{[]string{"pattern", "match", "[url:value = 'a']", filepath.Join(dir, "none.json")}, 2},
	} {
		var stdout, stderr bytes.Buffer
		m := &Main{IO: cli.IO{Stdin: &bytes.Buffer{}, Stdout: &stdout, Stderr: &stderr, Getenv: os.Getenv}}
		got := m.ExitCode(m.Run(context.Background(), tc.args))
		if got != tc.want {
			t.Errorf("%q: exit %d, want %d\nstdout: %s\nstderr: %s", tc.args, got, tc.want, stdout.String(), stderr.String())
		}
	}
}
