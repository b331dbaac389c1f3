package main

// Replicas are one node: two "rampart serve" processes on one PostgreSQL
// database, set up and driven with the documented commands and HTTP alone,
// behave as one node behind a load balancer (docs/DEPLOYMENT.md).

import (
	"bufio"
	"context"
	json "encoding/json/v2"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/bus"
	"github.com/rampart-cti/rampart/internal/pgtest"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

// replicaSync is the bound the issue sets for a write through one replica
// to reach the engines of every other: an acceptance bound, not a
// measurement (docs/PERFORMANCE.md has the measured figures).
const replicaSync = time.Second

// TestEndToEndReplicas runs CERT-FR's node as two replicas on one
// PostgreSQL, uploads matched in the request: a write through one reaches
// the other's matcher within a second, paging crosses replicas, and
// killing the federation lease holder moves the lease without losing a
// write or duplicating a pulled object.
func TestEndToEndReplicas(t *testing.T) { testEndToEndReplicas(t, false) }

// TestEndToEndReplicasAndWorkers is the same node with one NATS server
// (run by the test, as an external NATS would) and two "rampart worker"
// processes matching the uploads: an indicator posted to replica 1 makes
// an observation posted to replica 2 a second later match in a worker; a
// DELETE through replica 2 stops the workers matching uploads through
// replica 1; paging and the federation lease fail-over as above.
func TestEndToEndReplicasAndWorkers(t *testing.T) { testEndToEndReplicas(t, true) }

func testEndToEndReplicas(t *testing.T, workers bool) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	pgEnv := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword, "RAMPART_POSTGRES=" + pgtest.NewDatabase(t)}
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	run := func(env []string, args ...string) string {
		t.Helper()
		out, errs, code := runCLI(t, "", env, args...)
		if code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}

	// CERT-FR's node runs as two replicas on one PostgreSQL database; its
	// peer CERT-Bund runs one process on SQLite. Both are admitted to a
	// registry, and peer with each other.
	fr := strings.TrimSpace(run(pgEnv, "org", "init", "--name", "CERT-FR", "--country", "FR", "--data", p("fr1")))
	de := strings.TrimSpace(run(env, "org", "init", "--name", "CERT-Bund", "--country", "DE", "--data", p("de")))
	run(nil, "keys", "generate", "-o", p("a1.key"))
	run(nil, "keys", "generate", "-o", p("a2.key"))
	run(nil, "registry", "init", "--threshold", "2", "--authority", "a1="+p("a1.key.pub"), "--authority", "a2="+p("a2.key.pub"), p("registry.json"))
	run(nil, "registry", "add", "--org", fr, "--name", "CERT-FR", "--country", "FR", "--role", "national-csirt",
		"--keys", p("fr1/org.key.pub"), "--node", "https://"+freePort(t)+"/", p("registry.json"))
	run(nil, "registry", "add", "--org", de, "--name", "CERT-Bund", "--country", "DE", "--role", "national-csirt",
		"--keys", p("de/org.key.pub"), "--node", "https://"+freePort(t)+"/", p("registry.json"))
	run(nil, "registry", "sign", "--key", p("a1.key"), p("registry.json"))
	run(nil, "registry", "sign", "--key", p("a2.key"), p("registry.json"))
	reg := mustRead(t, p("registry.json"))
	for _, name := range []string{"fr1", "fr2", "de"} {
		if err := os.WriteFile(p(name+"-registry.json"), reg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(pgEnv, "peer", "add", "--org", de, "--registry", p("registry.json"), "--data", p("fr1"))
	run(env, "peer", "add", "--org", fr, "--registry", p("registry.json"), "--data", p("de"))

	// Replica 1 listens on the node link the registry names; replica 2,
	// on the same machine, elsewhere, with a copy of the keys.
	if err := os.MkdirAll(p("fr2"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p("fr2/org.key"), mustRead(t, p("fr1/org.key")), 0o600); err != nil {
		t.Fatal(err)
	}
	var natsURL string
	var busArgs []string
	if workers {
		nats := &bus.Server{DataDir: p("nats"), Listen: freeAddr(t)}
		if err := nats.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nats.Close() })
		natsURL = "nats://" + nats.Listen
		busArgs = []string{"--nats", natsURL, "--workers", "0"}
	}
	r1 := startNode(t, p("fr1"), pgEnv, append([]string{"--registry", p("fr1-registry.json")}, busArgs...)...)
	r2 := startNode(t, p("fr2"), pgEnv, append([]string{"--registry", p("fr2-registry.json"), "--identity", p("fr2/org.key"), "--peer-listen", freePort(t)}, busArgs...)...)
	if workers {
		w1, w2 := startWorker(t, p("fr1"), natsURL, pgEnv...), startWorker(t, p("fr2"), natsURL, pgEnv...)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("worker 1:\n%s\nworker 2:\n%s", w1.stderr.String(), w2.stderr.String())
			}
		})
	}
	dep := startNode(t, p("de"), env, "--registry", p("de-registry.json"))
	replicas := []*nodeProcess{r1, r2}
	tt1 := &taxiiTester{t: t, base: r1.base, user: "admin", pass: e2ePassword}
	tt2 := &taxiiTester{t: t, base: r2.base, user: "admin", pass: e2ePassword}
	coll := tt1.get("/cti/collections/", "").json["collections"].([]any)[0].(map[string]any)["id"].(string)
	objs := "/cti/collections/" + coll + "/objects/"
	if c2 := tt2.get("/cti/collections/", "").json["collections"].([]any)[0].(map[string]any)["id"].(string); c2 != coll {
		t.Fatalf("the replicas serve different collections: %s and %s", coll, c2)
	}

	if workers {
		replicaMatchingWorkers(t, tt1, tt2, objs)
	} else {
		replicaMatchingInRequest(t, r1, r2, tt1, tt2, objs)
	}

	// Paging with a cursor from replica 1 continues on replica 2, every
	// object exactly once.
	var batch []string
	for i := range 25 {
		batch = append(batch, indicatorJSON(0x7e000+i, ""))
	}
	tt1.want(tt1.do(http.MethodPost, objs, "", strings.NewReader(envelope(batch...))), 202)
	all := tt2.get(objs, "limit=1000").ids()
	seen := map[string]int{}
	q := "limit=7"
	for i := 0; ; i++ {
		tt := []*taxiiTester{tt1, tt2}[i%2]
		r := tt.get(objs, q)
		tt.want(r, 200)
		for _, id := range r.ids() {
			seen[id]++
		}
		if r.more() != true {
			break
		}
		q = "limit=7&next=" + url.QueryEscape(r.json["next"].(string))
	}
	if len(seen) != len(all) || len(all) < 25 {
		t.Errorf("paging across the replicas saw %d objects, the collection holds %d (25 posted)", len(seen), len(all))
	}
	for _, id := range all {
		if seen[id] != 1 {
			t.Errorf("paging across the replicas saw %s %d times, want once", id, seen[id])
		}
	}

	// Exactly one replica holds the federation lease and pulls from
	// CERT-Bund.
	holds := func(proc *nodeProcess) []string {
		resp, err := http.Get(proc.base + "/healthz")
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		var h struct {
			Status string   `json:"status"`
			Leases []string `json:"leases"`
		}
		if json.UnmarshalRead(resp.Body, &h) != nil || h.Status != "ok" {
			return nil
		}
		return h.Leases
	}
	var holder, other *nodeProcess
	waitFor(t, "one replica holds the federation lease", 30*time.Second, func() bool {
		h1, h2 := slices.Contains(holds(r1), "federation"), slices.Contains(holds(r2), "federation")
		if h1 && h2 {
			t.Fatal("both replicas hold the federation lease")
		}
		switch {
		case h1:
			holder, other = r1, r2
		case h2:
			holder, other = r2, r1
		}
		return h1 || h2
	})
	if !metricHas(t, holder, `rampart_lease_held{lease="federation"} 1`) || !metricHas(t, other, `rampart_lease_held{lease="federation"} 0`) {
		t.Error("/metrics does not say which replica holds the federation lease")
	}
	for _, name := range []string{"early-warning", "feeds", "status-purge", "archive", "audit-checkpoint", "stream-webhooks"} {
		n := 0
		for _, r := range replicas {
			if slices.Contains(holds(r), name) {
				n++
			}
		}
		if n > 1 {
			t.Errorf("lease %s is held by %d replicas", name, n)
		}
	}

	// signed returns n indicators by org, marked tlp, signed with key.
	signed := func(name, org, key string, tlp stix.TLP, n int) (ids, signed []string) {
		t.Helper()
		var objs []string
		ts := e2eTS(time.Now().UTC())
		for i := range n {
			id := stix.NewID("indicator")
			ids = append(ids, id)
			objs = append(objs, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"created_by_ref":%q,"name":"%s %d","pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":%q,"object_marking_refs":[%q]}`,
				id, ts, ts, org, name, i, i+1, ts, tlp.MarkingID()))
		}
		in, out := p(name+".json"), p(name+"-signed.json")
		if err := os.WriteFile(in, []byte(`{"type":"bundle","id":"`+stix.NewID("bundle")+`","objects":[`+strings.Join(objs, ",")+`]}`), 0o600); err != nil {
			t.Fatal(err)
		}
		run(nil, "keys", "sign", "--key", key, "-o", out, in)
		b, err := stix.ParseBundle(mustRead(t, out))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range b.Objects {
			signed = append(signed, string(o.Raw))
		}
		return ids, signed
	}
	deTT := &taxiiTester{t: t, base: dep.base, user: "admin", pass: e2ePassword}
	deObjs := "/cti/collections/" + deTT.get("/cti/collections/", "").json["collections"].([]any)[0].(map[string]any)["id"].(string) + "/objects/"
	// CERT-Bund shares signed GREEN indicators; the replicas pull them.
	deSays := func(name string, n int) []string {
		t.Helper()
		ids, objs := signed(name, de, p("de/org.key"), stix.TLPGreen, n)
		deTT.want(deTT.do(http.MethodPost, deObjs, "", strings.NewReader(envelope(objs...))), 202)
		return ids
	}
	versions := func(tt *taxiiTester, path, id string) int {
		return len(tt.get(path, "match[id]="+id+"&match[version]=all").ids())
	}
	holderTT := &taxiiTester{t: t, base: holder.base, user: "admin", pass: e2ePassword}
	otherTT := &taxiiTester{t: t, base: other.base, user: "admin", pass: e2ePassword}
	time.Sleep(time.Second) // created after the keys became valid

	// CERT-FR's TLP:AMBER indicator, posted to the replica that does not
	// hold the federation lease, is sealed by the one that does, and
	// reaches CERT-Bund once.
	amber, amberObjs := signed("amber", fr, p("fr1/org.key"), stix.TLPAmber, 1)
	otherTT.want(otherTT.do(http.MethodPost, objs, "", strings.NewReader(envelope(amberObjs...))), 202)
	waitFor(t, "CERT-Bund holds CERT-FR's AMBER indicator, sealed by the lease holder", time.Minute, func() bool { return versions(deTT, deObjs, amber[0]) > 0 })
	if n := versions(deTT, deObjs, amber[0]); n != 1 {
		t.Errorf("CERT-Bund holds %d versions of CERT-FR's AMBER indicator, want 1", n)
	}

	before := deSays("before", 5)
	waitFor(t, "CERT-FR holds what CERT-Bund shared", time.Minute, func() bool {
		for _, id := range before {
			if versions(holderTT, objs, id) == 0 {
				return false
			}
		}
		return true
	})

	// A client writes through the holder while it is killed, and sends
	// what fails to the other replica, as a load balancer that retries
	// would: no write acknowledged is lost, and no write fails twice.
	stopWriting := make(chan struct{})
	type written struct{ acked, failed []string }
	writerDone := make(chan written, 1)
	go func() {
		var w written
		client := &http.Client{Timeout: 30 * time.Second}
		post := func(base, body string) bool {
			req, err := http.NewRequest(http.MethodPost, base+objs, strings.NewReader(body))
			if err != nil {
				return false
			}
			req.SetBasicAuth("admin", e2ePassword)
			req.Header.Set("Accept", taxii.MediaTypeTAXII)
			req.Header.Set("Content-Type", taxii.MediaTypeTAXII)
			resp, err := client.Do(req)
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			var st struct {
				SuccessCount int `json:"success_count"`
			}
			return resp.StatusCode == http.StatusAccepted && json.UnmarshalRead(resp.Body, &st) == nil && st.SuccessCount == 1
		}
		for i := 0; ; i++ {
			select {
			case <-stopWriting:
				writerDone <- w
				return
			default:
			}
			id := fmt.Sprintf("indicator--%08x-2222-4222-8222-222222222222", i)
			body := envelope(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '192.0.2.%d']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"}`, id, i%256))
			if post(holder.base, body) || post(other.base, body) {
				w.acked = append(w.acked, id)
			} else {
				w.failed = append(w.failed, id)
			}
		}
	}()
	time.Sleep(500 * time.Millisecond) // writes under way

	// Killing the holder moves the lease to the other replica, and sync
	// resumes there without duplicates.
	holder.kill()
	killed := time.Now()
	waitFor(t, "the other replica takes the federation lease", 30*time.Second, func() bool { return slices.Contains(holds(other), "federation") })
	t.Logf("federation lease moved %v after the holder was killed", time.Since(killed).Round(10*time.Millisecond))
	close(stopWriting)
	w := <-writerDone
	if len(w.failed) > 0 {
		t.Errorf("%d writes failed on both replicas while one was killed: %v", len(w.failed), w.failed)
	}
	if len(w.acked) < 2 {
		t.Errorf("only %d writes acknowledged across the kill", len(w.acked))
	}
	for _, id := range w.acked {
		if n := versions(otherTT, objs, id); n != 1 {
			t.Errorf("write %s was acknowledged; the surviving replica holds %d versions of it, want 1", id, n)
		}
	}
	t.Logf("%d writes acknowledged across the kill, all held once", len(w.acked))
	after := deSays("after", 5)
	waitFor(t, "the surviving replica pulls what CERT-Bund shared after the fail-over", time.Minute, func() bool {
		for _, id := range after {
			if versions(otherTT, objs, id) == 0 {
				return false
			}
		}
		return true
	})
	for _, id := range append(before, after...) {
		if n := versions(otherTT, objs, id); n != 1 {
			t.Errorf("CERT-FR holds %d versions of %s, want 1", n, id)
		}
	}
	if c := strings.Count(other.stderr.String(), `"msg":"lease taken: running here","lease":"federation"`); c != 1 {
		t.Errorf("the surviving replica took the federation lease %d times, want 1", c)
	}
}

