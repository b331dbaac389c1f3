package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/misp"
)

// benchEvents makes n MISP events of size attributes each, shaped like a
// CSIRT's OSINT feed: four in five to_ids (domains, URLs, IP addresses,
// hashes, file names with hashes), the rest context (source IPs, text),
// two objects (file, domain-ip), TLP and other tags, a threat-actor
// galaxy (when galaxy is set). seed keeps the uuids and values of each
// call apart.
func benchEvents(seed, n, size int, galaxy bool) []*misp.Event {
	var evs []*misp.Event
	uuid := func(kind, i, j int) string {
		return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", seed, kind, i%0xfff, j%0xfff, i*100000+j)
	}
	hash := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	for i := range n {
		ev := &misp.Event{EventInfo: misp.EventInfo{UUID: uuid(1, i, 0), Info: fmt.Sprintf("OSINT campaign %d-%d", seed, i),
			Date: "2026-03-01", Timestamp: "1772323200", Published: true, Distribution: "3", ThreatLevelID: "2", Analysis: "2",
			Orgc: &misp.Org{Name: "CIRCL", UUID: "55f6ea5e-2c60-40e5-964f-47a8950d210f"},
			Tag:  []misp.Tag{{Name: "tlp:green"}, {Name: "type:OSINT"}, {Name: `misp-galaxy:threat-actor="Sofacy"`}},
			Galaxy: []misp.Galaxy{{Type: "threat-actor", Name: "Threat Actor", GalaxyCluster: []misp.GalaxyCluster{{
				UUID: "7cdd1e6f-1f2e-4fd1-8e94-3f1b0fd3c8a1", Value: "Sofacy", TagName: `misp-galaxy:threat-actor="Sofacy"`,
				Meta: map[string]any{"synonyms": []any{"APT28", "Fancy Bear"}}}}}}}}
		for j := range size {
			v := fmt.Sprintf("%d-%d-%d", seed, i, j)
			a := misp.Attribute{UUID: uuid(2, i, j), Category: "Network activity", ToIDs: true, Timestamp: "1772323200",
				Comment: "seen in the campaign's phishing wave"}
			switch j % 10 {
			case 0, 1:
				a.Type, a.Value = "domain", "c2-"+v+".example"
			case 2, 3:
				a.Type, a.Value = "url", "https://dl-"+v+".example/payload.bin"
			case 4:
				a.Type, a.Value = "ip-dst", fmt.Sprintf("198.%d.%d.%d", 18+seed%2, (i*7+j/250)%256, j%250+1)
			case 5:
				a.Type, a.Value, a.Category = "sha256", hash(v), "Payload delivery"
			case 6:
				a.Type, a.Value, a.Category = "filename|sha256", "invoice-"+v+".exe|"+hash("f"+v), "Payload delivery"
			case 7:
				a.Type, a.Value, a.Category = "md5", hash(v)[:32], "Payload delivery"
			case 8:
				a.Type, a.Value, a.ToIDs = "ip-src", fmt.Sprintf("203.0.%d.%d", (i+j)%256, j%250+1), false
			case 9:
				a.Type, a.Value, a.ToIDs, a.Category = "text", "analyst note "+v, false, "Other"
			}
			ev.Attribute = append(ev.Attribute, a)
		}
		ev.Object = []misp.Object{
			{UUID: uuid(3, i, 0), Name: "file", MetaCategory: "file", Attribute: []misp.Attribute{
				{UUID: uuid(4, i, 0), Type: "filename", ObjectRelation: "filename", Value: "dropper.exe"},
				{UUID: uuid(4, i, 1), Type: "md5", ObjectRelation: "md5", Value: hash("o" + fmt.Sprint(seed, i))[:32], ToIDs: true},
				{UUID: uuid(4, i, 2), Type: "sha256", ObjectRelation: "sha256", Value: hash("p" + fmt.Sprint(seed, i)), ToIDs: true}}},
			{UUID: uuid(3, i, 1), Name: "domain-ip", MetaCategory: "network", Attribute: []misp.Attribute{
				{UUID: uuid(4, i, 3), Type: "domain", ObjectRelation: "domain", Value: fmt.Sprintf("obj-%d-%d.example", seed, i), ToIDs: true},
				{UUID: uuid(4, i, 4), Type: "ip-dst", ObjectRelation: "ip", Value: fmt.Sprintf("192.0.2.%d", i%250+1)}}},
		}
		if !galaxy {
			ev.Galaxy, ev.Tag = nil, ev.Tag[:2]
		}
		evs = append(evs, ev)
	}
	return evs
}

// BenchmarkImportMISP imports 20 events of 1,000 attributes (and two
// objects each) into a node's SQLite store per iteration, each iteration
// new events, and reports MISP attributes stored per second: events with
// a threat-actor galaxy (each indicator then gets a relationship to the
// intrusion set, about two objects per attribute) and events without.
//
//	go test -run '^$' -bench ImportMISP -benchtime 3x ./node/
func BenchmarkImportMISP(b *testing.B) {
	b.Run("galaxy", func(b *testing.B) { benchImportMISP(b, true) })
	b.Run("plain", func(b *testing.B) { benchImportMISP(b, false) })
}

func benchImportMISP(b *testing.B, galaxy bool) {
	ctx := context.Background()
	n, err := Open(ctx, Config{DataDir: b.TempDir(), Create: true, AdminPassword: "a-long-bench-password"})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	c, err := n.FindCollection(ctx, DefaultAPIRoot, DefaultCollection)
	if err != nil {
		b.Fatal(err)
	}
	const events, size = 20, 1000
	attrs := 0
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		evs := benchEvents(i+1, events, size, galaxy)
		b.StartTimer()
		sum, err := n.ImportMISP(ctx, c, MISPEvents(evs, "bench"), nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(sum.MISP.Failures) > 0 || sum.Store.Invalid > 0 || sum.MISP.Attributes != events*size {
			b.Fatalf("import: %s; store: %+v", sum.MISP, sum.Store)
		}
		attrs += sum.MISP.Attributes
	}
	b.ReportMetric(float64(attrs)/b.Elapsed().Seconds(), "attributes/s")
	// CPU time per attribute, generation of the events included, says
	// what the machine's load does not: 2 idle cores import at most
	// 2e6/(cpu-µs/attribute) attributes/s.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(attrs), "cpu-µs/attribute")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
