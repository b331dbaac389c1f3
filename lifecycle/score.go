package lifecycle

import (
	"math"
	"slices"
	"time"
)

// Facts are what a node knows of one indicator that its score depends on.
type Facts struct {
	// Type is the STIX cyber-observable type the pattern compares first
	// (TypeIPv4 …), "" when unknown.
	Type string
	// Confidence is the indicator's confidence, nil when it has none.
	Confidence *int
	// Producer is its created_by_ref; Feed the feed that stored it ("").
	Producer string
	Feed     string
	// ValidFrom is when the indicator began to hold (its created when it
	// has no valid_from).
	ValidFrom time.Time
	// LastSighted is the last_seen of the newest true sighting of it
	// (zero when none): a sighting restarts its decay.
	LastSighted time.Time
	// FalsePositiveBy lists the organisations that reported it a false
	// positive, once each.
	FalsePositiveBy []string
}

// Score is an indicator's score and its parts.
type Score struct {
	// Value is the score, 0–100: Base × Decay × the false-positive factor,
	// rounded to two decimals (Decayed compares the unrounded score).
	Value float64 `json:"score"`
	// Base is Confidence × ProducerConfidence / 100.
	Base               float64 `json:"base"`
	Confidence         int     `json:"confidence"`
	ProducerConfidence int     `json:"producer_confidence"`
	// Type is the model's type, Model the model applied.
	Type  string `json:"type"`
	Model Model  `json:"model"`
	Feed  string `json:"feed,omitempty"`
	// Since is when the age counts from: valid_from or the last true
	// sighting, whichever is later; Age is now − Since.
	Since time.Time     `json:"since"`
	Age   time.Duration `json:"-"`
	// AgeDays is Age in days, for JSON.
	AgeDays float64 `json:"age_days"`
	Decay   float64 `json:"decay"`
	// FalsePositives counts the reports; FalsePositiveFactor is what they
	// multiplied the score by (0 when a trusted organisation reported).
	FalsePositives      int     `json:"false_positives"`
	FalsePositiveFactor float64 `json:"false_positive_factor"`
	Threshold           float64 `json:"threshold"`
	// Decayed is set when Value is below Threshold.
	Decayed bool `json:"decayed"`
	// Until is when the score will fall below the threshold, zero when it
	// has already or false positives put it there.
	Until time.Time `json:"until,omitzero"`
}

// Score returns the score of an indicator at now. s is made Effective
// first; trusted adds organisations whose one false-positive report
// drops the score to 0 (the node's own; "" for a node without an
// organisation, whose reports carry no author). It is safe for
// concurrent use.
func (s Settings) Score(f Facts, now time.Time, trusted ...string) Score {
	e := s.Effective()
	return e.score(f, now, trusted)
}

// Scorer scores many indicators with the same settings, made Effective
// once. It is safe for concurrent use.
type Scorer struct {
	s       Settings
	trusted []string
}

// NewScorer returns a scorer of s, with trusted added to s.Trusted.
func NewScorer(s Settings, trusted ...string) *Scorer {
	e := s.Effective()
	return &Scorer{s: e, trusted: trusted}
}

// Score returns the score of f at now.
func (sc *Scorer) Score(f Facts, now time.Time) Score { return sc.s.score(f, now, sc.trusted) }

// Settings returns the effective settings the scorer applies.
func (sc *Scorer) Settings() Settings { return sc.s }

func (e *Settings) score(f Facts, now time.Time, trusted []string) Score {
	sc := Score{Confidence: *e.DefaultConfidence, ProducerConfidence: *e.DefaultProducerConfidence, Feed: f.Feed}
	if f.Confidence != nil {
		sc.Confidence = min(max(*f.Confidence, 0), 100)
	}
	if c, ok := e.Producers[f.Producer]; ok && f.Producer != "" {
		sc.ProducerConfidence = c
	}
	sc.Base = float64(sc.Confidence) * float64(sc.ProducerConfidence) / 100
	sc.Type, sc.Model, sc.Threshold = e.model(f.Type, f.Feed)
	sc.Since = f.ValidFrom
	if f.LastSighted.After(sc.Since) {
		sc.Since = f.LastSighted
	}
	sc.Age = max(now.Sub(sc.Since), 0)
	sc.AgeDays = math.Round(sc.Age.Hours()/24*1000) / 1000
	sc.Decay = sc.Model.Decay(sc.Age)
	sc.FalsePositives = len(f.FalsePositiveBy)
	sc.FalsePositiveFactor = 1
	for _, by := range f.FalsePositiveBy {
		if slices.Contains(trusted, by) || by != "" && (by == f.Producer || slices.Contains(e.Trusted, by)) {
			sc.FalsePositiveFactor = 0
			break
		}
		sc.FalsePositiveFactor *= *e.FalsePositiveFactor
	}
	v := sc.Base * sc.Decay * sc.FalsePositiveFactor
	sc.Value = round(v)
	sc.Decayed = v < sc.Threshold
	if !sc.Decayed && sc.FalsePositiveFactor > 0 {
		sc.Until = sc.Since.Add(sc.Model.Crossing(sc.Base*sc.FalsePositiveFactor, sc.Threshold))
	}
	return sc
}

// round keeps two decimals: scores are read by people and compared with
// thresholds people write.
func round(v float64) float64 { return math.Round(v*100) / 100 }
