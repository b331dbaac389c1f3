package bench

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
)

// writersTarget is the p99 latency of a small POST that the writers
// attack holds the node to (issue #10).
const writersTarget = time.Second

// writersTimeout is how long a client of the writers attack waits for
// one answer; a request that takes longer counts as an error.
const writersTimeout = 30 * time.Second

// writersRun is one run of the writers attack: its client and what it
// measured so far. Its methods are safe for concurrent use.
type writersRun struct {
	*attacker
	client *http.Client
	url    string // of the default collection's objects
	auth   string // Authorization header value of the administrator

	mu      sync.Mutex
	posts   []time.Duration // successful POSTs
	gets    []time.Duration // successful GETs
	failed  map[string]int  // failed requests by kind
	objects int             // objects stored
}

// writers: many clients POSTing small envelopes at once, and optionally
// readers asking for pages meanwhile.
func (a *attacker) writers(ctx context.Context) error {
	t, err := a.startTarget(ctx)
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
	tr := &http.Transport{MaxIdleConns: a.Writers + a.Readers, MaxIdleConnsPerHost: a.Writers + a.Readers}
	defer tr.CloseIdleConnections()
	w := &writersRun{attacker: a, client: &http.Client{Transport: tr, Timeout: writersTimeout},
		url: t.base + path, auth: "Basic " + basicAuth("admin", t.password), failed: map[string]int{}}

	fmt.Fprintf(a.Stdout, "%d writers POST envelopes of %d new indicators for %s, HTTP Basic as admin; %d readers GET pages of 100; load average before: %s\n",
		a.Writers, a.PostObjects, a.Duration, a.Readers, loadAverage())
	actx, stop := context.WithTimeout(ctx, a.Duration)
	defer stop()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range a.Writers {
		wg.Go(func() { w.write(actx, i) })
	}
	for range a.Readers {
		wg.Go(func() { w.read(actx) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Fprintf(a.Stdout, "load average after: %s\n", loadAverage())
	return w.report(elapsed)
}

// fail counts a failed request of kind.
func (w *writersRun) fail(kind string) {
	w.mu.Lock()
	w.failed[kind]++
	w.mu.Unlock()
}

// write POSTs envelopes as writer i until ctx is done.
func (w *writersRun) write(ctx context.Context, i int) {
	var mine []time.Duration
	for n := 0; ctx.Err() == nil; n++ {
		body := envelope(0, w.PostObjects, func(j int) []byte { return writerIndicator(i, n, j) })
		took, status, answer, err := timedRequest(ctx, w.client, "POST", w.url, w.auth, body)
		switch {
		case ctx.Err() != nil:
			// The run ended during the request: not counted.
		case err != nil:
			w.fail("POST: " + transportError(err))
		case status != http.StatusAccepted:
			w.fail(fmt.Sprintf("POST: %d", status))
		case !bytes.Contains(answer, fmt.Appendf(nil, `"success_count":%d`, w.PostObjects)):
			w.fail("POST: 202 without every object stored")
		default:
			mine = append(mine, took)
		}
	}
	w.mu.Lock()
	w.posts = append(w.posts, mine...)
	w.objects += len(mine) * w.PostObjects
	w.mu.Unlock()
}

// read GETs pages of 100 until ctx is done.
func (w *writersRun) read(ctx context.Context) {
	var mine []time.Duration
	for ctx.Err() == nil {
		took, status, _, err := timedRequest(ctx, w.client, "GET", w.url+"?limit=100", w.auth, nil)
		switch {
		case ctx.Err() != nil:
		case err != nil:
			w.fail("GET: " + transportError(err))
		case status != http.StatusOK:
			w.fail(fmt.Sprintf("GET: %d", status))
		default:
			mine = append(mine, took)
		}
	}
	w.mu.Lock()
	w.gets = append(w.gets, mine...)
	w.mu.Unlock()
}

// report prints the errors, the latencies and the throughput, and
// returns an error when the POST p99 misses writersTarget or a request
// failed.
func (w *writersRun) report(elapsed time.Duration) error {
	errs := 0
	for _, k := range slices.Sorted(maps.Keys(w.failed)) {
		fmt.Fprintf(w.Stdout, "errors: %s: %d\n", k, w.failed[k])
		errs += w.failed[k]
	}
	if len(w.posts) == 0 {
		return fmt.Errorf("no POST succeeded in %s", w.Duration)
	}
	posts, gets := w.posts, w.gets
	slices.Sort(posts)
	p99 := pct(posts, 99)
	fmt.Fprintf(w.Stdout, "POST (%d objects): %d answered 202 in %s (%.0f POSTs/s, %.0f objects/s); p50 %s, p95 %s, p99 %s, max %s; %d errors\n",
		w.PostObjects, len(posts), elapsed.Round(time.Millisecond), float64(len(posts))/elapsed.Seconds(), float64(w.objects)/elapsed.Seconds(),
		pct(posts, 50), pct(posts, 95), p99, posts[len(posts)-1].Round(time.Microsecond), errs)
	if len(gets) > 0 {
		slices.Sort(gets)
		fmt.Fprintf(w.Stdout, "GET (limit 100): %d answered 200 (%.0f/s); p50 %s, p95 %s, p99 %s, max %s\n",
			len(gets), float64(len(gets))/elapsed.Seconds(), pct(gets, 50), pct(gets, 95), pct(gets, 99), gets[len(gets)-1].Round(time.Microsecond))
	}
	switch {
	case p99 >= writersTarget:
		return fmt.Errorf("POST p99 %s is not under %s", p99, writersTarget)
	case errs > 0:
		return fmt.Errorf("%d requests failed", errs)
	}
	fmt.Fprintf(w.Stdout, "POST p99 under %s: met\n", writersTarget)
	return nil
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
