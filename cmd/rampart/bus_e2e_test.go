package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// workerProcess is a running "rampart worker".
type workerProcess struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan error
}

// startWorker runs "rampart worker" and waits until it consumes.
func startWorker(t *testing.T, dataDir, natsURL string, env ...string) *workerProcess {
	t.Helper()
	cmd := exec.Command(rampartBinary(t), "worker", "--data", dataDir, "--nats", natsURL, "--report", "1s", "--log-format", "json")
	cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	buf := &lockedBuffer{}
	cmd.Stderr = io.MultiWriter(pw, buf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &workerProcess{cmd: cmd, stderr: buf, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); pw.Close() }()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "rampart: worker matching observation batches") {
				close(ready)
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case <-ready:
	case err := <-p.done:
		t.Fatalf("rampart worker exited: %v\n%s", err, buf.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("rampart worker did not start:\n%s", buf.String())
	}
	t.Cleanup(func() {
		if cmd.ProcessState != nil {
			return
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-p.done:
			if err != nil {
				t.Errorf("rampart worker exited with %v\n%s", err, buf.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Errorf("rampart worker did not stop on SIGTERM")
		}
	})
	return p
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// streamReader follows GET /api/v1/stream from a position.
type streamReader struct {
	tt   *taxiiTester
	next uint64
}

// until reads until an object for which ok is true arrives, or fails
// after a while; it returns every object read.
func (s *streamReader) until(what string, ok func(map[string]any) bool) []map[string]any {
	s.tt.t.Helper()
	var read []map[string]any
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		r := s.tt.get("/api/v1/stream", fmt.Sprintf("after=%d&wait=2s", s.next))
		s.tt.want(r, http.StatusOK)
		s.next = uint64(r.json["next"].(float64))
		for _, o := range r.objects() {
			obj := o["object"].(map[string]any)
			read = append(read, obj)
			if ok(obj) {
				return read
			}
		}
	}
	s.tt.t.Fatalf("stream: no %s within 60s (read %d objects)", what, len(read))
	return nil
}

// TestEndToEndBusWorkers runs serve with its embedded NATS and no worker
// of its own, and two "rampart worker" processes: an indicator posted
// after the workers started makes an observation posted to serve match,
// the sighting comes out of the object stream, a full queue answers 429
// with Retry-After, and a subscriber resumes after serve restarts from
// its last position, without gaps or repeats.
func TestEndToEndBusWorkers(t *testing.T) {
	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	busAddr := freeAddr(t)
	natsURL := "nats://" + busAddr
	// The indicators are valid from January: addresses that old have
	// decayed, unless the threshold is 0 (the end of the test sets it
	// back).
	noDecay(t, dir, env, true)
	proc := startNode(t, dir, env, "--bus", "embedded", "--bus-listen", busAddr, "--workers", "0", "--max-queued-batches", "3")
	tt := &taxiiTester{t: t, base: proc.base, user: "admin", pass: e2ePassword}
	r := tt.get("/cti/collections/", "")
	tt.want(r, 200)
	collID := r.json["collections"].([]any)[0].(map[string]any)["id"].(string)
	objs := "/cti/collections/" + collID + "/objects/"

	// With no worker running, the queue fills: the fourth upload is
	// refused with 429 and Retry-After.
	obs := func(ip string) io.Reader {
		return strings.NewReader(fmt.Sprintf(`{"ipv4-addr:value":%q,"first_observed":"2026-12-01T10:00:00Z"}`+"\n", ip))
	}
	for i := range 3 {
		tt.want(tt.do(http.MethodPost, "/api/v1/observations", "", obs(fmt.Sprintf("192.0.2.%d", i))), 202)
	}
	r = tt.do(http.MethodPost, "/api/v1/observations", "", obs("192.0.2.9"))
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("upload to a full queue: %d (Retry-After %q): %s", r.status, r.header.Get("Retry-After"), r.body)
	}

	// Two workers drain the queue (nothing matches yet).
	workers := []*workerProcess{startWorker(t, dir, natsURL), startWorker(t, dir, natsURL)}

	// An indicator stored after the workers loaded their matchers.
	tt.want(tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(indicatorJSON(7, "")))), 202)
	indID := "indicator--00000007-0000-4000-8000-000000000000"
	stream := &streamReader{tt: tt}
	stream.until("indicator", func(o map[string]any) bool { return o["id"] == indID })

	// An observation of its value, posted to serve, is matched by a
	// worker; its sighting is stored and comes out of the stream. The
	// workers learn of the indicator through the store, within a second
	// or so: post until one matches.
	var sighting map[string]any
	for attempt := 0; sighting == nil && attempt < 10; attempt++ {
		r = tt.do(http.MethodPost, "/api/v1/observations", "window=1h", obs("10.0.0.7"))
		if r.status == 429 {
			time.Sleep(time.Second)
			continue
		}
		tt.want(r, 202)
		deadline := time.Now().Add(3 * time.Second)
		for sighting == nil && time.Now().Before(deadline) {
			rr := tt.get("/api/v1/stream", fmt.Sprintf("after=%d&type=sighting&wait=1s", stream.next))
			tt.want(rr, 200)
			for _, o := range rr.objects() {
				if obj := o["object"].(map[string]any); obj["sighting_of_ref"] == indID {
					sighting = obj
				}
			}
		}
	}
	if sighting == nil {
		t.Fatalf("no sighting of %s in the stream", indID)
	}

	// The subscriber reads to the end and stops; serve restarts (its
	// NATS store in the data directory); what is stored after comes
	// from where the subscriber stopped, once.
	seen := map[string]bool{}
	for _, o := range stream.drain() {
		seen[o["id"].(string)+" "+fmt.Sprint(o["modified"])] = true
	}
	pos := stream.next
	proc.stop()
	proc = startNode(t, dir, env, "--bus", "embedded", "--bus-listen", busAddr, "--workers", "0")
	tt = &taxiiTester{t: t, base: proc.base, user: "admin", pass: e2ePassword}
	tt.want(tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(indicatorJSON(8, ""), indicatorJSON(9, "")))), 202)
	resumed := &streamReader{tt: tt, next: pos}
	got := resumed.until("indicator 9", func(o map[string]any) bool { return o["id"] == "indicator--00000009-0000-4000-8000-000000000000" })
	var ids []string
	for _, o := range got {
		ids = append(ids, o["id"].(string))
		if seen[o["id"].(string)+" "+fmt.Sprint(o["modified"])] {
			t.Errorf("after the restart, %s came again", o["id"])
		}
	}
	if want := "indicator--00000008-0000-4000-8000-000000000000 indicator--00000009-0000-4000-8000-000000000000"; strings.Join(ids, " ") != want {
		t.Errorf("after the restart the subscriber read %v, want %s", ids, want)
	}

	// The workers reconnected to the restarted server: an observation
	// of indicator 8 is matched.
	var matched bool
	for attempt := 0; !matched && attempt < 10; attempt++ {
		r = tt.do(http.MethodPost, "/api/v1/observations", "", obs("10.0.0.8"))
		if r.status != 202 {
			time.Sleep(time.Second)
			continue
		}
		deadline := time.Now().Add(5 * time.Second)
		for !matched && time.Now().Before(deadline) {
			rr := tt.get("/api/v1/stream", fmt.Sprintf("after=%d&type=sighting&wait=1s", resumed.next))
			tt.want(rr, 200)
			for _, o := range rr.objects() {
				matched = matched || o["object"].(map[string]any)["sighting_of_ref"] == "indicator--00000008-0000-4000-8000-000000000000"
			}
		}
	}
	if !matched {
		t.Errorf("no sighting of indicator 8 after serve restarted")
	}

	// Decay reaches the workers as it reaches serve: with the default
	// threshold back, indicator 9 (an address valid from January, never
	// sighted: 8's sighting above restarted its decay) is decayed, and an
	// upload naming its value and a fresh indicator's gives a sighting of
	// the fresh one only.
	if out, errs, code := runCLI(t, "", env, "lifecycle", "set", "--threshold", "20", "--data", dir); code != 0 {
		t.Fatalf("rampart lifecycle set: exit %d\n%s%s", code, out, errs)
	}
	for _, w := range workers {
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(w.stderr.String(), "lifecycle settings changed") && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if !strings.Contains(w.stderr.String(), "lifecycle settings changed") {
			t.Fatalf("a worker did not apply the new lifecycle settings:\n%s", w.stderr.String())
		}
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	freshID := "indicator--0000000f-0000-4000-8000-000000000000"
	fresh := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":"fresh","pattern":"[ipv4-addr:value = '10.9.9.9']","pattern_type":"stix","valid_from":%q}`, freshID, now, now, now)
	tt.want(tt.do(http.MethodPost, objs, "", strings.NewReader(envelope(fresh))), 202)
	both := func() io.Reader {
		return strings.NewReader(`{"ipv4-addr:value":"10.0.0.9","first_observed":"2026-12-01T11:00:00Z"}` + "\n" +
			`{"ipv4-addr:value":"10.9.9.9","first_observed":"2026-12-01T11:00:00Z"}` + "\n")
	}
	resumed.drain() // what came before: the sightings of indicator 8 above
	var sightedFresh, sightedDecayed bool
	for attempt := 0; !sightedFresh && attempt < 10; attempt++ {
		if r = tt.do(http.MethodPost, "/api/v1/observations", "window=1m", both()); r.status != 202 {
			time.Sleep(time.Second)
			continue
		}
		deadline := time.Now().Add(5 * time.Second)
		for !sightedFresh && time.Now().Before(deadline) {
			rr := tt.get("/api/v1/stream", fmt.Sprintf("after=%d&type=sighting&wait=1s", resumed.next))
			tt.want(rr, 200)
			resumed.next = uint64(rr.json["next"].(float64))
			for _, o := range rr.objects() {
				switch o["object"].(map[string]any)["sighting_of_ref"] {
				case freshID:
					sightedFresh = true
				case "indicator--00000009-0000-4000-8000-000000000000":
					sightedDecayed = true
				}
			}
		}
	}
	if !sightedFresh || sightedDecayed {
		t.Errorf("with indicator 9 decayed: fresh indicator sighted %v, decayed one sighted %v; want only the fresh one", sightedFresh, sightedDecayed)
	}
}

// drain reads until the stream has nothing more and returns what it read.
func (s *streamReader) drain() []map[string]any {
	s.tt.t.Helper()
	var read []map[string]any
	for range 1000 {
		r := s.tt.get("/api/v1/stream", fmt.Sprintf("after=%d&limit=1000", s.next))
		s.tt.want(r, http.StatusOK)
		next := uint64(r.json["next"].(float64))
		for _, o := range r.objects() {
			read = append(read, o["object"].(map[string]any))
		}
		if next == s.next {
			return read
		}
		s.next = next
	}
	s.tt.t.Fatal("stream: no end")
	return nil
}
