package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/bus"
	"github.com/rampart-cti/rampart/internal/pgtest"
)

// TestEndToEndReplicasAndWorkers runs one node as two "rampart serve"
// replicas and two "rampart worker" processes on one PostgreSQL database
// and one NATS server (embedded here, in the test, as an external NATS
// would run): an indicator posted to replica 1 makes an observation
// uploaded to replica 2 match in a worker, and the sighting is read back
// through replica 1's object stream.
func TestEndToEndReplicasAndWorkers(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	pgEnv := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword, "RAMPART_POSTGRES=" + pgtest.NewDatabase(t)}
	nats := &bus.Server{DataDir: p("nats"), Listen: freeAddr(t)}
	if err := nats.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nats.Close() })
	natsURL := "nats://" + nats.Listen

	if out, errs, code := runCLI(t, "", pgEnv, "init", "--data", p("r1")); code != 0 {
		t.Fatalf("rampart init: exit %d\n%s%s", code, out, errs)
	}
	if err := os.MkdirAll(p("r2"), 0o700); err != nil {
		t.Fatal(err)
	}
	r1 := startNode(t, p("r1"), pgEnv, "--nats", natsURL, "--workers", "0")
	r2 := startNode(t, p("r2"), pgEnv, "--nats", natsURL, "--workers", "0")
	startWorker(t, p("r1"), natsURL, pgEnv...)
	startWorker(t, p("r2"), natsURL, pgEnv...)
	t1 := &taxiiTester{t: t, base: r1.base, user: "admin", pass: e2ePassword}
	t2 := &taxiiTester{t: t, base: r2.base, user: "admin", pass: e2ePassword}

	r := t1.get("/cti/collections/", "")
	t1.want(r, 200)
	collID := r.json["collections"].([]any)[0].(map[string]any)["id"].(string)
	stream := &streamReader{tt: t1}
	stream.drain()

	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	indID := "indicator--5ca1ab1e-0000-4000-8000-000000000001"
	ind := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":"replicated","pattern":"[ipv4-addr:value = '198.51.100.77']","pattern_type":"stix","valid_from":%q}`, indID, now, now, now)
	t1.want(t1.do(http.MethodPost, "/cti/collections/"+collID+"/objects/", "", strings.NewReader(envelope(ind))), 202)

	// The workers learn of the indicator through PostgreSQL; upload
	// through replica 2 until one matches, and read the sighting back
	// through replica 1.
	var sighting map[string]any
	for attempt := 0; sighting == nil && attempt < 15; attempt++ {
		r = t2.do(http.MethodPost, "/api/v1/observations", "window=1h",
			strings.NewReader(`{"ipv4-addr:value":"198.51.100.77","first_observed":"2026-12-01T10:00:00Z"}`+"\n"))
		if r.status != 202 {
			t.Fatalf("upload through replica 2: %d %s", r.status, r.body)
		}
		// Long enough that an upload is matched before the next is sent:
		// the DELETE below must not meet a late sighting of this one.
		deadline := time.Now().Add(5 * time.Second)
		for sighting == nil && time.Now().Before(deadline) {
			rr := t1.get("/api/v1/stream", fmt.Sprintf("after=%d&type=sighting&wait=1s", stream.next))
			t1.want(rr, 200)
			for _, o := range rr.objects() {
				if obj := o["object"].(map[string]any); obj["sighting_of_ref"] == indID {
					sighting = obj
				}
			}
		}
	}
	if sighting == nil {
		t.Fatalf("no sighting of %s: an upload through replica 2 was not matched by the workers", indID)
	}

	// A DELETE through replica 2 stops the workers matching it: an
	// upload naming its value and a control indicator's gives a sighting
	// of the control only.
	t2.want(t2.do(http.MethodDelete, "/cti/collections/"+collID+"/objects/"+indID+"/", "", nil), 200)
	ctlID := "indicator--5ca1ab1e-0000-4000-8000-000000000002"
	ctl := strings.ReplaceAll(strings.ReplaceAll(ind, indID, ctlID), "198.51.100.77", "198.51.100.78")
	t1.want(t1.do(http.MethodPost, "/cti/collections/"+collID+"/objects/", "", strings.NewReader(envelope(ctl))), 202)
	stream.drain()
	var control, deleted bool
	for attempt := 0; !control && attempt < 15; attempt++ {
		r = t2.do(http.MethodPost, "/api/v1/observations", "window=1m",
			strings.NewReader(`{"ipv4-addr:value":"198.51.100.77","first_observed":"2026-12-01T11:00:00Z"}`+"\n"+
				`{"ipv4-addr:value":"198.51.100.78","first_observed":"2026-12-01T11:00:00Z"}`+"\n"))
		if r.status != 202 {
			t.Fatalf("upload through replica 2: %d %s", r.status, r.body)
		}
		deadline := time.Now().Add(2 * time.Second)
		for !control && time.Now().Before(deadline) {
			rr := t1.get("/api/v1/stream", fmt.Sprintf("after=%d&type=sighting&wait=1s", stream.next))
			t1.want(rr, 200)
			stream.next = uint64(rr.json["next"].(float64))
			for _, o := range rr.objects() {
				switch o["object"].(map[string]any)["sighting_of_ref"] {
				case ctlID:
					control = true
				case indID:
					deleted = true
				}
			}
		}
	}
	if !control || deleted {
		t.Errorf("after the DELETE: control sighted %v, deleted indicator sighted %v; want only the control", control, deleted)
	}
}
