package webhook

import (
	"context"
	json "encoding/json/v2"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

const testSecret = "0123456789abcdef-webhook-secret"

var ctx = context.Background()

// alertObject returns an x-rampart-alert object to deliver.
func alertObject(t *testing.T) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject([]byte(`{"type":"x-rampart-alert","spec_version":"2.1","id":"x-rampart-alert--00000001-0000-4000-8000-00000000000f",` +
		`"created":"2026-11-02T08:00:00.000Z","modified":"2026-11-02T08:00:00.000Z","name":"test","rule":"same-indicator","severity_level":"low","severity_score":0}`))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// receiver is a webhook endpoint on 127.0.0.1:0 that checks every
// delivery's signature and answers with the statuses it is given, then
// 204.
type receiver struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []received
	ch       chan received
}

type received struct {
	event, delivery string
	body            []byte
	status          int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{t: t, statuses: statuses, ch: make(chan received, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := Verify([]byte(testSecret), req.Header, body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("delivery does not verify: %v", err)
		}
		r.mu.Lock()
		status := http.StatusNoContent
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		rec := received{req.Header.Get(HeaderEvent), req.Header.Get(HeaderDelivery), body, status}
		r.got = append(r.got, rec)
		r.mu.Unlock()
		w.WriteHeader(status)
		r.ch <- rec
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// wait returns the next delivery attempt.
func (r *receiver) wait() received {
	r.t.Helper()
	select {
	case rec := <-r.ch:
		return rec
	case <-time.After(60 * time.Second):
		r.t.Fatal("no webhook delivery arrived")
		return received{}
	}
}

func TestNotifierRetriesAndSigns(t *testing.T) {
	flaky := newReceiver(t, 500, 503)
	refusing := newReceiver(t, 400)
	n := &Notifier{Hooks: []Hook{{flaky.srv.URL, testSecret}, {refusing.srv.URL, testSecret}}, Backoff: time.Millisecond}
	if err := n.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	a := alertObject(t)
	n.Notify(EventAlertRaised, a)

	// The flaky receiver gets three attempts of the same delivery.
	var ids []string
	for range 3 {
		rec := flaky.wait()
		ids = append(ids, rec.delivery)
		if rec.event != EventAlertRaised {
			t.Errorf("event = %q", rec.event)
		}
		var body struct {
			Event string         `json:"event"`
			Alert map[string]any `json:"alert"`
		}
		if err := json.Unmarshal(rec.body, &body); err != nil || body.Alert["id"] != a.ID {
			t.Errorf("body %s: %v", rec.body, err)
		}
	}
	if ids[0] == "" || ids[0] != ids[1] || ids[1] != ids[2] {
		t.Errorf("retries must keep the delivery id: %v", ids)
	}
	// The refusing receiver gets exactly one: 400 is final.
	if rec := refusing.wait(); rec.status != 400 {
		t.Errorf("status %d", rec.status)
	}
	waitFor(t, func() bool { s := n.Stats(); return s.Delivered+s.Failed == 2 })
	if s := n.Stats(); s.Delivered != 1 || s.Failed != 1 {
		t.Errorf("stats %+v, want 1 delivered and 1 failed", s)
	}
	refusing.mu.Lock()
	if len(refusing.got) != 1 {
		t.Errorf("a final 400 was retried: %d attempts", len(refusing.got))
	}
	refusing.mu.Unlock()
}

func TestVerify(t *testing.T) {
	body := []byte(`{"event":"alert.raised"}`)
	now := time.Unix(1_800_000_000, 0)
	h := http.Header{}
	h.Set(HeaderTimestamp, "1800000000")
	h.Set(HeaderSignature, Sign([]byte(testSecret), "1800000000", body))
	if err := Verify([]byte(testSecret), h, body, now, time.Minute); err != nil {
		t.Fatalf("valid delivery: %v", err)
	}
	tests := []struct {
		name   string
		secret string
		body   string
		now    time.Time
		want   string
	}{
		{"other secret", "another-secret-of-16+", string(body), now, "no v1 signature matches"},
		{"changed body", testSecret, `{"event":"alert.updated"}`, now, "no v1 signature matches"},
		{"replayed later", testSecret, string(body), now.Add(time.Hour), "away from now"},
	}
	for _, tt := range tests {
		err := Verify([]byte(tt.secret), h, []byte(tt.body), tt.now, time.Minute)
		if !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestHookValidate(t *testing.T) {
	tests := []struct {
		h    Hook
		want string
	}{
		{Hook{"https://soc.example/hook", testSecret}, ""},
		{Hook{"http://127.0.0.1:9000/hook", testSecret}, ""},
		{Hook{"http://soc.example/hook", testSecret}, "plain http is allowed to loopback addresses only"},
		{Hook{"ftp://soc.example/hook", testSecret}, "the URL must be https://"},
		{Hook{"https://soc.example/hook", "short"}, "at least 16 bytes"},
	}
	for _, tt := range tests {
		err := tt.h.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.h.URL, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), tt.h.Secret) {
			t.Errorf("error reveals the secret: %v", err)
		}
	}
}

// TestWebhookDoesNotFollowRedirects: a delivery stays at the configured
// URL (regression: the client followed redirects, and a 307 or 308 sent
// the signed alert on to wherever the receiver pointed, plain http to
// another host included).
func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	var elsewhere atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer target.Close()
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/stolen", status)
		}))
		n := &Notifier{Hooks: []Hook{{redirect.URL, testSecret}}, Attempts: 1}
		if err := n.Open(ctx); err != nil {
			t.Fatal(err)
		}
		err := n.Deliver(ctx, n.Hooks[0], "d1", EventAlertRaised, []byte(`{"alert":"red"}`))
		n.Close()
		redirect.Close()
		if err == nil || !strings.Contains(err.Error(), "redirect") {
			t.Errorf("%d: delivery error %v, want a refused redirect", status, err)
		}
	}
	if k := elsewhere.Load(); k != 0 {
		t.Errorf("the redirect target received %d deliveries", k)
	}
}

