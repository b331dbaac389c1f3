package coord

import (
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// BenchmarkCountEndorsements counts 27 endorsements, one per member state,
// with a fresh verifier each time (so every signature is verified: ML-DSA
// and ECDSA, the cost of checking a statement offline).
func BenchmarkCountEndorsements(b *testing.B) {
	f := newFederation(b)
	s := draftStatement(b)
	s.Invited = []string{orgIDs["FR"], orgIDs["DE"], orgIDs["IT"]}
	s.Threshold = 3
	if _, err := s.Object(t0); err != nil {
		b.Fatal(err)
	}
	var objs []*stix.Object
	for i := range 9 {
		for _, c := range []string{"FR", "DE", "IT"} {
			objs = append(objs, f.endorse(b, s, c, t0.Add(time.Duration(i)*time.Minute)))
		}
	}
	b.ResetTimer()
	for range b.N {
		v := newFederationVerifier(f)
		if q := CountEndorsements(s, objs, v); !q.Reached {
			b.Fatal("quorum not reached")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(objs)), "ns/endorsement")
}
