package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart/node"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

const benchUsage = `Usage: rampart bench <taxii|import|pages|attack> [flags]

Measures a node on this machine and prints the results; docs/PERFORMANCE.md
records them with the command that produced them.

    bench taxii
        Starts a node (a fresh store in a temporary directory unless --data or
        --postgres is given) with its TAXII server on loopback, then
        1. ingest: POSTs --bundles envelopes of --bundle-size indicators from
           --clients concurrent clients, and reports objects/s;
        2. fill: adds objects straight into the store until it holds --stored;
        3. read: GETs --pages pages of --page-size objects at random
           positions (added_after), with and without match[type], and
           reports latency percentiles.
    bench import
        Streams a generated bundle of --size bytes through "rampart import"'s
        code path into a fresh store and reports objects/s and the peak Go
        heap, which stays bounded whatever the size.
    bench pages
        Starts "rampart serve" as a child process and measures its memory
        under clients that ask for pages of large objects and never read
        them, then cuts a POST short and reports the status it left.
    bench attack <slow-readers|idle-links|early-refusal|slow-body|writers>
        Starts "rampart serve" and attacks it with slow, idle or many
        concurrent clients;
        "rampart bench attack -h" describes each attack.

Run "rampart bench taxii -h" (or pages -h) for the flags.
`

const benchExamples = `
Examples:
    rampart bench taxii
    rampart bench taxii --stored 1000000 --pages 500
    rampart bench taxii --postgres postgres://localhost/rampart_bench
    rampart bench import --size 1GiB
    rampart bench pages --readers 10 --objects 100 --object-size 2MiB
    rampart bench attack idle-links
`

func (m *Main) runBench(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, benchUsage+benchExamples)
	if err != nil {
		return err
	}
	switch sub {
	case "pages":
		return m.benchPages(ctx, args)
	case "attack":
		return m.runAttack(ctx, args)
	case "taxii", "import":
	default:
		return m.unknownSubcommand("bench", sub, "taxii, import, pages or attack")
	}
	fs := flag.NewFlagSet("bench "+sub, flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	// A fresh store unless --data names one.
	sf.dataDir = ""
	data := fs.Lookup("data")
	data.DefValue, data.Usage = "", "data `directory` of the node to measure (default: a fresh store in a temporary directory)"
	bundles := fs.Int("bundles", 100, "envelopes to POST in the ingest phase")
	bundleSize := fs.Int("bundle-size", 1000, "indicators per envelope")
	clients := fs.Int("clients", 2, "concurrent clients")
	stored := fs.Int("stored", 1000000, "objects the store holds for the read phase")
	pages := fs.Int("pages", 200, "pages to GET in the read phase")
	pageSize := fs.Int("page-size", 1000, "objects per page")
	sizeFlag := fs.String("size", "1GiB", "bundle size for bench import (e.g. 200MiB, 1GiB)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to `file`")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), strings.Replace(benchUsage, `Run "rampart bench taxii -h" (or pages -h) for the flags.`, "Flags:", 1))
		printFlags(fs)
		fmt.Fprint(fs.Output(), benchExamples)
	}
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("bench "+sub, "flags only", fs.Args())
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"bundles", *bundles}, {"bundle-size", *bundleSize}, {"clients", *clients}, {"stored", *stored}, {"pages", *pages}, {"page-size", *pageSize}} {
		if f.v < 1 {
			m.errorf("--%s must be at least 1 (got %d)", f.name, f.v)
			return errUsage
		}
	}
	size, err := parseSize(*sizeFlag)
	if err != nil {
		m.errorf("--size: %v", err)
		return errUsage
	}
	if sf.dataDir == "" {
		dir, err := os.MkdirTemp("", "rampart-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		sf.dataDir = dir
	}
	cfg := sf.config()
	cfg.Create = true
	n, err := m.open(ctx, cfg)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(m.Stdout, "rampart bench %s: %s, GOMAXPROCS %d, %s store\n", sub, runtime.Version(), runtime.GOMAXPROCS(0), storeName(&sf))
	if sub == "import" {
		return m.benchImport(ctx, n, size)
	}
	return m.benchTAXII(ctx, n, benchParams{
		bundles: *bundles, bundleSize: *bundleSize, clients: *clients,
		stored: *stored, pages: *pages, pageSize: *pageSize,
	})
}

func storeName(sf *storeFlags) string {
	if sf.config().PostgresURL != "" {
		return "PostgreSQL"
	}
	return "SQLite"
}

