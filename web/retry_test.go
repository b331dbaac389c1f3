package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
)

// TestErrorRetryAfter: a login refused for too many failures is a 429
// with Retry-After and the code "too_many".
func TestErrorRetryAfter(t *testing.T) {
	w := httptest.NewRecorder()
	err := &rampart.Error{Code: rampart.ETOOMANY, Message: "too many failed logins from 192.0.2.1", RetryAfter: time.Minute}
	NewServer().writeError(w, httptest.NewRequest("GET", "/api/v1/incidents", nil), err)
	if w.Code != 429 || w.Header().Get("Retry-After") != "60" || !strings.Contains(w.Body.String(), `"code":"too_many"`) {
		t.Errorf("answer %d, Retry-After %q, %s; want 429, \"60\" and the code too_many", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
}
