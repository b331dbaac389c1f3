package main

import (
	"strings"
	"testing"
)

// TestEndToEndOneServePerDataDir: a second "rampart serve" on a data
// directory another one serves refuses to start and says which process
// holds it; the first keeps serving.
func TestEndToEndOneServePerDataDir(t *testing.T) {
	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	first := startNode(t, dir, env)
	_, stderr, code := runCLI(t, "", env, "serve", "--data", dir, "--listen", "127.0.0.1:0")
	if code == 0 || !strings.Contains(stderr, "is in use by another \"rampart serve\" (process ") {
		t.Fatalf("a second serve on the same data directory: exit %d\n%s", code, stderr)
	}
	tt := &taxiiTester{t: t, base: first.base, user: "admin", pass: e2ePassword}
	tt.want(tt.get("/taxii2/", ""), 200)
}