type benchParams struct {
	bundles, bundleSize, clients int
	stored, pages, pageSize      int
}

// benchIndicator returns the JSON of a typical indicator (about 600 bytes)
// with a unique id derived from run and i.
func benchIndicator(run string, i int) []byte {
	return fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--%s-%04x-4%03x-8%03x-%012x","created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","name":"Malicious IP %d","description":"Command and control server observed in a phishing campaign against public administrations.","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '198.51.%d.%d']","pattern_type":"stix","valid_from":"2026-03-01T10:00:00Z","labels":["c2","phishing"],"confidence":80,"created_by_ref":"identity--8c3b0f3e-6c5e-4c1a-9f0e-2f7a0b1c2d3e","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`,
		run, (i>>48)&0xffff, (i>>36)&0xfff, (i>>24)&0xfff, i&0xffffffffffff, i, (i>>8)&0xff, i&0xff)
}

// benchObject returns one of a mix of object types for the fill phase: four
// indicators in five, then malware, sightings and observed data.
func benchObject(run string, i int) []byte {
	switch i % 10 {
	case 3:
		return fmt.Appendf(nil, `{"type":"malware","spec_version":"2.1","id":"malware--%s-0000-4000-8000-%012x","created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","name":"Family %d","is_family":true,"malware_types":["remote-access-trojan"]}`, run, i, i)
	case 7:
		return fmt.Appendf(nil, `{"type":"sighting","spec_version":"2.1","id":"sighting--%s-0000-4000-8000-%012x","created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","sighting_of_ref":"indicator--%s-0000-4000-8000-%012x","count":3}`, run, i, run, i-1)
	}
	return benchIndicator(run, i)
}

func (m *Main) benchTAXII(ctx context.Context, n *node.Node, p benchParams) error {
	password := rand.Text()
	if err := n.Accounts.CreateAccount(ctx, &rampart.Account{Name: "bench", Admin: true}, password); err != nil {
		return err
	}
	coll, err := n.FindCollection(ctx, node.DefaultAPIRoot, node.DefaultCollection)
	if err != nil {
		return err
	}
	ts := taxii.NewServer()
	ts.Objects, ts.Collections, ts.Accounts, ts.Statuses, ts.Secrets = n.Objects, n.Collections, n.Accounts, n.Statuses, n.Secrets
	ts.Validate = node.Validate
	ts.MaxPageSize = max(p.pageSize, taxii.DefaultMaxPageSize)
	if err := ts.Open(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: ts.Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: p.clients}}
	tc := &taxii.Client{BaseURL: base, HTTPClient: client, User: "bench", Password: password}

	// 1. Ingest.
	run := fmt.Sprintf("%08x", mrand.Uint32())
	bodies := make([][]byte, p.bundles)
	for b := range bodies {
		var buf bytes.Buffer
		buf.WriteString(`{"objects":[`)
		for i := 0; i < p.bundleSize; i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(benchIndicator(run, b*p.bundleSize+i))
		}
		buf.WriteString("]}")
		bodies[b] = buf.Bytes()
	}
	// One warm-up request so the password check is cached, as for any
	// client that makes more than one request.
	if _, err := tc.Collections(ctx, node.DefaultAPIRoot); err != nil {
		return err
	}
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	bar := progress.New(m.Stderr, "ingest", 0, "objects")
	start := time.Now()
	for c := 0; c < p.clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b := int(next.Add(1)) - 1
				if b >= len(bodies) {
					return
				}
				st, err := tc.PostEnvelope(ctx, node.DefaultAPIRoot, coll.ID, bytes.NewReader(bodies[b]))
				if err != nil || st.SuccessCount != p.bundleSize {
					failed.Add(1)
					if err != nil {
						m.errorf("bench: POST: %v", err)
					}
				}
				bar.Set(0, int64(min(int(next.Load()), len(bodies))*p.bundleSize))
			}
		}()
	}
	wg.Wait()
	bar.Done()
	elapsed := time.Since(start)
	total := p.bundles * p.bundleSize
	fmt.Fprintf(m.Stdout, "ingest: %d objects in %d POSTs of %d from %d clients: %.2fs, %.0f objects/s (%d POSTs failed)\n",
		total, p.bundles, p.bundleSize, p.clients, elapsed.Seconds(), float64(total)/elapsed.Seconds(), failed.Load())

	// 2. Fill.
	have := total
	if p.stored > have {
		bar := progress.New(m.Stderr, "fill", 0, "objects")
		fillStart := time.Now()
		const batch = 5000
		objs := make([]*stix.Object, 0, batch)
		for have < p.stored {
			objs = objs[:0]
			for i := 0; i < batch && have+i < p.stored; i++ {
				o, err := stix.ParseObject(benchObject(run, 1<<40+have+i))
				if err != nil {
					return err
				}
				objs = append(objs, o)
			}
			if _, err := n.Objects.CreateObjects(ctx, coll.ID, objs); err != nil {
				return err
			}
			have += len(objs)
			bar.Set(0, int64(have))
		}
		bar.Done()
		fmt.Fprintf(m.Stdout, "fill: store holds %d objects (%.1fs)\n", have, time.Since(fillStart).Seconds())
	}

	// 3. Read.
	first, err := n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll.ID, Limit: 1, MetadataOnly: true})
	if err != nil || len(first.Versions) == 0 {
		return fmt.Errorf("read phase: empty collection (%v)", err)
	}
	t0 := first.Versions[0].DateAdded
	t1 := time.Now()
	for _, typ := range []string{"", "indicator"} {
		lat := make([]time.Duration, 0, p.pages)
		objects := 0
		for i := 0; i < p.pages; i++ {
			// Random positions, leaving at least a page after them.
			after := t0.Add(time.Duration(mrand.Int64N(max(1, int64(t1.Sub(t0))*9/10))))
			q := url.Values{"added_after": {taxii.FormatTime(after)}, "limit": {strconv.Itoa(p.pageSize)}}
			if typ != "" {
				q.Set("match[type]", typ)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/"+node.DefaultAPIRoot+"/collections/"+coll.ID+"/objects/?"+q.Encode(), nil)
			req.Header.Set("Accept", taxii.MediaTypeTAXII)
			req.SetBasicAuth("bench", password)
			// Latency as a client sees it: until the last byte of the page
			// has arrived (the client's own JSON decoding is not counted).
			s := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			lat = append(lat, time.Since(s))
			if err != nil || resp.StatusCode != http.StatusOK {
				return fmt.Errorf("read phase: GET answered %d: %v", resp.StatusCode, err)
			}
			objects += bytes.Count(body, []byte(`"type":"`))
		}
		slices.Sort(lat)
		label := "GET objects"
		if typ != "" {
			label += " match[type]=" + typ
		}
		fmt.Fprintf(m.Stdout, "read: %s, limit %d, %d stored: p50 %s, p95 %s, p99 %s, max %s (%.0f objects/page)\n",
			label, p.pageSize, have, pct(lat, 50), pct(lat, 95), pct(lat, 99), lat[len(lat)-1].Round(time.Microsecond), float64(objects)/float64(p.pages))
	}
	return nil
}

