package taxii_test

import (
	json "encoding/json/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/taxii"
)

// TestErrorRetryAfter: a login refused for too many failures is a 429, one
// the node had no time to check a 503, each with Retry-After and its
// TAXII error resource.
func TestErrorRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
		title  string
		retry  string
	}{
		{&rampart.Error{Code: rampart.ETOOMANY, Message: "too many failed logins from 192.0.2.1", RetryAfter: 30 * time.Second}, 429, "TooManyRequests", "30"},
		{&rampart.Error{Code: rampart.EUNAVAILABLE, Message: "the node is busy checking passwords", RetryAfter: 2 * time.Second}, 503, "ServiceUnavailable", "2"},
		{rampart.Errorf(rampart.EUNAUTHORIZED, "wrong user name or password"), 401, "Unauthorized", ""},
	} {
		w := httptest.NewRecorder()
		taxii.NewServer().WriteError(w, httptest.NewRequest("GET", "/taxii2/", nil), tt.err)
		var res taxii.ErrorResource
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		if w.Code != tt.status || w.Header().Get("Retry-After") != tt.retry || res.Title != tt.title || res.Description != rampart.ErrorMessage(tt.err) {
			t.Errorf("%v: %d, Retry-After %q, %+v; want %d, %q, title %q", tt.err, w.Code, w.Header().Get("Retry-After"), res, tt.status, tt.retry, tt.title)
		}
	}
}
