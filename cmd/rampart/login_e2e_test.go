package main

// End-to-end tests of logins against a real "rampart serve": changes made
// by the CLI, another process on the same store, apply at the serving
// node's next request; guesses are limited per address.

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// loginClient returns an HTTP client whose connections come from ip: the
// whole of 127.0.0.0/8 is this machine, so a test can play clients at
// several addresses. conns bounds its open connections.
func loginClient(ip string, conns int) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{
		Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns},
		Timeout:   2 * time.Minute,
	}
}

// loginAnswer is what a login attempt got.
type loginAnswer struct {
	status     int
	retryAfter string
	took       time.Duration
}

// tryLogin asks for TAXII discovery with the Authorization header auth.
func tryLogin(c *http.Client, base, auth string) (loginAnswer, error) {
	req, err := http.NewRequest("GET", base+"/taxii2/", nil)
	if err != nil {
		return loginAnswer{}, err
	}
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	req.Header.Set("Authorization", auth)
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return loginAnswer{}, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return loginAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), took: time.Since(start)}, nil
}

func basicHeader(user, password string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, password)
	return r.Header.Get("Authorization")
}

// TestEndToEndCredentialChanges: a password changed, a token revoked or
// an account deleted by the CLI while "rampart serve" runs applies at the
// node's next request, although the node remembers verified passwords
// (the regression: up to two minutes, and tokens could not be revoked).
func TestEndToEndCredentialChanges(t *testing.T) {
	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	proc := startNode(t, dir, env)
	cli := func(stdin string, args ...string) (string, string) {
		t.Helper()
		stdout, stderr, code := runCLI(t, stdin, env, append(args, "--data", dir)...)
		if code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
		return stdout, stderr
	}
	user := loginClient("127.0.0.1", 4)
	want := func(what, auth string, status int) loginAnswer {
		t.Helper()
		a, err := tryLogin(user, proc.base, auth)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if a.status != status {
			t.Errorf("%s: %d, want %d", what, a.status, status)
		}
		return a
	}

	cli("first analyst password\n", "user", "add", "analyst", "--password-stdin")
	first, second := basicHeader("analyst", "first analyst password"), basicHeader("analyst", "second analyst password")
	want("the first password", first, 200)
	want("the first password, remembered", first, 200)
	cli("second analyst password\n", "user", "passwd", "analyst", "--password-stdin")
	want("the first password once changed", first, 401)
	want("the second password", second, 200)

	tok, stderr := cli("", "user", "token", "analyst", "--label", "e2e")
	bearer := "Bearer " + strings.TrimSpace(tok)
	want("the token", bearer, 200)
	list, _ := cli("", "user", "token", "list", "analyst")
	if !strings.Contains(list, "e2e") || strings.Contains(list, "rmp_") {
		t.Errorf("token list:\n%s", list)
	}
	if id := list[strings.Index(list, "\n")+1:][:12]; !strings.Contains(stderr, "ID "+id) {
		t.Errorf("the ID listed (%s) is not the one given at creation (%s)", id, stderr)
	}
	cli("", "user", "token", "revoke", "analyst", "e2e")
	want("the token once revoked", bearer, 401)

	// Guesses from another address are limited, and lock nobody out.
	guesser := loginClient("127.0.0.7", 4)
	var last loginAnswer
	for i := range 6 {
		a, err := tryLogin(guesser, proc.base, basicHeader("analyst", "guess "+string(rune('a'+i))))
		if err != nil {
			t.Fatal(err)
		}
		last = a
	}
	if last.status != 429 || last.retryAfter == "" {
		t.Errorf("the sixth guess at one account from one address: %d, Retry-After %q; want 429 with Retry-After", last.status, last.retryAfter)
	}
	want("the user at its own address during the guessing", second, 200)

	cli("", "user", "delete", "analyst")
	want("the password of a deleted account", second, 401)
}
