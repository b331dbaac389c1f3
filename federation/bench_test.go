package federation

import (
	"context"
	"encoding/json/jsontext"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// benchObjects keeps signed objects between benchmarks: signing costs
// about a millisecond each.
var benchObjects struct {
	sync.Mutex
	objs []*stix.Object
}

// signedObjects returns n distinct GREEN indicators signed by CERT-FR
// (eu-pq-base: ML-DSA-65 and ES256).
func signedObjects(b testing.TB, f *testFed, n int) []*stix.Object {
	benchObjects.Lock()
	defer benchObjects.Unlock()
	for len(benchObjects.objs) < n {
		k := n - len(benchObjects.objs)
		out := make([]*stix.Object, k)
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Go(func() {
				for i := w; i < k; i += 2 {
					out[i] = f.signed(b, object(b, orgFR, stix.TLPGreen, fmt.Sprintf("bench %d", i), ""))
				}
			})
		}
		wg.Wait()
		benchObjects.objs = append(benchObjects.objs, out...)
	}
	return benchObjects.objs[:n]
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIngest is a node pulling a collection from the hub over a real
// node link: every object fetched, parsed, verified (ML-DSA-65 and ES256,
// on all cores, no cache: a fresh verifier each time) and stored in a new
// SQLite store. It reports objects/s, and CPU time per object (both nodes
// run in this process, so that includes serving).
func BenchmarkIngest(b *testing.B) {
	const n = 2000
	f := sharedFed(b)
	objs := signedObjects(b, f, n)
	h := newTestNode(b, f, orgHub, "")
	h.add(b, objs...)
	first := newTestNode(b, f, orgIT, "")
	h.peer(b, first) // the hub lets CSIRT Italia read
	h.start(b, func(n *Node) { n.Manual = true })
	ctx := context.Background()
	total := 0
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		c := newTestNode(b, f, orgIT, "")
		c.peer(b, h)
		c.start(b, func(n *Node) { n.Manual = true })
		cpu0 := cpuTime()
		b.StartTimer()
		if err := c.node.Sync(ctx, orgHub); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - cpu0
		if got := c.status(b, orgHub).ObjectsIn; got != n {
			b.Fatalf("stored %d objects, want %d", got, n)
		}
		total += n
		c.stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/object")
}

// BenchmarkPropagation is the time from storing an object on node A until
// node C, behind the hub, has verified and stored it: A → hub → C over
// real node links, each hop a long poll answered, a page pulled, verified
// and stored (SQLite, synchronous commits). A TLP:GREEN object travels in
// clear; a TLP:AMBER one is sealed by A's outbox to every member state
// first and crosses the hub as an envelope it cannot open. It reports the
// median and the 99th percentile.
func BenchmarkPropagation(b *testing.B) {
	for _, tlp := range []stix.TLP{stix.TLPGreen, stix.TLPAmber} {
		b.Run(tlp.String(), func(b *testing.B) { benchmarkPropagation(b, tlp) })
	}
}

func benchmarkPropagation(b *testing.B, tlp stix.TLP) {
	f := sharedFed(b)
	a, h := newTestNode(b, f, orgFR, ""), newTestNode(b, f, orgHub, "")
	c := newTestNode(b, f, orgIT, "")
	link(b, a, h)
	link(b, c, h)
	arrived := make(chan string, 1024)
	h.start(b, nil)
	a.start(b, nil)
	c.start(b, nil)
	c.onAdded(func(vs []*rampart.ObjectVersion) {
		for _, v := range vs {
			arrived <- v.Object.ID
		}
	})
	// Let the links settle: one object through before measuring.
	warm := f.signed(b, object(b, orgFR, tlp, "warm", ""))
	a.add(b, warm)
	for id := <-arrived; id != warm.ID; id = <-arrived {
	}
	objs := make([]*stix.Object, b.N)
	for i := range objs {
		objs[i] = f.signed(b, object(b, orgFR, tlp, fmt.Sprintf("propagation %d", i), ""))
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		a.add(b, objs[i])
		for id := <-arrived; id != objs[i].ID; id = <-arrived {
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
}

// BenchmarkRoundNothingNew is one round with a peer that has nothing new
// for this node: one TAXII request over an open node link, answered from
// one index probe, and the round recorded in the store.
func BenchmarkRoundNothingNew(b *testing.B) {
	f := sharedFed(b)
	h := newTestNode(b, f, orgHub, "")
	c := newTestNode(b, f, orgIT, "")
	link(b, c, h)
	h.add(b, signedObjects(b, f, 1000)...)
	h.start(b, func(n *Node) { n.Manual = true })
	c.start(b, func(n *Node) { n.Manual = true })
	ctx := context.Background()
	if err := c.node.Sync(ctx, orgHub); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := c.node.Sync(ctx, orgHub); err != nil {
			b.Fatal(err)
		}
	}
	if got := c.status(b, orgHub).ObjectsIn; got != 1000 {
		b.Fatalf("stored %d objects, want 1000", got)
	}
}

// BenchmarkIngestLocal is the receiving node's share of ingest alone:
// pages already fetched are checked (parsed, verified on all cores, no
// cache) and stored in a new SQLite store, with no hub or network in the
// process. It bounds what BenchmarkIngest can reach on this machine. The
// "sealed" case receives TLP:AMBER objects as A's outbox sends them:
// envelopes of up to 1,000 objects sealed to every member state, each
// verified and opened, and each object inside verified.
func BenchmarkIngestLocal(b *testing.B) {
	const n, page = 2000, 1000
	f := sharedFed(b)
	objs := signedObjects(b, f, n)
	clear := make([]jsontext.Value, n)
	for i, o := range objs {
		clear[i] = o.Raw
	}
	var sealed []jsontext.Value
	reg := f.registry(b)
	members := []string{orgDE, orgIT, orgOld}
	for batch := range slices.Chunk(objs, page) {
		env, err := f.ids[orgFR].Seal(batch, reg, members...)
		if err != nil {
			b.Fatal(err)
		}
		sealed = append(sealed, env.Raw)
	}
	for _, tc := range []struct {
		name  string
		pages [][]jsontext.Value
	}{
		{"clear", slices.Collect(slices.Chunk(clear, page))},
		{"sealed", [][]jsontext.Value{sealed}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			total := 0
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				c := newTestNode(b, f, orgIT, "")
				c.start(b, func(n *Node) { n.Manual = true })
				cpu0 := cpuTime()
				b.StartTimer()
				stored := int64(0)
				for _, p := range tc.pages {
					in, rejected, err := c.node.ingest(ctx, &rampart.Peer{ID: orgHub}, p)
					if err != nil || len(rejected) > 0 {
						b.Fatalf("ingest: %d stored, %d refused, %v", in, len(rejected), err)
					}
					stored += in
				}
				b.StopTimer()
				if stored != n {
					b.Fatalf("stored %d objects, want %d", stored, n)
				}
				cpu += cpuTime() - cpu0
				total += n
				c.stop()
				b.StartTimer()
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "objects/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/object")
		})
	}
}
