package bench

// Output of the federation benchmark: progress on Stderr (a line redrawn on
// a terminal, nothing otherwise), the results on Stdout: a table, or with
// JSON a FederationResult alone.

import (
	"bytes"
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/stix"
)

// Federation simulates the Union on this machine (a Union of Nodes
// national nodes and Hubs hubs, real processes with production keys,
// registry, node links and sealing) and measures, over Trials trials:
// how long a TLP:AMBER indicator posted at one node takes to be readable
// at every other national node; how long a sighting of it at another
// node takes to reach its producer; how long after three member states
// sight the same indicator both hubs have raised the early-warning alert;
// what a federation round with nothing new costs, with small stores and
// with StoreObjects more objects in each; and the resident memory of each
// idle node. Linux only (/proc).
type Federation struct {
	Binary       string // rampart binary the nodes run (default: the running one)
	Dir          string // where the nodes live (default: a temporary directory, removed after)
	Nodes, Hubs  int
	Trials       int
	StoreObjects int           // objects added to every store for the second round measure (0: none)
	RoundWindow  time.Duration // how long idle rounds are counted at each store size
	JSON         bool          // print a FederationResult instead of the table

	Stdout io.Writer
	Stderr io.Writer
}

// FederationResult is what Federation measured; latencies are in
// milliseconds, memory in MiB.
type FederationResult struct {
	Nodes        int     `json:"nodes"`
	Hubs         int     `json:"hubs"`
	Trials       int     `json:"trials"`
	SetupSeconds float64 `json:"setup_seconds"`
	// Indicator: per national node and trial, from when the producer
	// stored a TLP:AMBER indicator to when another national node had
	// stored it (both X-TAXII-Date-Added-First, one clock). AllWithin is,
	// per trial, the slowest of the other nodes.
	Indicator Latency `json:"amber_indicator"`
	AllWithin Latency `json:"amber_indicator_all_nodes"`
	// Sighting: from when a node stored its sighting of the producer's
	// indicator to when the producer had stored it.
	Sighting Latency `json:"sighting_to_producer"`
	// Alert: per hub and trial, from when the third member state's node
	// stored its sighting of a TLP:GREEN indicator to the hub's alert
	// naming three member states (its modified time).
	Alert Latency `json:"alert_at_hubs"`
	// Rounds: the rounds with nothing new that every node pulled from
	// its peers while idle, at each store size.
	Rounds []RoundCost `json:"no_change_rounds"`
	// Memory: VmRSS of each idle process, national nodes and hubs, with
	// small stores and after StoreObjects more.
	Memory []Memory `json:"memory"`
}

// Latency summarises latencies of one kind.
type Latency struct {
	Samples int     `json:"samples"`
	Missed  int     `json:"missed"` // did not arrive within the timeout
	P50     float64 `json:"p50_ms"`
	P99     float64 `json:"p99_ms"`
	Max     float64 `json:"max_ms"`
}

// RoundCost is what idle rounds with nothing new cost at one store size,
// from the nodes' rampart_peer_round_seconds histograms.
type RoundCost struct {
	StoreObjects int     `json:"store_objects"` // objects in the largest store
	Rounds       int     `json:"rounds"`
	Mean         float64 `json:"mean_ms"`
	P99          float64 `json:"p99_le_ms"` // upper bound of the histogram bucket holding the 99th percentile; -1 beyond 10 s
}

// Memory is the resident memory of the idle processes at one store size.
type Memory struct {
	StoreObjects int     `json:"store_objects"`
	NodeMedian   float64 `json:"node_median_mib"`
	NodeMax      float64 `json:"node_max_mib"`
	HubMax       float64 `json:"hub_max_mib"`
	// NodeHeap is the median Go heap in use of the national nodes
	// (go_memstats_heap_inuse_bytes): the part of VmRSS the node's own
	// data explains.
	NodeHeap float64 `json:"node_heap_median_mib"`
}

// federationTimeout is how long a measure waits for an object or an alert
// before counting it missed.
const federationTimeout = 60 * time.Second

// pollInterval is how often a node is asked whether an object or an
// alert arrived. The latencies come from the nodes' own times, not from
// the polling, so it is slow enough to add little load: 26 nodes polled
// at once.
const pollInterval = 200 * time.Millisecond

