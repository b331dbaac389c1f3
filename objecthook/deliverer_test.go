package objecthook

import (
	"context"
	json "encoding/json/v2"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/webhook"
	"github.com/rampart-cti/rampart/internal/settingstest"
	"github.com/rampart-cti/rampart/stix"
)

const secret = "a-secret-of-sixteen-bytes-or-more"

// receiver records the deliveries it accepts; it refuses the first fail
// requests with 503.
type receiver struct {
	mu       sync.Mutex
	fail     int
	requests int
	ids      []string // X-Rampart-Delivery of each accepted delivery
	seqs     []uint64
	objects  []string // ids of the objects received, in order
	badSig   int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if err := webhook.Verify([]byte(secret), r.Header, body, time.Now(), time.Minute); err != nil || r.Header.Get(webhook.HeaderEvent) != Event {
		rc.badSig++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if rc.fail > 0 {
		rc.fail--
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var d Delivery
	if err := json.Unmarshal(body, &d); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.ids = append(rc.ids, r.Header.Get(webhook.HeaderDelivery))
	for _, o := range d.Objects {
		var head struct {
			ID string `json:"id"`
		}
		json.Unmarshal(o.Object, &head)
		rc.objects = append(rc.objects, head.ID)
		rc.seqs = append(rc.seqs, o.Seq)
	}
}

func (rc *receiver) received() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.objects)
}

// releaseAs lets account "analyst" read collection "c1" but nothing
// marked TLP:RED; any other account reads nothing.
func releaseAs(_ context.Context, account string, vs []*rampart.StreamedObject) ([]*rampart.StreamedObject, error) {
	if account != "analyst" {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no account %q", account)
	}
	var out []*rampart.StreamedObject
	for _, v := range vs {
		if v.CollectionID == "c1" && stix.StrictestTLP(v.Object) != stix.TLPRed {
			out = append(out, v)
		}
	}
	return out, nil
}

