package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord/webhook"
)

// hookReceiver records the objects of the stream webhook deliveries it
// takes, checking each signature.
type hookReceiver struct {
	secret string
	mu     sync.Mutex
	ids    []string
	bad    []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := webhook.Verify([]byte(h.secret), r.Header, body, time.Now(), time.Minute); err != nil {
		h.bad = append(h.bad, err.Error())
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var d struct {
		Objects []struct {
			Object struct {
				ID string `json:"id"`
			} `json:"object"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		h.bad = append(h.bad, err.Error())
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	for _, o := range d.Objects {
		h.ids = append(h.ids, o.Object.ID)
	}
}

func (h *hookReceiver) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.ids)
}

// TestEndToEndStreamWebhook: an administrator subscribes a webhook to the
// object stream for a partner organisation's account, with a filter
// (indicators naming some addresses); it receives exactly the versions
// that account may read that pass the filter, signed; after serve
// restarts, only what is new, once; removed, nothing more. Only
// administrators make and remove hooks; another account does not see it.
func TestEndToEndStreamWebhook(t *testing.T) {
	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	cli := func(stdin string, args ...string) {
		t.Helper()
		if out, errs, code := runCLI(t, stdin, env, append(args, "--data", dir)...); code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
	}
	cli("", "init")
	cli("", "org", "add", consolePartnerOrg, "--name", "Partner CSIRT", "--relation", "partner", "--country", "DE")
	cli("siem password 1\n", "user", "add", "siem", "--org", consolePartnerOrg, "--password-stdin")
	cli("", "user", "grant", "siem", "default", "--read")
	cli("other password 1\n", "user", "add", "other", "--password-stdin")
	cli("", "user", "grant", "other", "default", "--read")
	proc := startNode(t, dir, env, "--bus", "embedded")
	admin := &taxiiTester{t: t, base: proc.base, user: "admin", pass: e2ePassword}
	siem := &taxiiTester{t: t, base: proc.base, user: "siem", pass: "siem password 1"}
	other := &taxiiTester{t: t, base: proc.base, user: "other", pass: "other password 1"}
	r := admin.get("/cti/collections/", "")
	admin.want(r, 200)
	objs := "/cti/collections/" + r.json["collections"].([]any)[0].(map[string]any)["id"].(string) + "/objects/"

	rc := &hookReceiver{secret: "a-receiver-secret-of-32-bytes-ok"}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	// Indicators 1 and 2 name 10.0.0.1 and 10.0.0.2 (indicatorJSON). A
	// partner's account may not point the node at a URL of its choice;
	// an administrator makes the hook, for what siem may read.
	body := fmt.Sprintf(`{"url":%q,"secret":%q,"account":"siem","filter":{"types":["indicator"],"values":["10.0.0.1","10.0.0.2","10.0.0.4","10.0.0.6"]}}`, srv.URL+"/rampart", rc.secret)
	siem.want(siem.do(http.MethodPost, "/api/v1/stream/webhooks", "", strings.NewReader(body), "Content-Type", "application/json"), http.StatusForbidden)
	r = admin.do(http.MethodPost, "/api/v1/stream/webhooks", "", strings.NewReader(body), "Content-Type", "application/json")
	admin.want(r, http.StatusCreated)
	if strings.Contains(string(r.body), rc.secret) {
		t.Fatalf("the answer shows the secret: %s", r.body)
	}
	hookID, _ := r.json["id"].(string)
	if r.json["account"] != "siem" || hookID == "" {
		t.Fatalf("hook made: %s", r.body)
	}

	green := `,"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]`
	red := `,"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]`
	admin.want(admin.do(http.MethodPost, objs, "", strings.NewReader(envelope(
		indicatorJSON(1, green), // readable, named: delivered
		indicatorJSON(2, red),   // named, but TLP:RED: not for a partner
		indicatorJSON(3, green), // readable, not named
	))), 202)
	wantIDs := []string{"indicator--00000001-0000-4000-8000-000000000000"}
	waitFor(t, "the first delivery", time.Minute, func() bool { return len(rc.received()) >= 1 })
	// Later versions would have arrived by now with the first batch.
	time.Sleep(2 * time.Second)
	if got := rc.received(); !slices.Equal(got, wantIDs) {
		t.Fatalf("the webhook received %v, want %v", got, wantIDs)
	}

	// The account lists the hook that receives what it reads, with how it
	// goes; another account does not see it, and neither removes it.
	r = siem.get("/api/v1/stream/webhooks", "")
	siem.want(r, 200)
	if hooks := r.json["webhooks"].([]any); len(hooks) != 1 || strings.Contains(string(r.body), rc.secret) ||
		hooks[0].(map[string]any)["status"].(map[string]any)["delivered"].(float64) != 1 {
		t.Fatalf("siem's hooks: %s", r.body)
	}
	if !metricHas(t, proc, `rampart_stream_webhook_versions_total{outcome="delivered",webhook="`+hookID+`"} 1`) {
		t.Error("/metrics does not count the version delivered to the webhook")
	}
	r = other.get("/api/v1/stream/webhooks", "")
	other.want(r, 200)
	if len(r.json["webhooks"].([]any)) != 0 {
		t.Fatalf("another account sees: %s", r.body)
	}
	other.want(other.do(http.MethodDelete, "/api/v1/stream/webhooks/"+hookID, "", nil), 403)
	siem.want(siem.do(http.MethodDelete, "/api/v1/stream/webhooks/"+hookID, "", nil), 403)

	// Serve restarts: what comes after is delivered, and nothing twice.
	proc.stop()
	proc = startNode(t, dir, env, "--bus", "embedded")
	admin.base, siem.base = proc.base, proc.base
	admin.want(admin.do(http.MethodPost, objs, "", strings.NewReader(envelope(indicatorJSON(4, green)))), 202)
	wantIDs = append(wantIDs, "indicator--00000004-0000-4000-8000-000000000000")
	waitFor(t, "the delivery after the restart", time.Minute, func() bool { return len(rc.received()) >= 2 })
	time.Sleep(2 * time.Second)
	if got := rc.received(); !slices.Equal(got, wantIDs) {
		t.Fatalf("after the restart the webhook received %v, want %v", got, wantIDs)
	}

	// Removed: nothing more.
	admin.want(admin.do(http.MethodDelete, "/api/v1/stream/webhooks/"+hookID, "", nil), 204)
	time.Sleep(3 * time.Second) // the deliverer reads the hooks every 2 s
	admin.want(admin.do(http.MethodPost, objs, "", strings.NewReader(envelope(indicatorJSON(6, green)))), 202)
	time.Sleep(2 * time.Second)
	if got := rc.received(); len(got) != 2 {
		t.Errorf("a removed webhook received %v", got)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Errorf("deliveries that did not verify: %v", rc.bad)
	}
}
