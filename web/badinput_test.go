package web

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/stix"
)

// TestBadURLs checks that URLs no store can be asked about are a 400, and
// any method on an unknown path a 404, never an internal error or a 405
// that sends the client to GET.
func TestBadURLs(t *testing.T) {
	n := newNode(t)
	for _, tt := range []struct {
		method, path string
		status       int
		words        string
	}{
		{"GET", "/api/v1/incidents/%00", 400, "request path"},
		{"GET", "/api/v1/incidents/%FF", 400, "request path"},
		{"GET", "/api/v1/alerts/%00", 400, "request path"},
		{"GET", "/api/v1/statements/%00", 400, "request path"},
		{"POST", "/api/v1/incidents/%00/timeline", 400, "request path"},
		{"GET", "/api/v1/alerts?member_state=%FF", 400, "query parameter member_state"},
		{"GET", "/api/v1/incidents?overdue=%zz", 400, "malformed query string"},
		{"POST", "/api/v1/observations?collection=%00", 400, "query parameter collection"},
		{"POST", "/api/v1/nowhere", 404, "no API endpoint"},
		{"DELETE", "/api/v1/nowhere/else", 404, "no API endpoint"},
	} {
		a := n.do("admin", tt.method, tt.path, "")
		if a.status != tt.status || !strings.Contains(a.body, tt.words) {
			t.Errorf("%s %s: %d %s, want %d with %q", tt.method, tt.path, a.status, a.body, tt.status, tt.words)
		}
	}
}

// failingObjects is a store whose writes fail.
type failingObjects struct{ rampart.ObjectService }

func (failingObjects) CreateObjects(context.Context, string, []*stix.Object) ([]rampart.ObjectResult, error) {
	return nil, errors.New("disk full at /var/lib/rampart")
}

// TestObservationStoreFailure checks that a store that fails while the
// sightings of an upload are stored is an internal error (500, the cause
// in the log only), not a 400 that blames the upload and shows the
// store's words.
func TestObservationStoreFailure(t *testing.T) {
	n := newNode(t)
	m := match.New()
	ind, err := stix.ParseObject([]byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[domain-name:value = 'evil.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`))
	must(t, err)
	must(t, m.AddObjects([]*stix.Object{ind}))
	n.api.Matcher, n.api.SightingsCollection = m, n.coordID
	line := `{"ts":"2026-03-10T10:00:00Z","domain-name:value":"evil.example"}` + "\n"
	n.want(n.do("analyst", "POST", "/api/v1/observations", line), 200, `"sightings":1`)

	n.api.Objects = failingObjects{n.api.Objects}
	a := n.do("analyst", "POST", "/api/v1/observations", line)
	n.want(a, 500, "internal error")
	if strings.Contains(a.body, "disk full") {
		t.Errorf("the store's error reached the client: %s", a.body)
	}
}
