package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// writersTarget is the p99 latency of a small POST that the writers
// attack holds the node to (issue #10).
const writersTarget = time.Second

// writersTimeout is how long a client of the writers attack waits for
// one answer; a request that takes longer counts as an error.
const writersTimeout = 30 * time.Second

// writers: many clients POSTing small envelopes at once, and optionally
// readers asking for pages meanwhile.
func (a *attacker) writers(ctx context.Context, dir string, writers, readers, perPost int, d time.Duration) error {
	t, err := a.startTarget(ctx, dir)
	if err != nil {
		return err
	}
	defer a.stopTarget(t)
	path, err := t.objectsPath(ctx)
	if err != nil {
		return err
	}
	// objectsPath checked the administrator's password once: the node
	// remembers it, so what is timed is the write, not the password hash.
	auth := "Basic " + basicAuth("admin", t.password)
	tr := &http.Transport{MaxIdleConns: writers + readers, MaxIdleConnsPerHost: writers + readers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: writersTimeout}

	fmt.Fprintf(a.Stdout, "%d writers POST envelopes of %d new indicators for %s, HTTP Basic as admin; %d readers GET pages of 100; load average before: %s\n",
		writers, perPost, d, readers, loadAverage())
	var (
		mu      sync.Mutex
		posts   []time.Duration // successful POSTs
		gets    []time.Duration // successful GETs
		failed  = map[string]int{}
		objects int
	)
	fail := func(kind string) {
		mu.Lock()
		failed[kind]++
		mu.Unlock()
	}
	actx, stop := context.WithTimeout(ctx, d)
	defer stop()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			var mine []time.Duration
			for n := 0; actx.Err() == nil; n++ {
				body := writersEnvelope(i, n, perPost)
				took, status, answer, err := timedRequest(actx, client, "POST", t.base+path, auth, body)
				switch {
				case actx.Err() != nil:
					// The run ended during the request: not counted.
				case err != nil:
					fail("POST: " + transportError(err))
				case status != http.StatusAccepted:
					fail(fmt.Sprintf("POST: %d", status))
				case !bytes.Contains(answer, fmt.Appendf(nil, `"success_count":%d`, perPost)):
					fail("POST: 202 without every object stored")
				default:
					mine = append(mine, took)
				}
			}
			mu.Lock()
			posts = append(posts, mine...)
			objects += len(mine) * perPost
			mu.Unlock()
		})
	}
	for range readers {
		wg.Go(func() {
			var mine []time.Duration
			for actx.Err() == nil {
				took, status, _, err := timedRequest(actx, client, "GET", t.base+path+"?limit=100", auth, nil)
				switch {
				case actx.Err() != nil:
				case err != nil:
					fail("GET: " + transportError(err))
				case status != http.StatusOK:
					fail(fmt.Sprintf("GET: %d", status))
				default:
					mine = append(mine, took)
				}
			}
			mu.Lock()
			gets = append(gets, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Fprintf(a.Stdout, "load average after: %s\n", loadAverage())

	errs := 0
	for _, k := range slices.Sorted(maps.Keys(failed)) {
		fmt.Fprintf(a.Stdout, "errors: %s: %d\n", k, failed[k])
		errs += failed[k]
	}
	if len(posts) == 0 {
		return fmt.Errorf("no POST succeeded in %s", d)
	}
	slices.Sort(posts)
	p99 := pct(posts, 99)
	fmt.Fprintf(a.Stdout, "POST (%d objects): %d answered 202 in %s (%.0f POSTs/s, %.0f objects/s); p50 %s, p95 %s, p99 %s, max %s; %d errors\n",
		perPost, len(posts), elapsed.Round(time.Millisecond), float64(len(posts))/elapsed.Seconds(), float64(objects)/elapsed.Seconds(),
		pct(posts, 50), pct(posts, 95), p99, posts[len(posts)-1].Round(time.Microsecond), errs)
	if len(gets) > 0 {
		slices.Sort(gets)
		fmt.Fprintf(a.Stdout, "GET (limit 100): %d answered 200 (%.0f/s); p50 %s, p95 %s, p99 %s, max %s\n",
			len(gets), float64(len(gets))/elapsed.Seconds(), pct(gets, 50), pct(gets, 95), pct(gets, 99), gets[len(gets)-1].Round(time.Microsecond))
	}
	switch {
	case p99 >= writersTarget:
		return fmt.Errorf("POST p99 %s is not under %s", p99, writersTarget)
	case errs > 0:
		return fmt.Errorf("%d requests failed", errs)
	}
	fmt.Fprintf(a.Stdout, "POST p99 under %s: met\n", writersTarget)
	return nil
}

// writersEnvelope returns a TAXII envelope of n fresh indicators, the
// seq-th of writer w.
func writersEnvelope(w, seq, n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"objects":[`)
	for j := range n {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","name":"writer %d post %d","pattern":"[ipv4-addr:value = '10.%d.%d.%d']","pattern_type":"stix","valid_from":"2026-03-01T10:00:00Z"}`,
			stix.NewID("indicator"), w, seq, w%256, seq%256, j%256)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// timedRequest sends one TAXII request and reads the whole answer; took
// runs until its last byte arrived.
func timedRequest(ctx context.Context, c *http.Client, method, url, auth string, body []byte) (took time.Duration, status int, answer []byte, err error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return 0, 0, nil, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	if body != nil {
		req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, nil, err
	}
	answer, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	return time.Since(start), resp.StatusCode, answer, err
}

// transportError names a failed request's kind for the error counts.
func transportError(err error) string {
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout") {
		return fmt.Sprintf("no answer within %s", writersTimeout)
	}
	return "transport error"
}

// loadAverage returns the first three fields of /proc/loadavg, or "?".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
