package attribution

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Where noise techniques are drawn, relative to the true set's profile.
const (
	NoiseAny     = "any"     // any technique of the pool the incident does not already hold
	NoiseInside  = "inside"  // techniques the true set uses (but that were not sampled)
	NoiseOutside = "outside" // techniques the true set does not use
)

// Family is one protocol of evaluation incidents. Sampled families draw a
// set among those with MinTechniques to MaxTechniques techniques of their
// own, K of them (all of them when it has fewer), Software of its
// software, and Noise techniques from the NoisePool techniques most sets
// use. Campaign families attribute ATT&CK campaigns instead.
type Family struct {
	Name string
	// K is the number of the set's techniques sampled.
	K int
	// MinTechniques and MaxTechniques bound the sets drawn by the number
	// of techniques they use; MaxTechniques 0 means no bound.
	MinTechniques, MaxTechniques int
	// Noise techniques drawn from the NoisePool most used, from NoiseSide
	// of the true set's profile.
	Noise, NoisePool int
	NoiseSide        string
	// Software is how many of the set's software the query also names
	// (only sets with at least that many are drawn). A negative value
	// draws only sets with at least -Software software and names none:
	// the same incidents as the family with Software, without it.
	Software int
	// Stream selects the random stream: families with the same Stream,
	// K, bounds and Noise draw the same sets and techniques, so that
	// they differ only in what else they add.
	Stream uint64
	// Campaigns makes a campaign family: every attributed campaign, its
	// techniques (a random Partial share of them when Partial > 0) and
	// software; the campaign itself is hidden, and every campaign when
	// AllCampaignsHidden.
	Campaigns          bool
	Partial            float64
	AllCampaignsHidden bool
}

// DefaultFamilies are the robustness families of docs/ATTRIBUTION.md.
var DefaultFamilies = []Family{
	{Name: "noise top-20 any", K: 5, MinTechniques: 10, Noise: 2, NoisePool: 20, NoiseSide: NoiseAny, Stream: 1},
	{Name: "noise top-20 inside", K: 5, MinTechniques: 10, Noise: 2, NoisePool: 20, NoiseSide: NoiseInside, Stream: 1},
	{Name: "noise top-20 outside", K: 5, MinTechniques: 10, Noise: 2, NoisePool: 20, NoiseSide: NoiseOutside, Stream: 1},
	{Name: "noise top-50 inside", K: 5, MinTechniques: 10, Noise: 2, NoisePool: 50, NoiseSide: NoiseInside, Stream: 1},
	{Name: "noise top-50 outside", K: 5, MinTechniques: 10, Noise: 2, NoisePool: 50, NoiseSide: NoiseOutside, Stream: 1},
	{Name: "noise top-100 inside", K: 5, MinTechniques: 10, Noise: 2, NoisePool: 100, NoiseSide: NoiseInside, Stream: 1},
	{Name: "noise top-100 outside", K: 5, MinTechniques: 10, Noise: 2, NoisePool: 100, NoiseSide: NoiseOutside, Stream: 1},
	{Name: "0 noise", K: 5, MinTechniques: 10, Noise: 0, NoisePool: 50, NoiseSide: NoiseOutside, Stream: 1},
	{Name: "1 noise (top-50 outside)", K: 5, MinTechniques: 10, Noise: 1, NoisePool: 50, NoiseSide: NoiseOutside, Stream: 1},
	{Name: "3 noise (top-50 outside)", K: 5, MinTechniques: 10, Noise: 3, NoisePool: 50, NoiseSide: NoiseOutside, Stream: 1},
	{Name: "4 noise (top-50 outside)", K: 5, MinTechniques: 10, Noise: 4, NoisePool: 50, NoiseSide: NoiseOutside, Stream: 1},
	{Name: "few techniques (<10), k≤5, 2 noise", K: 5, MinTechniques: 1, MaxTechniques: 9, Noise: 2, NoisePool: 50, NoiseSide: NoiseOutside, Stream: 2},
	{Name: "with software (2), 2 noise", K: 5, MinTechniques: 10, Noise: 2, NoisePool: 50, NoiseSide: NoiseOutside, Software: 2, Stream: 3},
	{Name: "without software, same incidents", K: 5, MinTechniques: 10, Noise: 2, NoisePool: 50, NoiseSide: NoiseOutside, Stream: 3, Software: -2},
	{Name: "campaigns, each hidden", Campaigns: true},
	{Name: "campaigns, half of techniques", Campaigns: true, Partial: 0.5},
	{Name: "campaigns, all hidden", Campaigns: true, AllCampaignsHidden: true},
	{Name: "campaigns, all hidden, half of techniques", Campaigns: true, AllCampaignsHidden: true, Partial: 0.5},
}

// FamilyResult is the engine's accuracy on one family, with the
// calibration error of its score there.
type FamilyResult struct {
	Family Family
	Regime RegimeResult
	ECE    float64
}

// FindFamilies returns the families of DefaultFamilies named in names
// (case-insensitive); all of them for "all", none for "none". It returns an
// error naming an unknown family.
func FindFamilies(names []string) ([]Family, error) {
	var out []Family
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch strings.ToLower(n) {
		case "all":
			return DefaultFamilies, nil
		case "none", "":
			continue
		}
		i := slices.IndexFunc(DefaultFamilies, func(f Family) bool { return strings.EqualFold(f.Name, n) })
		if i < 0 {
			return nil, fmt.Errorf("unknown evaluation family %q", n)
		}
		out = append(out, DefaultFamilies[i])
	}
	return out, nil
}

