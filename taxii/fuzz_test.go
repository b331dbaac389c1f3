package taxii_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	json "encoding/json/v2"

	"github.com/rampart-cti/rampart/taxii"
)

// FuzzServerRequest sends the server requests with arbitrary paths,
// queries (filters, cursors), Accept and Content-Type headers and bodies:
// every answer must be a TAXII resource with the TAXII media type and a
// status below 500, whatever the input.
func FuzzServerRequest(f *testing.F) {
	hs := newHookServer(f, func(*taxii.Server) {}, hookObject(f, 1, "one"), hookObject(f, 2, "two"))
	objs := "/api/collections/" + hs.coll + "/objects/"
	note := string(hookObject(f, 3, "three").Raw)
	for _, s := range []struct{ method, target, accept, ctype, body string }{
		{"GET", "/taxii2/", taxii.MediaTypeTAXII, "", ""},
		{"GET", objs + "?limit=1&match[type]=note&added_after=2026-01-01T00:00:00Z", taxii.MediaTypeTAXII, "", ""},
		{"GET", objs + "?next=AQAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "application/*;q=0.5", "", ""},
		{"GET", objs + "note--00000001-0000-4000-8000-000000000000/versions/?match[spec_version]=2.1", "*/*", "", ""},
		{"GET", "/api/collections/" + hs.coll + "/manifest/?match[version]=first,last", "", "", ""},
		{"POST", objs, taxii.MediaTypeTAXII, taxii.MediaTypeTAXII, `{"objects":[` + note + `]}`},
		{"POST", objs, taxii.MediaTypeTAXII, "application/taxii+json", `{"objects":[1,{"type":"x"}]}`},
		{"DELETE", objs + "note--00000002-0000-4000-8000-000000000000/?match[version]=all", taxii.MediaTypeTAXII, "", ""},
		{"GET", "/api/status/00000000-0000-4000-8000-000000000000/", taxii.MediaTypeTAXII, "", ""},
	} {
		f.Add(s.method, s.target, s.accept, s.ctype, s.body)
	}
	h := hs.srv.Handler()
	f.Fuzz(func(t *testing.T, method, target, accept, ctype, body string) {
		switch method {
		case "GET", "HEAD", "POST", "DELETE", "PUT":
		default:
			method = "GET"
		}
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \t\r\n#") {
			return // not a request target a client can send
		}
		req, err := http.NewRequest(method, "http://node"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		req.SetBasicAuth("admin", testPassword)
		req.Header.Set("Accept", accept)
		req.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body)
		}
		if w.Code/100 == 3 {
			return // the redirect that adds a trailing slash
		}
		if ct := w.Header().Get("Content-Type"); ct != taxii.MediaTypeTAXII {
			t.Fatalf("%s %s: %d with Content-Type %q", method, target, w.Code, ct)
		}
		if w.Body.Len() > 0 && method != "HEAD" {
			var v map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
				t.Fatalf("%s %s: %d, not a JSON object: %s", method, target, w.Code, w.Body)
			}
			if w.Code >= 400 && v["title"] == nil {
				t.Fatalf("%s %s: %d without an error resource: %s", method, target, w.Code, w.Body)
			}
		}
	})
}