func pct(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)].Round(time.Microsecond)
}

// benchImport streams a generated bundle into the store the way "rampart
// import" does and samples the Go heap while it runs.
func (m *Main) benchImport(ctx context.Context, n *node.Node, size int64) error {
	coll, err := n.FindCollection(ctx, node.DefaultAPIRoot, node.DefaultCollection)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	run := fmt.Sprintf("%08x", mrand.Uint32())
	go func() {
		w := &countingWriter{w: pw}
		io.WriteString(w, `{"type":"bundle","id":"bundle--`+stix.NewUUID()+`","objects":[`)
		for i := 0; w.n < size; i++ {
			if i > 0 {
				io.WriteString(w, ",\n")
			}
			w.Write(benchIndicator(run, i))
		}
		io.WriteString(w, "]}")
		pw.Close()
	}()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	m.Stdin = pr
	s, err := m.importFile(ctx, n, coll, "-")
	close(done)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "import: %s bundle, %d objects in %.1fs: %.0f objects/s, %.1f MiB/s; peak Go heap in use %.1f MiB\n",
		progress.FormatBytes(size), s.Added, s.elapsed.Seconds(), float64(s.Added)/s.elapsed.Seconds(),
		float64(size)/(1<<20)/s.elapsed.Seconds(), float64(peak.Load())/(1<<20))
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// parseSize reads sizes such as "200MiB", "1GiB", "1048576".
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			var f float64
			if _, err := fmt.Sscan(num, &f); err != nil || f <= 0 {
				return 0, fmt.Errorf("%q is not a size such as 200MiB or 1GiB", s)
			}
			return int64(f * float64(u.mult)), nil
		}
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size such as 200MiB or 1GiB", s)
	}
	return n, nil
}
