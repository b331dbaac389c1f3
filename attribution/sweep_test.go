package attribution

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestSweep(t *testing.T) {
	if os.Getenv("ATTR_SWEEP") == "" {
		return
	}
	f, _ := os.Open("../testdata/attack/enterprise-attack.json.gz")
	k, _ := ReadKnowledge(f, nil)
	base := DefaultParams
	variants := map[string]func(p *Params){
		"default":    func(p *Params) {},
		"miss.5":     func(p *Params) { p.Missing = 0.5 },
		"miss.3":     func(p *Params) { p.Missing = 0.3 },
		"miss.5mu20": func(p *Params) { p.Missing = 0.5; p.TechniqueMu = 20 },
		"miss.5pr1":  func(p *Params) { p.Missing = 0.5; p.PriorExponent = 1 },
		"pr1.5":      func(p *Params) { p.PriorExponent = 1.5 },
		"mu30":       func(p *Params) { p.TechniqueMu = 30 },
		"mu3":        func(p *Params) { p.TechniqueMu = 3 },
		"jm.25":      func(p *Params) { p.CampaignMix = 0.3; p.TechniqueMu = 0.5; p.MuPerMass = 0.25 },
		"jm.1":       func(p *Params) { p.CampaignMix = 0.3; p.TechniqueMu = 0.5; p.MuPerMass = 0.1 },
		"jm.05":      func(p *Params) { p.CampaignMix = 0.3; p.TechniqueMu = 0.5; p.MuPerMass = 0.05 },
		"dj.1":       func(p *Params) { p.CampaignMix = 0.3; p.TechniqueMu = 8; p.MuPerMass = 0.1 },
		"dj.3":       func(p *Params) { p.CampaignMix = 0.3; p.TechniqueMu = 8; p.MuPerMass = 0.3 },
		"A":          func(p *Params) { p.CampaignMix = 0.3; p.PriorExponent = 1.5; p.TechniqueMu = 20 },
		"B":          func(p *Params) { p.CampaignMix = 0.4; p.PriorExponent = 1.5; p.TechniqueMu = 30 },
		"C":          func(p *Params) { p.CampaignMix = 0.3; p.PriorExponent = 1.0; p.TechniqueMu = 30 },
		"D":          func(p *Params) { p.CampaignMix = 0.3; p.PriorExponent = 2.0; p.TechniqueMu = 30 },
		"E":          func(p *Params) { p.CampaignMix = 0.3; p.PriorExponent = 1.5; p.TechniqueMu = 30; p.MuPerMass = 0.2 },
		"F":          func(p *Params) { p.CampaignMix = 0.3; p.PriorExponent = 1.5; p.TechniqueMu = 50 },
		"G": func(p *Params) {
			p.CampaignMix = 0.3
			p.PriorExponent = 1.5
			p.TechniqueMu = 30
			p.SoftwareTechnique = 0.3
		},
		"H": func(p *Params) {
			p.CampaignMix = 0.3
			p.PriorExponent = 1.5
			p.TechniqueMu = 30
			p.Sibling = 0.05
			p.Child = 0.2
			p.Parent = 0.2
		},
		"I": func(p *Params) {
			p.CampaignMix = 0.3
			p.PriorExponent = 1.5
			p.TechniqueMu = 30
			p.QuerySoftwareTechniques = 0.3
		},
		"mix.3":     func(p *Params) { p.CampaignMix = 0.3 },
		"mix.5":     func(p *Params) { p.CampaignMix = 0.5 },
		"nsm":       func(p *Params) { p.SoftwareMass = false },
		"nsm.mix.3": func(p *Params) { p.SoftwareMass = false; p.CampaignMix = 0.3 },
		"nsm.mix.3pr1.5mu30": func(p *Params) {
			p.SoftwareMass = false
			p.CampaignMix = 0.3
			p.PriorExponent = 1.5
			p.TechniqueMu = 30
		},
		"mix.3pr1.5mu30": func(p *Params) { p.CampaignMix = 0.3; p.PriorExponent = 1.5; p.TechniqueMu = 30 },
		"mu30pr1.5":      func(p *Params) { p.TechniqueMu = 30; p.PriorExponent = 1.5 },
		"mu30pr1.5m.7":   func(p *Params) { p.TechniqueMu = 30; p.PriorExponent = 1.5; p.Missing = 0.7 },
		"mu50pr2":        func(p *Params) { p.TechniqueMu = 50; p.PriorExponent = 2 },
		"mu30pr1.5c1":    func(p *Params) { p.TechniqueMu = 30; p.PriorExponent = 1.5; p.Campaign = 1 },
		"mu30pr1.5sw.3":  func(p *Params) { p.TechniqueMu = 30; p.PriorExponent = 1.5; p.SoftwareTechnique = 0.3 },
		"mu30pr1.5sw0":   func(p *Params) { p.TechniqueMu = 30; p.PriorExponent = 1.5; p.SoftwareTechnique = 0.0001 },
		"mu30pr1.5smu3":  func(p *Params) { p.TechniqueMu = 30; p.PriorExponent = 1.5; p.SoftwareMu = 3 },
	}
	for _, name := range strings.Fields(os.Getenv("ATTR_SWEEP")) {
		p := base
		variants[name](&p)
		cfg := DefaultEvalConfig
		cfg.Ks = []int{5}
		cfg.PerK = 150
		cfg.HeldOut = 150
		cfg.Seed = 3
		cfg.CalibrationSeed = 4
		cfg.Params = p
		rep, err := Evaluate(k, cfg)
		if err != nil {
			t.Fatal(err)
		}
		m := func(r RegimeResult) string {
			x := r.Method(MethodRampart)
			return fmt.Sprintf("%5.1f/%5.1f", 100*x.Top1.Value, 100*x.Top5.Value)
		}
		line := ""
		for _, c := range rep.PerCampaign {
			line += fmt.Sprintf(" %s:%.0f", c.Campaign.ExternalID[2:], c.Rank[MethodRampart])
		}
		fmt.Println(line)
		fmt.Printf("%-12s sampled %s heldout %s camp %s strict %s ece %.3f %.3f %.3f\n", name, m(rep.Sampled[0]), m(rep.HeldOut), m(rep.Campaigns), m(rep.StrictCampaigns), rep.ECE["sampled"], rep.ECE["held-out"], rep.ECE["campaigns"])
	}
}
