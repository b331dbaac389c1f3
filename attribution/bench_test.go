package attribution

import "testing"

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
