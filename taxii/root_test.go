package taxii_test

import (
	"bufio"
	"context"
	json "encoding/json/v2"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/taxii"
)

// rootServer is a hook server with a second API root, "secret", that only
// the administrator and "insider" may know of; "reader" has a grant in
// "api" only, "nogrant" none at all.
func rootServer(t *testing.T) (*hookServer, string) {
	t.Helper()
	hs := newHookServer(t, func(s *taxii.Server) {
		s.BaseURL = "https://taxii.example.org/rampart"
		s.DefaultAPIRoot = "api"
	})
	ctx := context.Background()
	cs := hs.srv.Collections
	if err := cs.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "secret", Title: "Secret"}); err != nil {
		t.Fatal(err)
	}
	secret := &rampart.Collection{APIRoot: "secret", Title: "hidden"}
	if err := cs.CreateCollection(ctx, secret); err != nil {
		t.Fatal(err)
	}
	for name, grant := range map[string]*rampart.Grant{
		"reader":  {CollectionID: hs.coll, Read: true},
		"insider": {CollectionID: secret.ID}, // visible, no access
		"nogrant": nil,
	} {
		if err := hs.accounts.CreateAccount(ctx, &rampart.Account{Name: name}, testPassword); err != nil {
			t.Fatal(err)
		}
		if grant != nil {
			if err := hs.accounts.SetGrant(ctx, name, *grant); err != nil {
				t.Fatal(err)
			}
		}
	}
	return hs, secret.ID
}

func TestDiscoveryListsTheRootsAnAccountMayKnow(t *testing.T) {
	hs, _ := rootServer(t)
	tests := []struct {
		user  string
		roots []string
		def   string
	}{
		{"admin", []string{"https://taxii.example.org/rampart/api/", "https://taxii.example.org/rampart/secret/"}, "https://taxii.example.org/rampart/api/"},
		{"reader", []string{"https://taxii.example.org/rampart/api/"}, "https://taxii.example.org/rampart/api/"},
		{"insider", []string{"https://taxii.example.org/rampart/secret/"}, ""},
		{"nogrant", nil, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", hs.url+"/taxii2/", nil)
		req.SetBasicAuth(tt.user, testPassword)
		req.Host = "attacker.example" // never echoed
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", tt.user, resp.StatusCode, body)
		}
		var d taxii.Discovery
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.roots, d.APIRoots); diff != "" || d.Default != tt.def {
			t.Errorf("%s: api_roots (-want +got):\n%s default %q, want %q", tt.user, diff, d.Default, tt.def)
		}
		if strings.Contains(string(body), "attacker") {
			t.Errorf("%s: discovery echoes the Host header: %s", tt.user, body)
		}
	}
}

func TestDiscoveryWithoutBaseURLIsRelative(t *testing.T) {
	hs := newHookServer(t, func(s *taxii.Server) { s.DefaultAPIRoot = "api" })
	d, err := hs.client.Discovery(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(d.APIRoots, []string{"/api/"}) || d.Default != "/api/" {
		t.Errorf("discovery %+v, want the relative URL /api/", d)
	}
}

func TestRootWithoutGrantIsNotFound(t *testing.T) {
	hs, secret := rootServer(t)
	paths := []string{
		"/%s/", "/%s/collections/", "/%s/status/00000000-0000-4000-8000-000000000000/",
		"/%s/collections/" + secret + "/", "/%s/collections/" + secret + "/objects/",
	}
	for _, p := range paths {
		hidden := fmt.Sprintf(p, "secret")
		for _, user := range []string{"reader", "nogrant"} {
			got := hs.get(t, user, hidden, nil)
			missing := hs.get(t, user, fmt.Sprintf(p, "missing"), nil)
			if got.status != http.StatusNotFound {
				t.Errorf("%s as %s: %d, want 404", hidden, user, got.status)
			}
			// Word for word the answer for a root that does not exist.
			if want := strings.ReplaceAll(missing.body, "missing", "secret"); got.body != want {
				t.Errorf("%s as %s:\n%s\nwant, as for a root that does not exist:\n%s", hidden, user, got.body, want)
			}
		}
		if r := hs.get(t, "insider", hidden, nil); r.status == http.StatusNotFound && !strings.Contains(hidden, "status") {
			t.Errorf("%s as insider: 404, want the root visible to an account with a grant in it", hidden)
		}
	}
	if r := hs.get(t, "insider", "/secret/", nil); r.status != 200 {
		t.Errorf("GET /secret/ as insider: %d %s", r.status, r.body)
	}
	if r := hs.get(t, "reader", "/api/", nil); r.status != 200 {
		t.Errorf("GET /api/ as reader: %d %s", r.status, r.body)
	}
	// A POST to a hidden root, however large, is answered as for a
	// missing one: its limit would tell it exists.
	r := rawRequest(t, hs.url, "POST", "/secret/collections/"+secret+"/objects/", "reader", 70<<20)
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("POST of 70 MiB to a hidden root: %d, want 404", r.StatusCode)
	}
}

// rawRequest sends a request's headers with a Content-Length of declared
// bytes and no body, and returns the answer: a server that read the body
// before answering would never answer.
func rawRequest(t *testing.T, base, method, path, user string, declared int64) *http.Response {
	t.Helper()
	u, _ := url.Parse(base)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	req, _ := http.NewRequest(method, base+path, nil)
	req.Header.Set("Accept", taxii.MediaTypeTAXII)
	req.Header.Set("Content-Type", taxii.MediaTypeTAXII)
	if user != "" {
		req.SetBasicAuth(user, testPassword)
	}
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", method, path, u.Host, declared)
	req.Header.Write(c)
	io.WriteString(c, "\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("%s %s with %d bytes declared and none sent: %v (was the body waited for?)", method, path, declared, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// The connection ends: the body is not waited for.
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("%s %s: after the answer %v, want the connection closed", method, path, err)
	}
	return resp
}

func TestRefusedFromHeaders(t *testing.T) {
	hs := newHookServer(t, func(*taxii.Server) {})
	ctx := context.Background()
	if err := hs.accounts.CreateAccount(ctx, &rampart.Account{Name: "writer"}, testPassword); err != nil {
		t.Fatal(err)
	}
	if err := hs.accounts.SetGrant(ctx, "writer", rampart.Grant{CollectionID: hs.coll, Read: true, Write: true}); err != nil {
		t.Fatal(err)
	}
	objects := "/api/collections/" + hs.coll + "/objects/"
	tests := []struct {
		name, user string
		declared   int64
		status     int
	}{
		{"70 MiB declared, over max_content_length", "writer", 70 << 20, http.StatusRequestEntityTooLarge},
		{"no credentials", "", 70 << 20, http.StatusUnauthorized},
		{"wrong password", "nobody", 70 << 20, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rawRequest(t, hs.url, "POST", objects, tt.user, tt.declared)
			if r.StatusCode != tt.status || !r.Close {
				t.Errorf("status %d, closing %v; want %d and the connection closed", r.StatusCode, r.Close, tt.status)
			}
		})
	}
}
