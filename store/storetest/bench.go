package storetest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Indicators returns n STIX 2.1 indicators of about 600 bytes each,
// numbered from start (the same number gives the same object).
func Indicators(start, n int) []*stix.Object {
	out := make([]*stix.Object, n)
	for i := range out {
		out[i] = benchObject("indicator", start+i, 0)
	}
	return out
}

// benchUUID returns a random-looking version 4 UUID made from n, so that
// benchmark objects are spread over the id index as real ones are.
func benchUUID(n int) string {
	h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(n)))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// benchObject returns object number n of a type, in version v (0, 1, …).
func benchObject(typ string, n, v int) *stix.Object {
	modified := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(v) * time.Hour).Format("2006-01-02T15:04:05.000Z")
	var js []byte
	switch typ {
	case "indicator":
		js = fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--%s",`+
			`"created":"2024-01-01T00:00:00.000Z","modified":%q,"created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",`+
			`"name":"Malicious site hosting downloader %d","description":"This organized threat actor group operates to create profit from all types of crime.",`+
			`"indicator_types":["malicious-activity"],"pattern":"[url:value = 'http://x%d.example.com/download/stage2.exe']","pattern_type":"stix",`+
			`"valid_from":"2024-01-01T00:00:00Z","labels":["downloader","benchmark"],`+
			`"object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],"x_rampart_score":%d}`,
			benchUUID(n), modified, n, n, n%100)
	default:
		js = fmt.Appendf(nil, `{"type":%q,"spec_version":"2.1","id":"%s--%s","created":"2024-01-01T00:00:00.000Z",`+
			`"modified":%q,"name":"%s %d","is_family":false}`, typ, typ, benchUUID(n), modified, typ, n)
	}
	o, err := stix.ParseObject(js)
	if err != nil {
		panic(err)
	}
	return o
}

// BenchCreateObjects measures CreateObjects of bundles of size new
// indicators into coll, reporting objects/s.
func BenchCreateObjects(b *testing.B, s Services, coll string, size int) {
	BenchCreateObjectsFrom(b, s, coll, size, 0)
}