func idOf(t *testing.T, raw string) string {
	o, err := stix.ParseObject([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startDeliverer(t *testing.T, stream rampart.ObjectStream, settings rampart.SettingService) (*Deliverer, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	d := &Deliverer{Stream: stream, Settings: settings, Release: releaseAs, Wait: 100 * time.Millisecond, Reload: 50 * time.Millisecond,
		Notifier: &webhook.Notifier{Backoff: 10 * time.Millisecond, Attempts: 2}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			t.Error(err)
		}
	}()
	return d, func() { cancel(); <-done }
}

func TestDelivererReleasesFiltersAndResumes(t *testing.T) {
	ctx := context.Background()
	rc := &receiver{fail: 3}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	stream, settings := newMemStream(), settingstest.NewMemory()

	green := indicator(1, "[ipv4-addr:value = '198.51.100.1']", producerA, tlpGreen)
	red := indicator(2, "[ipv4-addr:value = '198.51.100.2']", producerA, tlpRed)
	otherColl := indicator(3, "[ipv4-addr:value = '198.51.100.3']", producerA, tlpGreen)
	report := `{"type":"report","spec_version":"2.1","id":"report--00000000-0000-4000-8000-000000000004","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","name":"r","published":"2026-01-01T00:00:00Z","object_refs":["indicator--00000000-0000-4000-8000-000000000001"]}`
	otherProducer := indicator(5, "[ipv4-addr:value = '198.51.100.5']", producerB, tlpGreen)
	stream.add(t, "c1", green, red)
	stream.add(t, "c2", otherColl)
	stream.add(t, "c1", report, otherProducer)

	h, err := New(srv.URL+"/hook", secret, "analyst", Filter{Types: []string{"indicator"}, Producers: []string{producerA}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(ctx, settings, h, 0); err != nil {
		t.Fatal(err)
	}
	d, stop := startDeliverer(t, stream, settings)
	// The receiver refuses the first three requests: the delivery is
	// retried, and the position does not move until it is taken.
	waitFor(t, "the first delivery", func() bool { return len(rc.received()) > 0 })
	if got, want := rc.received(), []string{idOf(t, green)}; !slices.Equal(got, want) {
		t.Fatalf("received %v, want %v (RED, another collection, a report and another producer's are not for this hook)", got, want)
	}
	waitFor(t, "the position to pass the batch", func() bool {
		p, _ := Position(ctx, settings, h.ID)
		return p == 5
	})
	if st := d.Statuses()[h.ID]; st.Delivered != 1 || st.Failures == 0 || st.Position != 5 {
		t.Errorf("status %+v, want 1 delivered, failures counted, position 5", st)
	}
	stop()

	// Written while no deliverer runs: delivered after the restart, and
	// nothing delivered before is sent again.
	late := indicator(6, "[domain-name:value = 'late.example']", producerA, "")
	stream.add(t, "c1", late)
	_, stop = startDeliverer(t, stream, settings)
	waitFor(t, "the delivery after the restart", func() bool { return len(rc.received()) == 2 })
	stop()
	if got, want := rc.received(), []string{idOf(t, green), idOf(t, late)}; !slices.Equal(got, want) {
		t.Fatalf("received %v, want %v", got, want)
	}
	if rc.badSig != 0 {
		t.Errorf("%d deliveries with a bad signature", rc.badSig)
	}
	rc.mu.Lock()
	ids := slices.Clone(rc.ids)
	rc.mu.Unlock()
	if len(ids) != 2 || ids[0] == ids[1] || ids[0] != h.ID+"-5" {
		t.Errorf("delivery ids %v, want two distinct ones, the first %s-5", ids, h.ID)
	}
}

func TestDelivererReplayAndRemove(t *testing.T) {
	ctx := context.Background()
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	stream, settings := newMemStream(), settingstest.NewMemory()
	for i := range 5 {
		stream.add(t, "c1", indicator(10+i, "[ipv4-addr:value = '192.0.2.1']", producerA, tlpGreen))
	}
	// Created after position 3: replays 4 and 5 only.
	h, err := New(srv.URL, secret, "analyst", Filter{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(ctx, settings, h, 3); err != nil {
		t.Fatal(err)
	}
	_, stop := startDeliverer(t, stream, settings)
	defer stop()
	waitFor(t, "the replay", func() bool { return len(rc.received()) == 2 })
	rc.mu.Lock()
	seqs := slices.Clone(rc.seqs)
	rc.mu.Unlock()
	if !slices.Equal(seqs, []uint64{4, 5}) {
		t.Fatalf("replayed positions %v, want [4 5]", seqs)
	}
	if err := Delete(ctx, settings, h.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the removed hook's reader to stop", func() bool {
		_, err := settings.FindSetting(ctx, positionSetting+h.ID)
		return rampart.ErrorCode(err) == rampart.ENOTFOUND
	})
	time.Sleep(200 * time.Millisecond) // a reload or two
	stream.add(t, "c1", indicator(20, "[ipv4-addr:value = '192.0.2.2']", producerA, tlpGreen))
	time.Sleep(300 * time.Millisecond)
	if n := len(rc.received()); n != 2 {
		t.Errorf("a removed hook received %d versions, want the 2 before", n)
	}
	if err := Delete(ctx, settings, h.ID); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("deleting it again: %v, want not found", err)
	}
}

func TestHookCheck(t *testing.T) {
	for _, tt := range []struct {
		url, secret, account string
		want                 string
	}{
		{"http://receiver.example/x", secret, "a", "plain http is allowed to loopback addresses only"},
		{"https://receiver.example/x", "short", "a", "at least 16 bytes"},
		{"https://receiver.example/x", secret, "", "no account"},
		{"ftp://receiver.example/x", secret, "a", "must be https"},
	} {
		_, err := New(tt.url, tt.secret, tt.account, Filter{}, time.Now())
		if err == nil || rampart.ErrorCode(err) != rampart.EINVALID || !contains(err.Error(), tt.want) || contains(err.Error(), secret) {
			t.Errorf("New(%q, …, %q) = %v, want EINVALID with %q and no secret", tt.url, tt.account, err, tt.want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
