package endpoint

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
)

func TestMethods(t *testing.T) {
	m := NewMethods(map[string]string{"GET": "get", "POST": "post"})
	tests := []struct {
		method, want, allow string
		status              int
	}{
		{"GET", "get", "", 0},
		{"HEAD", "get", "", 0},
		{"POST", "post", "", 0},
		{"DELETE", "", "GET, POST", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h, err := m.Find(w, httptest.NewRequest(tt.method, "/", nil))
		if h != tt.want {
			t.Errorf("%s: handler %q, want %q", tt.method, h, tt.want)
		}
		if got := w.Header().Get("Allow"); got != tt.allow {
			t.Errorf("%s: Allow %q, want %q", tt.method, got, tt.allow)
		}
		var se *StatusError
		if got := 0; errors.As(err, &se) {
			got = se.Status
			if got != tt.status || !strings.Contains(se.Message, "use GET or POST") {
				t.Errorf("%s: %v (status %d), want status %d naming the methods", tt.method, err, got, tt.status)
			}
		} else if tt.status != 0 || err != nil {
			t.Errorf("%s: error %v, want status %d", tt.method, err, tt.status)
		}
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url  string
		want string // "" for accepted, else words of the EINVALID message
	}{
		{"/cti/collections/abc/objects/?match[type]=indicator&limit=10", ""},
		{"/api/v1/incidents/incident--%C3%A9t%C3%A9", ""},
		{"/cti/collections/%00/", "request path"},
		{"/cti/collections/%FF/", "request path"},
		{"/cti/status/%C2%85/", "request path"}, // C1 control (NEL)
		{"/cti/?limit=%zz", "malformed query string"},
		{"/cti/?match[id]=%00", "query parameter match[id]"},
		{"/cti/?match%5Bid%FF%5D=x", "query parameter name"},
		{"/cti/?match[type]=%FE", "query parameter match[type]"},
	}
	for _, tt := range tests {
		err := CheckURL(httptest.NewRequest("GET", tt.url, nil))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v, want it accepted", tt.url, err)
		case tt.want != "" && (rampart.ErrorCode(err) != rampart.EINVALID || !strings.Contains(rampart.ErrorMessage(err), tt.want)):
			t.Errorf("%s: %v, want EINVALID with %q", tt.url, err, tt.want)
		}
	}
}

func TestRecover(t *testing.T) {
	r := httptest.NewRequest("GET", "/x/", nil)
	var got error
	func() {
		defer Recover(r, func(err error) { got = err })
		panic("boom")
	}()
	if got == nil || got.Error() != "panic serving GET /x/: boom" {
		t.Errorf("reported %v", got)
	}

	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler raised again", v)
		}
	}()
	func() {
		defer Recover(r, func(err error) { t.Errorf("ErrAbortHandler reported as %v", err) })
		panic(http.ErrAbortHandler)
	}()
}
