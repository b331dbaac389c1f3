package warning

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

var euStates = []string{"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
	"LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}

// BenchmarkEarlyWarning measures the engine on batches of 1000 sightings
// as TAXII hands them over: 10,000 indicators tied to 100 intrusion sets,
// four organisations in each of the 27 member states, sightings spread
// over 30 days. "cross-border" draws the sighting organisation from every
// state, so that most intrusion sets qualify and hundreds of alert
// versions are written per batch (a worst case); "one-state" draws it
// from France only, so that the rules are evaluated but never fire. It
// reports the time per sighting.
func BenchmarkEarlyWarning(b *testing.B) {
	b.Run("cross-border", func(b *testing.B) { benchmarkEarlyWarning(b, euStates) })
	b.Run("one-state", func(b *testing.B) { benchmarkEarlyWarning(b, []string{"FR"}) })
}

func benchmarkEarlyWarning(b *testing.B, states []string) {
	store := coordtest.NewStore(alertColl, "feed")
	store.PageSize = 1000
	now := t0.Add(30 * 24 * time.Hour)
	e := NewEngine()
	e.Objects, e.Collections, e.CollectionID = store, store, alertColl
	e.Now = func() time.Time { return now }
	if err := e.Open(ctx); err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	w := &world{t: b}
	var orgs []string
	for _, c := range states {
		for i := range 4 {
			orgs = append(orgs, w.org(fmt.Sprintf("org %s %d", c, i), c, "energy"))
		}
	}
	var inds []string
	for i := range 100 {
		set := w.set(fmt.Sprintf("set %d", i))
		for j := range 100 {
			ind := w.indicator(fmt.Sprintf("ind %d.%d", i, j), fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.1']", i, j))
			w.rel("indicates", ind, set)
			inds = append(inds, ind)
		}
	}
	e.Observe(w.take())
	if err := e.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const batch = 1000
	batches := make([][]*stix.Object, 0, 64)
	for range cap(batches) {
		for range batch {
			at := t0.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
			w.sight(inds[rng.IntN(len(inds))], orgs[rng.IntN(len(orgs))], at)
		}
		batches = append(batches, w.take())
	}
	b.ResetTimer()
	for i := range b.N {
		e.Observe(batches[i%len(batches)])
		if err := e.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/sighting")
	b.ReportMetric(float64(e.AlertsWritten())/float64(b.N), "alerts/batch")
}

// BenchmarkWatchlistMatch matches one indicator's values against a
// watchlist at MaxWatchlistEntries: 90,000 networks of mixed lengths,
// 9,990 domains and 10 brands.
func BenchmarkWatchlistMatch(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	wl := &Watchlist{Name: "big", MemberState: "FR"}
	for range 90000 {
		a := netip.AddrFrom4([4]byte{byte(rng.IntN(223) + 1), byte(rng.IntN(256)), byte(rng.IntN(256)), 0})
		bits := []int{16, 20, 24, 28, 32}[rng.IntN(5)]
		wl.Networks = append(wl.Networks, netip.PrefixFrom(a, bits).Masked())
	}
	for i := range 9990 {
		wl.Domains = append(wl.Domains, fmt.Sprintf("d%d.example.eu", i))
	}
	for i := range 10 {
		wl.Brands = append(wl.Brands, fmt.Sprintf("brand%d", i))
	}
	if err := wl.Validate(); err != nil {
		b.Fatal(err)
	}
	values, _ := Observables("[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'login.d77.example.eu'] OR [url:value = 'https://brand3-secure.example/x']")
	wl.Match(values) // build the index
	b.ResetTimer()
	for range b.N {
		if len(wl.Match(values)) < 2 {
			b.Fatal("no match")
		}
	}
}
