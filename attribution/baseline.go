package attribution

import "math"

// Method names of the evaluation: the engine and the baselines it must
// beat.
const (
	MethodRampart       = "rampart"        // the engine's likelihood model
	MethodJaccard       = "jaccard"        // Jaccard overlap of direct profiles
	MethodTFIDF         = "tfidf"          // TF-IDF cosine of direct profiles
	MethodTFIDFSoftware = "tfidf+software" // TF-IDF cosine, profiles expanded with software techniques
	MethodTFIDFAll      = "tfidf+all"      // TF-IDF cosine over the engine's whole weighted profiles
)

// Methods lists the evaluated methods in report order.
var Methods = []string{MethodRampart, MethodJaccard, MethodTFIDF, MethodTFIDFSoftware, MethodTFIDFAll}

// baselines scores intrusion sets by set overlap and vector similarity, the
// methods the engine is compared with. Profiles are read from the engine's
// population, so every method sees the same knowledge with the same
// objects hidden.
type baselines struct {
	e *Engine
	// vecs[m][i] is candidate i's profile vector for method m.
	vecs map[string][]map[*Entry]float64
	norm map[string][]float64
	idf  map[string]map[*Entry]float64
}

func newBaselines(e *Engine) *baselines {
	b := &baselines{e: e, vecs: map[string][]map[*Entry]float64{}, norm: map[string][]float64{}, idf: map[string]map[*Entry]float64{}}
	for _, m := range []string{MethodJaccard, MethodTFIDF, MethodTFIDFSoftware, MethodTFIDFAll} {
		vs := make([]map[*Entry]float64, len(e.groups.cands))
		df := map[*Entry]float64{}
		for i, c := range e.groups.cands {
			v := map[*Entry]float64{}
			for f, t := range c.profile {
				switch {
				case m == MethodTFIDFAll:
					v[f] = t.w
				case t.src == SourceDirect:
					v[f] = 1
				case m == MethodTFIDFSoftware && t.src == SourceSoftware:
					v[f] = 1
				}
			}
			for f := range v {
				df[f]++
			}
			vs[i] = v
		}
		b.vecs[m] = vs
		n := float64(len(vs))
		idf := map[*Entry]float64{}
		for f, d := range df {
			idf[f] = math.Log(n / d)
		}
		b.idf[m] = idf
		norms := make([]float64, len(vs))
		for i, v := range vs {
			s := 0.0
			for f, w := range v {
				s += (w * idf[f]) * (w * idf[f])
			}
			norms[i] = math.Sqrt(s)
		}
		b.norm[m] = norms
	}
	return b
}

// score returns every intrusion set's score under method m for the
// evidence the query named (implied evidence is the engine's own idea and
// is left out).
func (b *baselines) score(m string, ev []Evidence) []float64 {
	out := make([]float64, len(b.e.groups.cands))
	var q []*Entry
	for _, x := range ev {
		if x.ImpliedBy == nil {
			q = append(q, x.Entry)
		}
	}
	vs := b.vecs[m]
	if m == MethodJaccard {
		for i, v := range vs {
			inter := 0
			for _, f := range q {
				if _, ok := v[f]; ok {
					inter++
				}
			}
			if union := len(v) + len(q) - inter; union > 0 {
				out[i] = float64(inter) / float64(union)
			}
		}
		return out
	}
	idf := b.idf[m]
	qn := 0.0
	for _, f := range q {
		qn += idf[f] * idf[f]
	}
	qn = math.Sqrt(qn)
	for i, v := range vs {
		dot := 0.0
		for _, f := range q {
			if w, ok := v[f]; ok {
				dot += w * idf[f] * idf[f]
			}
		}
		if d := b.norm[m][i] * qn; d > 0 {
			out[i] = dot / d
		}
	}
	return out
}