// replicaMatchingInRequest: an indicator posted to replica 1 makes an
// observation posted to replica 2 match, within a second; a DELETE through
// replica 2 stops matches on replica 1, within a second.
func replicaMatchingInRequest(t *testing.T, r1, r2 *nodeProcess, tt1, tt2 *taxiiTester, objs string) {
	observe := func(tt *taxiiTester, value string) float64 {
		t.Helper()
		line := fmt.Sprintf(`{"ts":%q,"domain-name:value":%q}`+"\n", time.Now().UTC().Format(time.RFC3339), value)
		r := tt.do(http.MethodPost, "/api/v1/observations", "", strings.NewReader(line), "Content-Type", "application/x-ndjson", "Accept", "application/json")
		if r.status != 200 {
			t.Fatalf("observations: %d %s", r.status, r.body)
		}
		return r.json["matched"].(float64)
	}
	within := func(what string, bound time.Duration, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > bound {
				t.Fatalf("not within %v: %s\nreplica 1:\n%s\nreplica 2:\n%s", bound, what, r1.stderr.String(), r2.stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		return time.Since(start)
	}
	indID := stix.NewID("indicator")
	ind := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":"[domain-name:value = 'replica.example']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"}`, indID)
	if observe(tt2, "replica.example") != 0 {
		t.Fatal("replica 2 matches before the indicator exists")
	}
	tt1.want(tt1.do(http.MethodPost, objs, "", strings.NewReader(envelope(ind))), 202)
	d := within("an observation at replica 2 matches the indicator posted to replica 1", replicaSync, func() bool { return observe(tt2, "replica.example") == 1 })
	t.Logf("indicator posted to replica 1 matched at replica 2 after %v", d)

	// A DELETE through replica 2 stops matches on replica 1.
	if observe(tt1, "replica.example") != 1 {
		t.Fatal("replica 1 does not match its own indicator")
	}
	tt2.want(tt2.do(http.MethodDelete, objs+indID+"/", "", nil), 200)
	d = within("replica 1 stops matching the indicator deleted through replica 2", replicaSync, func() bool { return observe(tt1, "replica.example") == 0 })
	t.Logf("indicator deleted through replica 2 stopped matching at replica 1 after %v", d)

}

// replicaMatchingWorkers: with the uploads matched by workers, an
// indicator posted to replica 1 makes an observation posted to replica 2
// one second later match (the sighting comes out of the object stream,
// read through replica 1); a DELETE through replica 2 makes an upload
// through replica 1 one second later sight a control indicator only.
func replicaMatchingWorkers(t *testing.T, tt1, tt2 *taxiiTester, objs string) {
	t.Helper()
	stream := &streamReader{tt: tt1}
	stream.drain()
	// sighted uploads lines through tt and returns the indicators the
	// sightings made of it refer to, once one of want is sighted or after
	// 20 seconds.
	sighted := func(tt *taxiiTester, want []string, values ...string) map[string]bool {
		t.Helper()
		var lines strings.Builder
		for _, v := range values {
			fmt.Fprintf(&lines, `{"ts":%q,"domain-name:value":%q}`+"\n", time.Now().UTC().Format(time.RFC3339), v)
		}
		r := tt.do(http.MethodPost, "/api/v1/observations", "window=1m", strings.NewReader(lines.String()), "Content-Type", "application/x-ndjson", "Accept", "application/json")
		if r.status != 202 {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		got := map[string]bool{}
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
			rr := tt1.get("/api/v1/stream", fmt.Sprintf("after=%d&type=sighting&wait=1s", stream.next))
			tt1.want(rr, 200)
			stream.next = uint64(rr.json["next"].(float64))
			for _, o := range rr.objects() {
				got[o["object"].(map[string]any)["sighting_of_ref"].(string)] = true
			}
			if slices.ContainsFunc(want, func(id string) bool { return got[id] }) {
				break
			}
		}
		return got
	}
	ind := func(id, domain string) string {
		ts := e2eTS(time.Now().UTC())
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"pattern":"[domain-name:value = '%s']","pattern_type":"stix","valid_from":%q}`, id, ts, ts, domain, ts)
	}
	indID, ctlID := stix.NewID("indicator"), stix.NewID("indicator")
	tt1.want(tt1.do(http.MethodPost, objs, "", strings.NewReader(envelope(ind(indID, "worker.example")))), 202)
	time.Sleep(replicaSync)
	if got := sighted(tt2, []string{indID}, "worker.example"); !got[indID] {
		t.Fatalf("an observation uploaded to replica 2 %v after the indicator was posted to replica 1 was not matched by a worker (sightings of %v)", replicaSync, got)
	}

	tt2.want(tt2.do(http.MethodDelete, objs+indID+"/", "", nil), 200)
	tt1.want(tt1.do(http.MethodPost, objs, "", strings.NewReader(envelope(ind(ctlID, "control.example")))), 202)
	time.Sleep(replicaSync)
	got := sighted(tt1, []string{ctlID}, "worker.example", "control.example")
	if !got[ctlID] || got[indID] {
		t.Errorf("an upload through replica 1 %v after the DELETE through replica 2: control sighted %v, deleted indicator sighted %v; want only the control", replicaSync, got[ctlID], got[indID])
	}
}

// metricHas reports whether the node's /metrics holds line.
func metricHas(t *testing.T, proc *nodeProcess, line string) bool {
	t.Helper()
	resp, err := http.Get(proc.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if sc.Text() == line {
			return true
		}
	}
	return false
}
