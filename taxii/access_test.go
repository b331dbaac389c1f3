package taxii_test

import (
	"context"
	json "encoding/json/v2"
	"io"
	"net/http"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/taxii"
)

const testPassword = "correct horse battery staple"

// request sends an authenticated TAXII request and returns the status and
// the error resource's title ("" for other answers).
func (hs *hookServer) request(t *testing.T, user, method, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, hs.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, testPassword)
	req.Header.Set("Accept", taxii.MediaTypeTAXII)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != taxii.MediaTypeTAXII {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	var e taxii.ErrorResource
	if resp.StatusCode >= 400 {
		if err := json.Unmarshal(body, &e); err != nil || e.Title == "" {
			t.Errorf("%s %s: %d without an error resource: %s", method, path, resp.StatusCode, body)
		}
	}
	return resp.StatusCode, e.Title
}

// TestDeleteAccess checks TAXII 2.1 §5.7: DELETE answers 404 to an account
// that may neither read nor write the collection, even one the collection
// is visible to, and 403 to one that may do only one of them.
func TestDeleteAccess(t *testing.T) {
	note := hookObject(t, 1, "kept")
	hs := newHookServer(t, func(*taxii.Server) {}, note)
	ctx := context.Background()
	for _, u := range []struct {
		name        string
		read, write bool
		grant       bool
	}{
		{"visible", false, false, true},
		{"reader", true, false, true},
		{"writer", false, true, true},
		{"stranger", false, false, false},
	} {
		if err := hs.accounts.CreateAccount(ctx, &rampart.Account{Name: u.name}, testPassword); err != nil {
			t.Fatal(err)
		}
		if u.grant {
			if err := hs.accounts.SetGrant(ctx, u.name, rampart.Grant{CollectionID: hs.coll, Read: u.read, Write: u.write}); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := "/api/collections/" + hs.coll + "/objects/" + note.ID + "/"
	tests := []struct {
		user      string
		status    int
		title     string
		getStatus int
	}{
		{"visible", 404, "NotFound", 403},
		{"stranger", 404, "NotFound", 404},
		{"reader", 403, "Forbidden", 200},
		{"writer", 403, "Forbidden", 403},
	}
	for _, tt := range tests {
		if status, title := hs.request(t, tt.user, http.MethodDelete, path); status != tt.status || title != tt.title {
			t.Errorf("DELETE as %s: %d %q, want %d %q", tt.user, status, title, tt.status, tt.title)
		}
		if status, _ := hs.request(t, tt.user, http.MethodGet, path); status != tt.getStatus {
			t.Errorf("GET as %s: %d, want %d", tt.user, status, tt.getStatus)
		}
	}
	// Nothing above deleted the object.
	if status, _ := hs.request(t, "admin", http.MethodGet, path); status != 200 {
		t.Errorf("GET as admin after refused deletes: %d, want 200", status)
	}
}

// TestBadURLs checks that a URL no store can be asked about is a 400 with
// an error resource, never an internal error: PostgreSQL refuses NUL bytes
// and invalid UTF-8 in text, and a malformed query is TAXII's 400 (§3.4).
func TestBadURLs(t *testing.T) {
	hs := newHookServer(t, func(*taxii.Server) {}, hookObject(t, 1, "kept"))
	objs := "/api/collections/" + hs.coll + "/objects/"
	for _, path := range []string{
		"/api/collections/%00/",
		"/api/collections/%FF/objects/",
		"/%00/",
		"/api/status/%FF/",
		objs + "note--%00/",
		objs + "note--%FF/versions/",
		objs + "?match[id]=%00",
		objs + "?match[type]=%FF",
		objs + "?limit=%zz",
		"/api/collections/" + hs.coll + "/manifest/?match[id]=%FF",
	} {
		if status, title := hs.request(t, "admin", http.MethodGet, path); status != 400 || title != "ProcessingError" {
			t.Errorf("GET %s: %d %q, want 400 ProcessingError", path, status, title)
		}
	}
	if status, _ := hs.request(t, "admin", http.MethodDelete, objs+"note--%00/"); status != 400 {
		t.Errorf("DELETE with NUL in the id: %d, want 400", status)
	}
}
