package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

// TAXII measures a node's TAXII server on loopback: ingest of envelopes
// POSTed by concurrent clients, then reads of pages at random positions
// once the store holds Stored objects.
type TAXII struct {
	// Node is the node to measure; an empty DataDir means a fresh store
	// in a temporary directory, removed at the end.
	Node node.Config
	// CPUProfile, if not empty, is the file a CPU profile of the run is
	// written to.
	CPUProfile string

	Bundles    int // envelopes to POST in the ingest phase
	BundleSize int // indicators per envelope
	Clients    int // concurrent clients
	Stored     int // objects the store holds for the read phase
	Pages      int // pages to GET in the read phase
	PageSize   int // objects per page

	Stdout io.Writer // results, one line per phase
	Stderr io.Writer // progress and errors
}

// Validate reports the first parameter below 1, naming its flag.
func (b *TAXII) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"bundles", b.Bundles}, {"bundle-size", b.BundleSize}, {"clients", b.Clients}, {"stored", b.Stored}, {"pages", b.Pages}, {"page-size", b.PageSize}} {
		if f.v < 1 {
			return fmt.Errorf("--%s must be at least 1 (got %d)", f.name, f.v)
		}
	}
	return nil
}

// taxiiRun is one run of the TAXII benchmark: the node, its server and
// a client of it.
type taxiiRun struct {
	*TAXII
	node     *node.Node
	coll     string // the default collection's id
	base     string // http://ADDR of the TAXII server
	password string // of the account "bench"
	client   *http.Client
	tc       *taxii.Client
	run      string // makes this run's object ids unique
}

// Run opens the node, serves it over TAXII on loopback and measures
// ingest, fill and read in turn. It returns the first error that stops a
// phase; failed POSTs are counted, not returned.
func (b *TAXII) Run(ctx context.Context) error {
	s, err := openStore(ctx, b.Node, b.CPUProfile, "taxii", b.Stdout, b.Stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	r := &taxiiRun{TAXII: b, node: s.node, password: rand.Text(), run: fmt.Sprintf("%08x", mrand.Uint32())}
	stop, err := r.serve(ctx)
	if err != nil {
		return err
	}
	defer stop()
	total, err := r.ingest(ctx)
	if err != nil {
		return err
	}
	have, err := r.fill(ctx, total)
	if err != nil {
		return err
	}
	return r.read(ctx, have)
}

// serve makes the account "bench" and serves the node's TAXII API on a
// loopback port until stop is called.
func (r *taxiiRun) serve(ctx context.Context) (stop func(), err error) {
	n := r.node
	if err := n.Accounts.CreateAccount(ctx, &rampart.Account{Name: "bench", Admin: true}, r.password); err != nil {
		return nil, err
	}
	coll, err := n.FindCollection(ctx, node.DefaultAPIRoot, node.DefaultCollection)
	if err != nil {
		return nil, err
	}
	r.coll = coll.ID
	ts := taxii.NewServer()
	ts.Objects, ts.Collections, ts.Accounts, ts.Statuses, ts.Secrets = n.Objects, n.Collections, n.Accounts, n.Statuses, n.Secrets
	ts.Validate = node.Validate
	ts.MaxPageSize = max(r.PageSize, taxii.DefaultMaxPageSize)
	if err := ts.Open(ctx); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: ts.Handler()}
	go srv.Serve(ln)
	r.base = "http://" + ln.Addr().String()
	r.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: r.Clients}}
	r.tc = &taxii.Client{BaseURL: r.base, HTTPClient: r.client, User: "bench", Password: r.password}
	return func() { srv.Close() }, nil
}

