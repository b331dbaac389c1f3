package attribution

import (
	"compress/gzip"
	"context"
	json "encoding/json/v2"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// BenchmarkRank measures one query over all 172 active intrusion sets of
// ATT&CK Enterprise, with explanations of the ten best: a campaign-sized
// query (the techniques and software of the SolarWinds compromise, C0024)
// and a small one.
func BenchmarkRank(b *testing.B) {
	k := attack(b)
	e := NewEngine(k, Config{})
	camp := k.Lookup("C0024")
	var large Query
	for _, r := range k.Relationships(RelUses) {
		if r.Source != camp.ID {
			continue
		}
		switch t := k.Entry(r.Target); t.Type {
		case TypeTechnique:
			large.Techniques = append(large.Techniques, t.ExternalID)
		default:
			large.Software = append(large.Software, t.ExternalID)
		}
	}
	small := Query{Techniques: []string{"T1566.001", "T1059.001", "T1071.001", "T1003.001", "T1547.001"}, Software: []string{"S0154"}}
	for _, bc := range []struct {
		name string
		q    Query
	}{{"campaign-82-items", large}, {"small-6-items", small}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if r := e.Rank(bc.q); len(r.Candidates) == 0 {
					b.Fatal("no candidates")
				}
			}
		})
	}
}

func BenchmarkNewEngine(b *testing.B) {
	k := attack(b)
	for b.Loop() {
		NewEngine(k, Config{})
	}
}

// BenchmarkIncidentAttribution measures attributing one incident from a
// store holding ATT&CK Enterprise (in memory, so that the store's own
// speed is left out) and an incident whose grouping holds the sightings
// of 20 indicators, each indicating a technique of the SolarWinds
// compromise (C0024): reading the knowledge, gathering the evidence
// (with the engine built), and ranking, comparing and writing the note.
func BenchmarkIncidentAttribution(b *testing.B) {
	f, err := os.Open(attackPath)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	objs := &memObjects{colls: map[string][]*stix.Object{}}
	br := stix.NewBundleReader(zr)
	for {
		o, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		objs.colls["attack"] = append(objs.colls["attack"], o)
	}
	k := attack(b)
	camp := k.Lookup("C0024")
	put := func(raw string) string {
		o, err := stix.ParseObject([]byte(raw))
		if err != nil {
			b.Fatal(err)
		}
		objs.colls["intel"] = append(objs.colls["intel"], o)
		return o.ID
	}
	const common = `"spec_version":"2.1","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"`
	inc := put(`{"type":"incident",` + common + `,"id":"incident--00000000-0000-4000-8000-000000000001","name":"bench"}`)
	var refs []string
	for i, r := range k.Relationships(RelUses) {
		if r.Source != camp.ID || typeOf(r.Target) != TypeTechnique || len(refs) == 20 {
			continue
		}
		ind := put(fmt.Sprintf(`{"type":"indicator",%s,"id":"indicator--00000000-0000-4000-8000-%012d","pattern":"[domain-name:value = 'x%d.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`, common, i, i))
		put(fmt.Sprintf(`{"type":"relationship",%s,"id":"relationship--00000000-0000-4000-8000-%012d","relationship_type":"indicates","source_ref":%q,"target_ref":%q}`, common, i, ind, r.Target))
		refs = append(refs, put(fmt.Sprintf(`{"type":"sighting",%s,"id":"sighting--00000000-0000-4000-8000-%012d","sighting_of_ref":%q}`, common, i, ind)))
	}
	refsJSON, _ := json.Marshal(append([]string{inc}, refs...))
	put(`{"type":"grouping",` + common + `,"id":"grouping--00000000-0000-4000-8000-000000000001","context":"suspicious-activity","object_refs":` + string(refsJSON) + `}`)
	st := &Store{Objects: objs, Collections: []string{"attack", "intel"}}
	ctx := context.Background()
	b.Run("knowledge", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.Knowledge(ctx, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	sk, err := st.Knowledge(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	e := NewEngine(sk, Config{})
	var ev *IncidentEvidence
	b.Run("gather", func(b *testing.B) {
		for b.Loop() {
			if ev, err = GatherIncident(ctx, st, sk, inc); err != nil || len(ev.Techniques) != 20 {
				b.Fatalf("gather: %v, %d techniques", err, len(ev.Techniques))
			}
		}
	})
	b.Run("attribute-and-note", func(b *testing.B) {
		for b.Loop() {
			a := e.AttributeIncident(ev, 10)
			if _, err := a.Note("", time.Now()); err != nil || a.Ranking.Candidates[0].Entry.ExternalID != "G0016" {
				b.Fatalf("note: %v; first %s", err, a.Ranking.Candidates[0].Entry.Label())
			}
		}
	})
}