// BenchCreateObjectsFrom is BenchCreateObjects with indicators numbered
// from first, so that runs against one database add new objects.
func BenchCreateObjectsFrom(b *testing.B, s Services, coll string, size, first int) {
	b.ReportAllocs()
	var bytes int64
	for _, o := range Indicators(0, size) {
		bytes += int64(len(o.Raw))
	}
	b.SetBytes(bytes)
	// Made before the clock starts, so that profiles show the store alone.
	bundles := make([][]*stix.Object, b.N)
	for i := range bundles {
		bundles[i] = Indicators(first+i*size, size)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := s.Objects.CreateObjects(ctx, coll, bundles[i])
		if err != nil {
			b.Fatal(err)
		}
		if !res[0].Added {
			b.Fatal("object not added")
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "objects/s")
}

// Fill stores n object versions in coll unless it already holds them, in
// bundles of 1,000: 80% indicators, 10% malware, 10% tools, and every
// twentieth object in a second version. It logs how long it took.
func Fill(b *testing.B, s Services, coll string, n int) {
	p, err := s.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: coll, Versions: []string{"all"}, Limit: 1, AfterSeq: 0, MetadataOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	if len(p.Versions) > 0 {
		return // built by an earlier run
	}
	start := time.Now()
	const bundle = 1000
	typeOf := func(k int) string {
		switch k % 10 {
		case 3:
			return "malware"
		case 7:
			return "tool"
		}
		return "indicator"
	}
	objs := make([]*stix.Object, 0, bundle)
	next := 0 // number of the next new object
	for stored := 0; stored < n; stored++ {
		if stored%20 == 19 {
			// A second version of an object stored a few places before.
			objs = append(objs, benchObject(typeOf(next-5), next-5, 1))
		} else {
			objs = append(objs, benchObject(typeOf(next), next, 0))
			next++
		}
		if len(objs) == bundle || stored == n-1 {
			if _, err := s.Objects.CreateObjects(ctx, coll, objs); err != nil {
				b.Fatal(err)
			}
			objs = objs[:0]
			if n >= 100_000 && (stored+1)%(n/10) == 0 {
				// Filling millions takes minutes: say how far it is.
				fmt.Fprintf(os.Stderr, "fill: %d of %d versions stored, %.0f/s\n", stored+1, n, float64(stored+1)/time.Since(start).Seconds())
			}
		}
	}
	b.Logf("stored %d object versions in %v", n, time.Since(start).Round(time.Millisecond))
}

// BenchFindObjects measures pages of filter (Limit 1,000 unless set) read
// from random positions of coll, and reports the p50 and p95 latency.
func BenchFindObjects(b *testing.B, s Services, filter rampart.ObjectFilter, maxSeq int64) {
	if filter.Limit == 0 {
		filter.Limit = 1000
	}
	rng := rand.New(rand.NewPCG(7, 7))
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := filter
		f.AfterSeq = rng.Int64N(max(1, maxSeq*8/10))
		t0 := time.Now()
		p, err := s.Objects.FindObjects(ctx, f)
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Versions) != filter.Limit {
			b.Fatalf("page of %d versions, want %d", len(p.Versions), filter.Limit)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}

// BenchListings runs BenchFindObjects as one sub-benchmark for each
// listing both stores report figures for: default, one type (malware),
// all versions without the JSON text, and one spec version. coll holds n
// versions (see Fill).
func BenchListings(b *testing.B, s Services, coll string, n int) {
	maxSeq := int64(n)
	b.Run("default", func(b *testing.B) {
		BenchFindObjects(b, s, rampart.ObjectFilter{CollectionID: coll}, maxSeq)
	})
	b.Run("type", func(b *testing.B) {
		BenchFindObjects(b, s, rampart.ObjectFilter{CollectionID: coll, Types: []string{"malware"}}, maxSeq/20)
	})
	b.Run("all-metadata", func(b *testing.B) {
		BenchFindObjects(b, s, rampart.ObjectFilter{CollectionID: coll, Versions: []string{"all"}, MetadataOnly: true}, maxSeq)
	})
	b.Run("spec21", func(b *testing.B) {
		BenchFindObjects(b, s, rampart.ObjectFilter{CollectionID: coll, SpecVersions: []string{"2.1"}}, maxSeq)
	})
}

// BenchServices measures, one sub-benchmark each, the calls other than
// object reads and writes that a node makes per request or per exchange:
// reading a collection (every TAXII request names one), authenticating a
// token and reading an account with its grants (every request), reading
// a status, recording a step of a peer exchange (a write transaction of
// three statements) and reading a peer's status (a read transaction of
// three queries). s needs Collections, Accounts, Statuses and Peers.
func BenchServices(b *testing.B, s Services) {
	if err := s.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "services"}); err != nil {
		b.Fatal(err)
	}
	coll := &rampart.Collection{APIRoot: "services", Title: "bench", MediaTypes: []string{"application/stix+json;version=2.1"}}
	if err := s.Collections.CreateCollection(ctx, coll); err != nil {
		b.Fatal(err)
	}
	const account = "bench"
	if err := s.Accounts.CreateAccount(ctx, &rampart.Account{Name: account,
		Grants: []rampart.Grant{{CollectionID: coll.ID, Read: true, Write: true}}}, "a password long enough"); err != nil {
		b.Fatal(err)
	}
	token, err := s.Accounts.CreateToken(ctx, account, "bench")
	if err != nil {
		b.Fatal(err)
	}
	st := &rampart.Status{APIRoot: "services", Account: account, Status: rampart.StatusComplete, TotalCount: 2, SuccessCount: 2,
		Successes: []rampart.StatusDetail{{ID: "indicator--" + benchUUID(1), Version: "2024-01-01T00:00:00.000Z"}, {ID: "indicator--" + benchUUID(2), Version: "2024-01-01T00:00:00.000Z"}}}
	if err := s.Statuses.CreateStatus(ctx, st); err != nil {
		b.Fatal(err)
	}
	const peer = "identity--b0b0b0b0-b0b0-4b0b-8b0b-b0b0b0b0b0b0"
	if err := s.Peers.CreatePeer(ctx, &rampart.Peer{ID: peer, Name: "bench", URL: "https://peer.example", APIRoot: "api"}); err != nil {
		b.Fatal(err)
	}
	run := func(name string, f func(i int) error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := f(i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("collection", func(int) error {
		_, err := s.Collections.FindCollectionByID(ctx, "services", coll.ID)
		return err
	})
	run("token", func(int) error {
		_, err := s.Accounts.AuthenticateToken(ctx, token)
		return err
	})
	run("account", func(int) error {
		_, err := s.Accounts.FindAccountByName(ctx, account)
		return err
	})
	run("status", func(int) error {
		_, err := s.Statuses.FindStatusByID(ctx, "services", st.ID)
		return err
	})
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run("peer-sync", func(i int) error {
		return s.Peers.RecordPeerSync(ctx, &rampart.PeerSync{PeerID: peer, ObjectsIn: 10, Completed: true,
			Cursor: &rampart.PeerCursor{CollectionID: coll.ID, AddedAfter: at.Add(time.Duration(i) * time.Millisecond)}})
	})
	run("peer-status", func(int) error {
		_, err := s.Peers.FindPeerStatus(ctx, peer)
		return err
	})
}

// BenchLargeObjects stores n notes of size bytes of JSON each in coll and
// measures, one sub-benchmark each, a metadata-only listing of them all
// (which tells each version's Size without reading its JSON, so its time
// should not grow with size) and a read of one of them with its JSON
// (ThroughSeq ending the listing there).
func BenchLargeObjects(b *testing.B, s Services, coll string, n, size int) {
	content := strings.Repeat("x", size-300)
	for i := range n {
		o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"note","spec_version":"2.1","id":"note--%s","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","content":%q,"object_refs":["indicator--%s"]}`,
			benchUUID(i), content, benchUUID(i+1)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Objects.CreateObjects(ctx, coll, []*stix.Object{o}); err != nil {
			b.Fatal(err)
		}
	}
	f := rampart.ObjectFilter{CollectionID: coll, Limit: n, MetadataOnly: true}
	p, err := s.Objects.FindObjects(ctx, f)
	if err != nil {
		b.Fatal(err)
	}
	if len(p.Versions) != n {
		b.Fatalf("%d versions listed, want %d", len(p.Versions), n)
	}
	b.Run("metadata", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := s.Objects.FindObjects(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			for _, v := range p.Versions {
				if v.Size < int64(size-300) {
					b.Fatalf("version %d: Size %d, want about %d", v.Seq, v.Size, size)
				}
			}
		}
	})
	b.Run("one", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(p.Versions[n/2].Size)
		one := rampart.ObjectFilter{CollectionID: coll, AfterSeq: p.Versions[n/2-1].Seq, ThroughSeq: p.Versions[n/2].Seq}
		for b.Loop() {
			q, err := s.Objects.FindObjects(ctx, one)
			if err != nil {
				b.Fatal(err)
			}
			if len(q.Versions) != 1 || q.More {
				b.Fatalf("%d versions, more %v; want one", len(q.Versions), q.More)
			}
		}
	})
}