// TestWebhookURLNotLogged: a webhook URL's secret parts (user
// information, path token, query) appear in no log line and no error
// (regression: they were logged in full on every failed delivery).
func TestWebhookURLNotLogged(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	// Nothing listens on port 1: the delivery fails with a network error.
	url := "https://user:pa55word@127.0.0.1:1/services/T000/B000/XyZsecretToken?token=qs-secret"
	n := &Notifier{Hooks: []Hook{{url, testSecret}}, Attempts: 1, Logger: logger}
	if err := n.Open(ctx); err != nil {
		t.Fatal(err)
	}
	n.Notify(EventAlertRaised, alertObject(t))
	waitFor(t, func() bool { return n.Stats().Failed == 1 })
	n.Close()
	bad := Hook{URL: "http://198.51.100.1/hook/XyZsecretToken?token=qs-secret", Secret: testSecret}
	verr := bad.Validate()
	mu.Lock()
	text := logs.String() + "\n" + verr.Error()
	mu.Unlock()
	for _, secret := range []string{"pa55word", "XyZsecretToken", "qs-secret", testSecret} {
		if strings.Contains(text, secret) {
			t.Errorf("%q appears in:\n%s", secret, text)
		}
	}
	if !strings.Contains(text, "https://127.0.0.1:1/…") {
		t.Errorf("the log does not say which webhook failed:\n%s", text)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// waitFor waits until cond holds, for work done in the background.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A webhook's ID tells webhooks apart without revealing the URL or the
// secret.
func TestHookID(t *testing.T) {
	a := Hook{URL: "https://soc.example/hook?token=abc123", Secret: testSecret}
	b := Hook{URL: "https://soc.example/hook?token=def456", Secret: testSecret}
	if len(a.ID()) != 12 || a.ID() == b.ID() {
		t.Errorf("IDs %q and %q: want 12 hex digits, different for different URLs", a.ID(), b.ID())
	}
	if a.ID() != (Hook{URL: a.URL, Secret: "another secret of some length"}).ID() {
		t.Errorf("the ID depends on the secret")
	}
	if strings.Contains(a.ID(), "abc123") {
		t.Errorf("the ID %q shows the URL", a.ID())
	}
}
