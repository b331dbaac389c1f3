package attribution

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestExperiment(t *testing.T) {
	if os.Getenv("ATTR_EXP") == "" {
		return
	}
	f, err := os.Open("../testdata/attack/enterprise-attack.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	k, err := ReadKnowledge(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("load", time.Since(t0), k.Stats())
	t0 = time.Now()
	e := NewEngine(k, Config{})
	fmt.Println("build", time.Since(t0), len(e.groups.cands), len(e.camps.cands))
	cfg := DefaultEvalConfig
	cfg.PerK = 100
	cfg.HeldOut = 100
	t0 = time.Now()
	rep, err := Evaluate(k, cfg)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("eval", time.Since(t0))
	for _, r := range append(append(rep.Sampled, rep.HeldOut), rep.Campaigns, rep.StrictCampaigns) {
		fmt.Printf("%s n=%d abst=%.2f\n", r.Name, r.N, r.Abstained)
		for _, m := range r.Methods {
			fmt.Printf("  %-15s top1 %5.1f top3 %5.1f top5 %5.1f top10 %5.1f mrr %.3f\n", m.Method, 100*m.Top1.Value, 100*m.Top3.Value, 100*m.Top5.Value, 100*m.Top10.Value, m.MRR.Value)
		}
	}
	for _, c := range rep.PerCampaign {
		fmt.Printf("%s %v t=%d s=%d rank=%.1f tfidf=%.1f top=%s %.2f\n", c.Campaign.ExternalID, c.Truth[0].ExternalID, c.Techniques, c.Software, c.Rank[MethodRampart], c.Rank[MethodTFIDF], c.Top.ExternalID, c.Score)
	}
	fmt.Println(rep.ECE, rep.Calibration)
}

func TestExplainCampaign(t *testing.T) {
	ids := os.Getenv("ATTR_CAMP")
	if ids == "" {
		return
	}
	f, _ := os.Open("../testdata/attack/enterprise-attack.json.gz")
	k, _ := ReadKnowledge(f, nil)
	ev := &evaluator{k: k, cfg: DefaultEvalConfig}
	ev.cfg.Params = DefaultParams
	ev.base = NewEngine(k, Config{})
	for _, in := range ev.campaigns(false) {
		if !strings.Contains(ids, k.Entry(in.query.ID).ExternalID) {
			continue
		}
		e := NewEngine(k, Config{Exclude: in.exclude})
		q := in.query
		q.Limit = 4
		r := e.Rank(q)
		fmt.Println("=== truth", in.truth[0].Label())
		r.WriteText(os.Stdout, 30)
	}
}