// ingest POSTs the envelopes from concurrent clients and returns how
// many objects they held.
func (r *taxiiRun) ingest(ctx context.Context) (int, error) {
	bodies := make([][]byte, r.Bundles)
	for b := range bodies {
		bodies[b] = envelope(b*r.BundleSize, (b+1)*r.BundleSize, func(i int) []byte { return indicator(r.run, i) })
	}
	// One warm-up request so the password check is cached, as for any
	// client that makes more than one request.
	if _, err := r.tc.Collections(ctx, node.DefaultAPIRoot); err != nil {
		return 0, err
	}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	bar := progress.New(r.Stderr, "ingest", 0, "objects")
	start := time.Now()
	for range r.Clients {
		wg.Go(func() {
			for {
				b := int(next.Add(1)) - 1
				if b >= len(bodies) {
					return
				}
				st, err := r.tc.PostEnvelope(ctx, node.DefaultAPIRoot, r.coll, bytes.NewReader(bodies[b]))
				if err != nil || st.SuccessCount != r.BundleSize {
					failed.Add(1)
					if err != nil {
						fmt.Fprintf(r.Stderr, "rampart: error: bench: POST: %v\n", err)
					}
				}
				bar.Set(0, int64(min(int(next.Load()), len(bodies))*r.BundleSize))
			}
		})
	}
	wg.Wait()
	bar.Done()
	elapsed := time.Since(start)
	total := r.Bundles * r.BundleSize
	fmt.Fprintf(r.Stdout, "ingest: %d objects in %d POSTs of %d from %d clients: %.2fs, %.0f objects/s (%d POSTs failed)\n",
		total, r.Bundles, r.BundleSize, r.Clients, elapsed.Seconds(), float64(total)/elapsed.Seconds(), failed.Load())
	return total, nil
}

// fill adds objects straight into the store until it holds Stored, and
// returns how many it holds.
func (r *taxiiRun) fill(ctx context.Context, have int) (int, error) {
	if r.Stored <= have {
		return have, nil
	}
	bar := progress.New(r.Stderr, "fill", 0, "objects")
	start := time.Now()
	const batch = 5000
	objs := make([]*stix.Object, 0, batch)
	for have < r.Stored {
		objs = objs[:0]
		for i := 0; i < batch && have+i < r.Stored; i++ {
			o, err := stix.ParseObject(mixedObject(r.run, 1<<40+have+i))
			if err != nil {
				return 0, err
			}
			objs = append(objs, o)
		}
		if _, err := r.node.Objects.CreateObjects(ctx, r.coll, objs); err != nil {
			return 0, err
		}
		have += len(objs)
		bar.Set(0, int64(have))
	}
	bar.Done()
	fmt.Fprintf(r.Stdout, "fill: store holds %d objects (%.1fs)\n", have, time.Since(start).Seconds())
	return have, nil
}

// read GETs pages at random positions, without and with match[type], and
// prints their latency percentiles.
func (r *taxiiRun) read(ctx context.Context, have int) error {
	first, err := r.node.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: r.coll, Limit: 1, MetadataOnly: true})
	if err != nil || len(first.Versions) == 0 {
		return fmt.Errorf("read phase: empty collection (%v)", err)
	}
	t0, t1 := first.Versions[0].DateAdded, time.Now()
	for _, typ := range []string{"", "indicator"} {
		lat := make([]time.Duration, 0, r.Pages)
		objects := 0
		for range r.Pages {
			// Random positions, leaving at least a page after them.
			after := t0.Add(time.Duration(mrand.Int64N(max(1, int64(t1.Sub(t0))*9/10))))
			took, n, err := r.getPage(ctx, after, typ)
			if err != nil {
				return err
			}
			lat = append(lat, took)
			objects += n
		}
		slices.Sort(lat)
		label := "GET objects"
		if typ != "" {
			label += " match[type]=" + typ
		}
		fmt.Fprintf(r.Stdout, "read: %s, limit %d, %d stored: p50 %s, p95 %s, p99 %s, max %s (%.0f objects/page)\n",
			label, r.PageSize, have, pct(lat, 50), pct(lat, 95), pct(lat, 99), lat[len(lat)-1].Round(time.Microsecond), float64(objects)/float64(r.Pages))
	}
	return nil
}

// getPage GETs the page of objects added after after, of type typ unless
// it is empty, and returns how long it took and how many objects it held.
func (r *taxiiRun) getPage(ctx context.Context, after time.Time, typ string) (time.Duration, int, error) {
	q := url.Values{"added_after": {taxii.FormatTime(after)}, "limit": {strconv.Itoa(r.PageSize)}}
	if typ != "" {
		q.Set("match[type]", typ)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/"+node.DefaultAPIRoot+"/collections/"+r.coll+"/objects/?"+q.Encode(), nil)
	req.Header.Set("Accept", taxii.MediaTypeTAXII)
	req.SetBasicAuth("bench", r.password)
	// Latency as a client sees it: until the last byte of the page has
	// arrived (the client's own JSON decoding is not counted).
	s := time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(s)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("read phase: GET answered %d: %v", resp.StatusCode, err)
	}
	return took, bytes.Count(body, []byte(`"type":"`)), nil
}
