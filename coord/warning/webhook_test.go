package warning

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/coord/webhook"
)

const testSecret = "0123456789abcdef-webhook-secret"

// TestEarlyWarningPushesAlerts: the engine hands every new alert version
// to its Notifier, the first as alert.raised and later ones as
// alert.updated.
func TestEarlyWarningPushesAlerts(t *testing.T) {
	type delivery struct {
		event string
		body  []byte
	}
	deliveries := make(chan delivery, 10)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]byte(testSecret), r.Header, body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("delivery does not verify: %v", err)
		}
		deliveries <- delivery{r.Header.Get(webhook.HeaderEvent), body}
	}))
	defer rcv.Close()
	next := func() delivery {
		t.Helper()
		select {
		case d := <-deliveries:
			return d
		case <-time.After(60 * time.Second):
			t.Fatal("no webhook delivery arrived")
			return delivery{}
		}
	}
	n := &webhook.Notifier{Hooks: []webhook.Hook{{URL: rcv.URL, Secret: testSecret}}, Backoff: time.Millisecond}
	if err := n.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	store := coordtest.NewStore(alertColl, "feed")
	now := t0.Add(time.Hour)
	e := NewEngine()
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
	if d := next(); d.event != webhook.EventAlertRaised || !strings.Contains(string(d.body), ind) {
		t.Errorf("first delivery: %s %s", d.event, d.body)
	}
	w.sight(ind, it, t0.Add(2*time.Hour))
	feed(t, store, e, w.take())
	if d := next(); d.event != webhook.EventAlertUpdated || !strings.Contains(string(d.body), `"IT"`) {
		t.Errorf("second delivery: %s %s", d.event, d.body)
	}
}