// Validate reports parameters out of range, naming their flags.
func (b *Federation) Validate() error {
	if b.Nodes < 3 {
		return fmt.Errorf("--nodes must be from 3 (three member states sight the same indicator) to %d (got %d)", len(MemberStates), b.Nodes)
	}
	u := &Union{Binary: b.Binary, Nodes: b.Nodes, Hubs: b.Hubs}
	if err := u.Validate(); err != nil {
		return err
	}
	if b.Trials < 1 {
		return fmt.Errorf("--trials must be at least 1 (got %d)", b.Trials)
	}
	if b.StoreObjects < 0 {
		return fmt.Errorf("--store-objects must not be negative (got %d)", b.StoreObjects)
	}
	if b.RoundWindow < time.Second {
		return fmt.Errorf("--round-window must be at least 1s (got %s)", b.RoundWindow)
	}
	return nil
}

// Run sets up the Union, measures it, prints the results and stops every
// node, also when ctx ends.
func (b *Federation) Run(ctx context.Context) (err error) {
	if err := b.Validate(); err != nil {
		return err
	}
	dir := b.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "rampart-union-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	line := progress.NewLine(b.Stderr)
	defer line.Clear()
	u := &Union{Binary: b.Binary, Dir: dir, Nodes: b.Nodes, Hubs: b.Hubs, MinStates: 3,
		Progress: func(step string, done, total int) { line.Printf("union: %s %d/%d", step, done, total) }}
	start := time.Now()
	if err := u.Open(ctx); err != nil {
		return err
	}
	defer u.Close()
	res := &FederationResult{Nodes: b.Nodes, Hubs: b.Hubs, Trials: b.Trials, SetupSeconds: time.Since(start).Seconds()}
	fmt.Fprintf(b.Stderr, "union: %d national nodes and %d hubs serving in %s\n", b.Nodes, b.Hubs, time.Since(start).Round(time.Second))
	// Objects must be created after the keys became valid.
	if err := sleepCtx(ctx, time.Second); err != nil {
		return err
	}
	r := &federationRun{Federation: b, u: u, line: line}
	if err := r.trials(ctx, res); err != nil {
		return r.explain(err)
	}
	if err := r.idle(ctx, res, 0); err != nil {
		return r.explain(err)
	}
	if b.StoreObjects > 0 {
		if err := r.grow(ctx); err != nil {
			return r.explain(err)
		}
		if err := r.idle(ctx, res, b.StoreObjects); err != nil {
			return r.explain(err)
		}
	}
	line.Clear()
	if b.JSON {
		return json.MarshalWrite(b.Stdout, res, jsontext.WithIndent("  "))
	}
	b.print(res)
	return nil
}

// federationRun is one run of the benchmark.
type federationRun struct {
	*Federation
	u    *Union
	line *progress.Line

	indicator, all, sighting, alert []time.Duration
	missed                          [4]int
}

// explain adds to an error the last lines each node logged.
func (r *federationRun) explain(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var b strings.Builder
	for _, m := range r.u.Members {
		if s := m.Log(); s != "" {
			fmt.Fprintf(&b, "\n%s logged:\n%s", m.Name, s)
		}
	}
	return fmt.Errorf("%w%s", err, b.String())
}

// trials runs the latency measures Trials times, each from another
// producer.
func (r *federationRun) trials(ctx context.Context, res *FederationResult) error {
	national := r.u.National()
	for k := range r.Trials {
		r.line.Printf("trial %d/%d: AMBER indicator", k+1, r.Trials)
		producer := national[k%len(national)]
		var others []*Member
		for i := 1; i < len(national); i++ {
			others = append(others, national[(k+i)%len(national)])
		}
		id, err := r.shareAmber(ctx, k, producer, others)
		if err != nil {
			return err
		}
		r.line.Printf("trial %d/%d: sighting back to the producer", k+1, r.Trials)
		if err := r.sightBack(ctx, id, producer, others[0]); err != nil {
			return err
		}
		r.line.Printf("trial %d/%d: early-warning alert at the hubs", k+1, r.Trials)
		states := []*Member{others[0], others[1], national[(k+3)%len(national)]}
		if err := r.alertHubs(ctx, producer, states); err != nil {
			return err
		}
	}
	res.Indicator = summarise(r.indicator, r.missed[0])
	res.AllWithin = summarise(r.all, r.missed[3])
	res.Sighting = summarise(r.sighting, r.missed[1])
	res.Alert = summarise(r.alert, r.missed[2])
	return nil
}

