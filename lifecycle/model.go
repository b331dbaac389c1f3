package lifecycle

import (
	"fmt"
	"math"
	"time"
)

// Model is the decay of one type of indicator: after Lifetime (τ) its
// score is 0; Speed (δ) shapes the curve: 1 falls linearly, above 1 falls
// fast at first, below 1 holds the score long and falls near the end.
type Model struct {
	Lifetime Duration `json:"lifetime"`
	Speed    float64  `json:"speed"`
}

// Check reports a model that cannot decay: a lifetime or speed that is
// not positive.
func (m Model) Check() error {
	if m.Lifetime.D <= 0 {
		return fmt.Errorf("lifetime %s is not positive", m.Lifetime.D)
	}
	if !(m.Speed > 0) || math.IsInf(m.Speed, 0) {
		return fmt.Errorf("speed %v is not a positive number", m.Speed)
	}
	return nil
}

// Decay returns the factor, within 0–1, that age leaves of a score: 1 −
// (age/τ)^(1/δ), 1 for an age at or below 0, 0 from τ on.
func (m Model) Decay(age time.Duration) float64 {
	if age <= 0 {
		return 1
	}
	if m.Lifetime.D <= 0 || age >= m.Lifetime.D || m.Speed <= 0 {
		return 0
	}
	r := float64(age) / float64(m.Lifetime.D)
	return 1 - math.Pow(r, 1/m.Speed)
}

// Crossing returns the age at which base decays to threshold:
// τ × (1 − threshold/base)^δ; 0 when base is at or below threshold
// already.
func (m Model) Crossing(base, threshold float64) time.Duration {
	if base <= threshold || base <= 0 {
		return 0
	}
	return time.Duration(float64(m.Lifetime.D) * math.Pow(1-threshold/base, m.Speed))
}

// Types of indicators the default models name: the STIX cyber-observable
// type of the first value the pattern compares.
const (
	TypeIPv4    = "ipv4-addr"
	TypeIPv6    = "ipv6-addr"
	TypeDomain  = "domain-name"
	TypeURL     = "url"
	TypeFile    = "file"
	TypeEmail   = "email-addr"
	TypeDefault = "default" // every other type
)

const day = 24 * time.Hour

// DefaultModels are the models of a node whose settings name none:
// addresses are reassigned within weeks, URLs and domains last longer,
// file hashes never change their meaning.
func DefaultModels() map[string]Model {
	return map[string]Model{
		TypeIPv4:    {Lifetime: Duration{30 * day}, Speed: 2},
		TypeIPv6:    {Lifetime: Duration{30 * day}, Speed: 2},
		TypeURL:     {Lifetime: Duration{90 * day}, Speed: 1},
		TypeDomain:  {Lifetime: Duration{180 * day}, Speed: 0.5},
		TypeEmail:   {Lifetime: Duration{180 * day}, Speed: 0.5},
		TypeFile:    {Lifetime: Duration{730 * day}, Speed: 0.3},
		TypeDefault: {Lifetime: Duration{365 * day}, Speed: 0.5},
	}
}
