package web

import (
	json "encoding/json/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzAPIRequest sends the JSON API requests with arbitrary methods,
// paths, queries and bodies: every answer must be JSON with a status
// below 500, and every error answer an {"error": …} object.
func FuzzAPIRequest(f *testing.F) {
	n := newNode(f)
	for _, s := range []struct{ method, target, body string }{
		{"GET", "/api/v1/", ""},
		{"GET", "/api/v1/incidents?overdue=true&member_state=FR", ""},
		{"POST", "/api/v1/incidents", `{"name":"Wiper","detected":"2026-03-10T09:30:00Z","affected_member_states":["FR","DE"],"eu_alert_level":"high"}`},
		{"PATCH", "/api/v1/incidents/incident--00000000-0000-4000-8000-000000000000", `{"investigation_status":"open"}`},
		{"POST", "/api/v1/incidents/incident--00000000-0000-4000-8000-000000000000/reports", `{"kind":"early-warning"}`},
		{"GET", "/api/v1/alerts?severity=high&since=2026-01-01T00:00:00Z", ""},
		{"PUT", "/api/v1/watchlists/fr", `{"member_state":"FR","networks":["192.0.2.0/24"],"domains":["gouv.example"]}`},
		{"DELETE", "/api/v1/watchlists/fr", ""},
		{"GET", "/api/v1/statements/x-rampart-statement--00000000-0000-4000-8000-000000000000", ""},
		{"POST", "/api/v1/attribution", `{"techniques":["T1566.001"],"software":["S0154"],"limit":3}`},
		{"POST", "/api/v1/observations?format=jsonl", "{\"domain-name:value\":\"evil.example\"}\n"},
	} {
		f.Add(s.method, s.target, s.body)
	}
	h := n.api.Handler()
	f.Fuzz(func(t *testing.T, method, target, body string) {
		switch method {
		case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE":
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
		req.SetBasicAuth("admin", password)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 && w.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body)
		}
		if w.Code/100 == 3 {
			return // ServeMux cleaning the path
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s %s: %d with Content-Type %q", method, target, w.Code, ct)
		}
		if method == "HEAD" {
			return
		}
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %s: %d, not a JSON object: %s", method, target, w.Code, w.Body)
		}
		if w.Code >= 400 && v["error"] == nil {
			t.Fatalf("%s %s: %d without an error object: %s", method, target, w.Code, w.Body)
		}
	})
}
