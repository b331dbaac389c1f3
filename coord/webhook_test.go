package coord

import (
	json "encoding/json/v2"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testSecret = "0123456789abcdef-webhook-secret"

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
		if err := VerifyWebhook([]byte(testSecret), req.Header, body, time.Now(), 5*time.Minute); err != nil {
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
	n := &Notifier{Hooks: []Webhook{{flaky.srv.URL, testSecret}, {refusing.srv.URL, testSecret}}, Backoff: time.Millisecond}
	if err := n.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	a := &Alert{ID: derivedID(AlertType, "x"), Name: "test", Rule: RuleSameIndicator, Severity: SeverityLow, Created: t0, Modified: t0}
	o, err := a.Object()
	if err != nil {
		t.Fatal(err)
	}
	n.Notify(EventAlertRaised, o)

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

func TestVerifyWebhook(t *testing.T) {
	body := []byte(`{"event":"alert.raised"}`)
	now := time.Unix(1_800_000_000, 0)
	h := http.Header{}
	h.Set(HeaderTimestamp, "1800000000")
	h.Set(HeaderSignature, SignWebhook([]byte(testSecret), "1800000000", body))
	if err := VerifyWebhook([]byte(testSecret), h, body, now, time.Minute); err != nil {
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
		err := VerifyWebhook([]byte(tt.secret), h, []byte(tt.body), tt.now, time.Minute)
		if !errors.Is(err, ErrWebhookSignature) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestWebhookValidate(t *testing.T) {
	tests := []struct {
		h    Webhook
		want string
	}{
		{Webhook{"https://soc.example/hook", testSecret}, ""},
		{Webhook{"http://127.0.0.1:9000/hook", testSecret}, ""},
		{Webhook{"http://soc.example/hook", testSecret}, "plain http is allowed to loopback addresses only"},
		{Webhook{"ftp://soc.example/hook", testSecret}, "the URL must be https://"},
		{Webhook{"https://soc.example/hook", "short"}, "at least 16 bytes"},
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

func TestEarlyWarningPushesAlerts(t *testing.T) {
	rcv := newReceiver(t)
	n := &Notifier{Hooks: []Webhook{{rcv.srv.URL, testSecret}}, Backoff: time.Millisecond}
	if err := n.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	store := newMemStore(alertColl, "feed")
	now := t0.Add(time.Hour)
	e := NewEarlyWarning()
	e.Objects, e.Collections, e.CollectionID, e.Notifier = store, store, alertColl, n
	e.Now = func() time.Time { return now }
	if err := e.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	w := &world{t: t}
	fr, de, it := w.org("CERT-FR", "FR"), w.org("CERT-Bund", "DE"), w.org("CSIRT Italia", "IT")
	ind := w.indicator("c2", "[ipv4-addr:value = '198.51.100.7']")
	w.sight(ind, fr, t0)
	w.sight(ind, de, t0.Add(time.Hour))
	feed(t, store, e, w.take())
	if rec := rcv.wait(); rec.event != EventAlertRaised || !strings.Contains(string(rec.body), ind) {
		t.Errorf("first delivery: %s %s", rec.event, rec.body)
	}
	w.sight(ind, it, t0.Add(2*time.Hour))
	feed(t, store, e, w.take())
	if rec := rcv.wait(); rec.event != EventAlertUpdated || !strings.Contains(string(rec.body), `"IT"`) {
		t.Errorf("second delivery: %s %s", rec.event, rec.body)
	}
}

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
