package taxii_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/taxii"
)

// TestClientMaxResponseBytes checks that an answer larger than the
// client's limit is refused with ErrResponseTooLarge rather than read into
// memory, and that one within it is read.
func TestClientMaxResponseBytes(t *testing.T) {
	note := `{"type":"note","spec_version":"2.1","id":"note--00000001-0000-4000-8000-000000000000","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","content":"%s","object_refs":["identity--11111111-1111-4111-8111-111111111111"]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", taxii.MediaTypeTAXII)
		fmt.Fprintf(w, `{"more":false,"objects":[`+note+`]}`, strings.Repeat("x", 1<<20))
	}))
	defer srv.Close()
	ctx := context.Background()

	c := &taxii.Client{BaseURL: srv.URL, MaxResponseBytes: 1 << 19}
	if _, err := c.Objects(ctx, "api", "c", taxii.Query{}); !errors.Is(err, taxii.ErrResponseTooLarge) {
		t.Errorf("answer over the limit: %v, want ErrResponseTooLarge", err)
	}
	c.MaxResponseBytes = 2 << 20
	page, err := c.Objects(ctx, "api", "c", taxii.Query{})
	if err != nil || len(page.Objects) != 1 {
		t.Errorf("answer within the limit: %v", err)
	}
}