// check returns an error naming the family and the field when the family
// cannot be drawn.
func (f Family) check() error {
	switch {
	case f.Campaigns:
		if f.Partial < 0 || f.Partial > 1 {
			return fmt.Errorf("family %q: partial must be in [0, 1] (got %v)", f.Name, f.Partial)
		}
	case f.NoiseSide != NoiseAny && f.NoiseSide != NoiseInside && f.NoiseSide != NoiseOutside:
		return fmt.Errorf("family %q: noise side must be any, inside or outside (got %q)", f.Name, f.NoiseSide)
	case f.K < 1:
		return fmt.Errorf("family %q: k must be at least 1 (got %d)", f.Name, f.K)
	case f.Noise < 0 || f.Noise > 0 && f.NoisePool < 1:
		return fmt.Errorf("family %q: noise needs a pool of at least one technique (got %d noise from %d)", f.Name, f.Noise, f.NoisePool)
	}
	return nil
}

// family draws the incidents of one family from the seed.
func (ev *evaluator) family(f Family, seed uint64) ([]incident, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if f.Campaigns {
		return ev.campaignFamily(f, seed), nil
	}
	rng := rand.New(rand.NewPCG(seed, 0xfa000000+f.Stream))
	pool := ev.noisePoolN(f.NoisePool)
	var eligible []*candidate
	for _, c := range ev.base.groups.cands {
		n := len(directTechniques(c))
		if n >= f.MinTechniques && (f.MaxTechniques == 0 || n <= f.MaxTechniques) && len(directSoftware(c)) >= abs(f.Software) {
			eligible = append(eligible, c)
		}
	}
	var out []incident
	for range ev.cfg.FamilyN {
		if len(eligible) == 0 {
			break
		}
		c := eligible[rng.IntN(len(eligible))]
		ts := directTechniques(c)
		rng.Shuffle(len(ts), func(i, j int) { ts[i], ts[j] = ts[j], ts[i] })
		picked := ts[:min(f.K, len(ts))]
		q := Query{ID: c.entry.ExternalID}
		for _, t := range picked {
			q.Techniques = append(q.Techniques, t.ID)
		}
		noise := slices.Clone(pool)
		rng.Shuffle(len(noise), func(i, j int) { noise[i], noise[j] = noise[j], noise[i] })
		added := 0
		for _, t := range noise {
			if added == f.Noise {
				break
			}
			tt, tied := c.profile[t]
			inside := tied && tt.src == SourceDirect
			if slices.Contains(picked, t) || f.NoiseSide == NoiseInside && !inside || f.NoiseSide == NoiseOutside && inside {
				continue
			}
			q.Techniques = append(q.Techniques, t.ID)
			added++
		}
		sw := directSoftware(c)
		rng.Shuffle(len(sw), func(i, j int) { sw[i], sw[j] = sw[j], sw[i] })
		if f.Software > 0 {
			for _, s := range sw[:f.Software] {
				q.Software = append(q.Software, s.ID)
			}
		}
		out = append(out, incident{query: q, truth: []*Entry{c.entry}})
	}
	return out, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// campaignFamily returns the campaign incidents of a family: each
// attributed campaign hidden (or all of them), a Partial share of its
// techniques drawn from the seed.
func (ev *evaluator) campaignFamily(f Family, seed uint64) []incident {
	ins := ev.campaigns(false)
	rng := rand.New(rand.NewPCG(seed, 0xca000000))
	var all map[string]bool
	if f.AllCampaignsHidden {
		all = map[string]bool{}
		for _, c := range ev.k.Entries(TypeCampaign) {
			all[c.ID] = true
		}
	}
	for i := range ins {
		if f.Partial > 0 && len(ins[i].query.Techniques) > 0 {
			ts := slices.Clone(ins[i].query.Techniques)
			rng.Shuffle(len(ts), func(a, b int) { ts[a], ts[b] = ts[b], ts[a] })
			n := int(float64(len(ts))*f.Partial + 0.5)
			ts = ts[:max(1, min(n, len(ts)))]
			slices.Sort(ts)
			ins[i].query.Techniques = ts
		}
		if all != nil {
			ins[i].exclude, ins[i].shared = all, "all campaigns"
		}
	}
	return ins
}

// directSoftware returns the software a candidate uses directly, in id
// order.
func directSoftware(c *candidate) []*Entry {
	var out []*Entry
	for f, t := range c.profile {
		if vocabOf(f) == vocabSoftware && f.Type != TypeIndicator && t.src == SourceDirect {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *Entry) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// families evaluates every family of the configuration on the seed.
func (ev *evaluator) families(seed uint64) ([]FamilyResult, error) {
	var out []FamilyResult
	for _, f := range ev.cfg.Families {
		ins, err := ev.family(f, seed)
		if err != nil {
			return nil, err
		}
		var ss []scored
		for j, in := range ins {
			ss = append(ss, ev.run(in))
			ev.progress("family "+f.Name, j+1, len(ins))
		}
		r := FamilyResult{Family: f, Regime: summarize(f.Name, ss, seed)}
		_, r.ECE = reliability(ss, ev.cal)
		out = append(out, r)
	}
	return out, nil
}