// indicatorObject returns an unsigned indicator by the member.
func indicatorObject(m *Member, tlp stix.TLP, pattern string) (id, obj string) {
	now := time.Now().UTC()
	ts := now.Format("2006-01-02T15:04:05.000Z")
	id = stix.NewID("indicator")
	return id, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"created_by_ref":%q,"name":"union benchmark","pattern":%q,"pattern_type":"stix","valid_from":%q,"object_marking_refs":[%q]}`,
		id, ts, ts, m.Org, pattern, now.Add(-time.Hour).Format(time.RFC3339), tlp.MarkingID())
}

// post signs objects as the member and stores them at its node.
func post(ctx context.Context, m *Member, objs ...string) error {
	signed, err := m.Sign(ctx, objs...)
	if err != nil {
		return err
	}
	return m.Post(ctx, signed...)
}

// shareAmber posts a TLP:AMBER indicator at producer and records when
// each of the others stored it.
func (r *federationRun) shareAmber(ctx context.Context, k int, producer *Member, others []*Member) (string, error) {
	id, obj := indicatorObject(producer, stix.TLPAmber, fmt.Sprintf("[domain-name:value = 'amber-%d-%x.union.example']", k, rand.Uint32()))
	if err := post(ctx, producer, obj); err != nil {
		return "", err
	}
	t0, err := producer.Added(ctx, id)
	if err != nil || t0.IsZero() {
		return "", fmt.Errorf("%s does not hold the indicator just posted: %v", producer.Name, err)
	}
	arrived, err := arrivals(ctx, others, id)
	if err != nil {
		return "", err
	}
	var slowest time.Duration
	missed := 0
	for _, at := range arrived {
		if at.IsZero() {
			missed++
			continue
		}
		d := at.Sub(t0)
		r.indicator = append(r.indicator, d)
		slowest = max(slowest, d)
	}
	r.missed[0] += missed
	if missed == 0 {
		r.all = append(r.all, slowest)
	} else {
		r.missed[3]++
	}
	return id, nil
}

// arrivals waits until every member holds object id, and returns when each
// stored it (zero: not within federationTimeout).
func arrivals(ctx context.Context, ms []*Member, id string) ([]time.Time, error) {
	out := make([]time.Time, len(ms))
	errs := make([]error, len(ms))
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Go(func() { out[i], errs[i] = arrival(ctx, m, id) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// arrival waits until m holds object id and returns when it stored it
// (zero: not within federationTimeout).
func arrival(ctx context.Context, m *Member, id string) (time.Time, error) {
	deadline := time.Now().Add(federationTimeout)
	for {
		at, err := m.Added(ctx, id)
		if err != nil || !at.IsZero() || time.Now().After(deadline) {
			return at, err
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			return time.Time{}, err
		}
	}
}

// observe posts an observation of value (e.g. `"domain-name:value":"x"`)
// at m until its matcher turns it into a sighting, and returns the
// sighting's id.
func observe(ctx context.Context, m *Member, value string) (string, error) {
	deadline := time.Now().Add(federationTimeout)
	for {
		line := fmt.Sprintf(`{"ts":%q,%s}`+"\n", time.Now().UTC().Format(time.RFC3339), value)
		var res struct {
			IDs []string `json:"sighting_ids"`
		}
		if err := m.Request(ctx, "POST", "/api/v1/observations", "application/x-ndjson", strings.NewReader(line), &res); err != nil {
			return "", err
		}
		if len(res.IDs) > 0 {
			return res.IDs[0], nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s: an observation of %s matched nothing for %s", m.Name, value, federationTimeout)
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			return "", err
		}
	}
}

// sightBack has sighter sight the producer's indicator id and records how
// long the sighting took to reach the producer.
func (r *federationRun) sightBack(ctx context.Context, id string, producer, sighter *Member) error {
	var pattern struct {
		Objects []struct {
			Pattern string `json:"pattern"`
		} `json:"objects"`
	}
	if err := sighter.Request(ctx, "GET", sighter.Objects+"?match[id]="+id, "", nil, &pattern); err != nil {
		return err
	}
	if len(pattern.Objects) != 1 {
		// The indicator never reached the sighter (counted above).
		r.missed[1]++
		return nil
	}
	domain := strings.TrimSuffix(strings.TrimPrefix(pattern.Objects[0].Pattern, "[domain-name:value = '"), "']")
	sid, err := observe(ctx, sighter, fmt.Sprintf(`"domain-name:value":%q`, domain))
	if err != nil {
		return err
	}
	t0, err := sighter.Added(ctx, sid)
	if err != nil || t0.IsZero() {
		return fmt.Errorf("%s does not hold its own sighting %s: %v", sighter.Name, sid, err)
	}
	at, err := arrival(ctx, producer, sid)
	if err != nil {
		return err
	}
	if at.IsZero() {
		r.missed[1]++
		return nil
	}
	r.sighting = append(r.sighting, at.Sub(t0))
	return nil
}

// alertHubs has the producer share a TLP:GREEN indicator, three member
// states sight it, and records when each hub raised the alert naming the
// three.
func (r *federationRun) alertHubs(ctx context.Context, producer *Member, states []*Member) error {
	ip := fmt.Sprintf("10.%d.%d.%d", rand.IntN(256), rand.IntN(256), 1+rand.IntN(254))
	id, obj := indicatorObject(producer, stix.TLPGreen, fmt.Sprintf("[ipv4-addr:value = '%s']", ip))
	if err := post(ctx, producer, obj); err != nil {
		return err
	}
	if arrived, err := arrivals(ctx, states, id); err != nil {
		return err
	} else if slices.ContainsFunc(arrived, time.Time.IsZero) {
		// The indicator did not reach a sighting state: no alert.
		r.missed[2] += len(r.u.HubMembers())
		return nil
	}
	var third time.Time
	for _, m := range states {
		sid, err := observe(ctx, m, fmt.Sprintf(`"ipv4-addr:value":%q`, ip))
		if err != nil {
			return err
		}
		if third, err = m.Added(ctx, sid); err != nil {
			return err
		}
	}
	hubs := r.u.HubMembers()
	raised := make([]time.Time, len(hubs))
	errs := make([]error, len(hubs))
	var wg sync.WaitGroup
	for i, h := range hubs {
		wg.Go(func() { raised[i], errs[i] = alertAt(ctx, h, id, len(states)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, at := range raised {
		if at.IsZero() {
			r.missed[2]++
			continue
		}
		r.alert = append(r.alert, max(0, at.Sub(third)))
	}
	return nil
}

// alertAt waits until hub h has a same-indicator alert about indicator id
// naming at least states member states, and returns its modified time
// (zero: not within federationTimeout).
func alertAt(ctx context.Context, h *Member, id string, states int) (time.Time, error) {
	deadline := time.Now().Add(federationTimeout)
	for {
		var list struct {
			Alerts []struct {
				Subject      string    `json:"subject_ref"`
				MemberStates []string  `json:"member_states"`
				Modified     time.Time `json:"modified"`
			} `json:"alerts"`
		}
		if err := h.Request(ctx, "GET", "/api/v1/alerts?rule=same-indicator", "", nil, &list); err != nil {
			return time.Time{}, err
		}
		for _, a := range list.Alerts {
			if a.Subject == id && len(a.MemberStates) >= states {
				return a.Modified, nil
			}
		}
		if time.Now().After(deadline) {
			return time.Time{}, nil
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			return time.Time{}, err
		}
	}
}

// idle counts the rounds with nothing new every node pulls while nothing
// happens for RoundWindow, then reads each node's memory.
func (r *federationRun) idle(ctx context.Context, res *FederationResult, stored int) error {
	// What the last measure or the growth set off settles first.
	if err := r.quiet(ctx); err != nil {
		return err
	}
	before, err := r.roundHistograms(ctx)
	if err != nil {
		return err
	}
	for end := time.Now().Add(r.RoundWindow); time.Now().Before(end); {
		r.line.Printf("idle rounds, stores +%d objects: %s left", stored, time.Until(end).Round(time.Second))
		if err := sleepCtx(ctx, min(time.Second, time.Until(end))); err != nil {
			return err
		}
	}
	after, err := r.roundHistograms(ctx)
	if err != nil {
		return err
	}
	rc := RoundCost{StoreObjects: stored}
	var delta histogram
	delta.sub(after, before)
	rc.Rounds = int(delta.count)
	if delta.count > 0 {
		rc.Mean = delta.sum / delta.count * 1000
		if rc.P99 = delta.quantile(0.99) * 1000; math.IsInf(rc.P99, 1) {
			rc.P99 = -1
		}
	}
	res.Rounds = append(res.Rounds, rc)
	mem := Memory{StoreObjects: stored}
	var nodes, heaps []float64
	for _, m := range r.u.Members {
		rss, err := procStatus(m.PID(), "VmRSS")
		if err != nil {
			return err
		}
		mib := float64(rss) / (1 << 20)
		if m.Hub {
			mem.HubMax = max(mem.HubMax, mib)
		} else {
			nodes = append(nodes, mib)
			heaps = append(heaps, float64(m.target.heapInUse(ctx))/(1<<20))
		}
	}
	slices.Sort(nodes)
	slices.Sort(heaps)
	mem.NodeMedian, mem.NodeMax, mem.NodeHeap = nodes[len(nodes)/2], nodes[len(nodes)-1], heaps[len(heaps)/2]
	res.Memory = append(res.Memory, mem)
	return nil
}

// quietFor is how long no node may store anything from a peer before the
// federation counts as idle; quietMax bounds the wait.
const (
	quietFor = 5 * time.Second
	quietMax = 3 * time.Minute
)

// quiet waits until no node has stored anything from a peer for quietFor
// (at most quietMax): what the trials or the growth set off has been
// pulled everywhere, and the rounds that follow are idle ones.
func (r *federationRun) quiet(ctx context.Context) error {
	last, since := -1.0, time.Now()
	for deadline := time.Now().Add(quietMax); time.Now().Before(deadline); {
		var stored float64
		for _, m := range r.u.Members {
			text, err := m.Metrics(ctx)
			if err != nil {
				return err
			}
			var h histogram
			h.parse(text, roundMetric, `outcome="stored"`)
			stored += h.count
		}
		if stored != last {
			last, since = stored, time.Now()
		}
		if time.Since(since) >= quietFor {
			return nil
		}
		r.line.Printf("waiting for the federation to settle: %.0f rounds stored something", stored)
		if err := sleepCtx(ctx, time.Second); err != nil {
			return err
		}
	}
	return nil
}

// grow adds StoreObjects objects to every node's store over TAXII:
// unsigned, so they stay where they are, and every peer's cursor passes
// them as withheld.
func (r *federationRun) grow(ctx context.Context) error {
	const batch = 1000
	var mu sync.Mutex
	done, total := 0, r.StoreObjects*len(r.u.Members)
	return r.u.each(ctx, r.u.Members, func(m *Member) error {
		run := fmt.Sprintf("%08x", rand.Uint32())
		for from := 0; from < r.StoreObjects; from += batch {
			to := min(from+batch, r.StoreObjects)
			body := envelope(from, to, func(i int) []byte { return mixedObject(run, i) })
			if err := m.Request(ctx, "POST", m.Objects, "application/taxii+json;version=2.1", bytes.NewReader(body), nil); err != nil {
				return err
			}
			mu.Lock()
			done += to - from
			r.line.Printf("growing stores: %d/%d objects", done, total)
			mu.Unlock()
		}
		return nil
	})
}

// print writes the results as a table.
func (b *Federation) print(res *FederationResult) {
	fmt.Fprintf(b.Stdout, "union: %d national nodes, %d hubs (%d rampart serve processes), set up in %.0f s; %d trials\n",
		res.Nodes, res.Hubs, res.Nodes+res.Hubs, res.SetupSeconds, res.Trials)
	w := tabwriter.NewWriter(b.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "measure\tsamples\tmissed\tp50\tp99\tmax\ttarget")
	lat := func(name string, l Latency, target string) {
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", name, l.Samples, l.Missed, fmtMS(l.P50), fmtMS(l.P99), fmtMS(l.Max), target)
	}
	lat(fmt.Sprintf("AMBER indicator at each other node (%d)", res.Nodes-1), res.Indicator, "p99 < 2 s")
	lat("AMBER indicator at all of them (per trial)", res.AllWithin, "< 2 s")
	lat("sighting back to the producer", res.Sighting, "")
	lat(fmt.Sprintf("alert at each hub (3 states, %d hubs)", res.Hubs), res.Alert, "")
	w.Flush()
	fmt.Fprintln(b.Stdout)
	w = tabwriter.NewWriter(b.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "stores\trounds with nothing new\tmean\tp99 ≤\tRSS node median\tnode max\thub max\tnode Go heap\ttargets")
	for i, rc := range res.Rounds {
		m := res.Memory[i]
		fmt.Fprintf(w, "+%d objects\t%d\t%s\t%s\t%.0f MiB\t%.0f MiB\t%.0f MiB\t%.0f MiB\tround < 100 ms, RSS ≤ 150 MiB\n",
			rc.StoreObjects, rc.Rounds, fmtMS(rc.Mean), fmtMS(rc.P99), m.NodeMedian, m.NodeMax, m.HubMax, m.NodeHeap)
	}
	w.Flush()
}

func fmtMS(v float64) string {
	switch {
	case v == 0:
		return "-"
	case v < 0:
		return "> 10 s"
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

// summarise returns the percentiles of latencies, in milliseconds.
func summarise(ds []time.Duration, missed int) Latency {
	l := Latency{Samples: len(ds), Missed: missed}
	if len(ds) == 0 {
		return l
	}
	slices.Sort(ds)
	l.P50, l.P99, l.Max = ms(pct(ds, 50)), ms(pct(ds, 99)), ms(ds[len(ds)-1])
	return l
}
