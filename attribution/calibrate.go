package attribution

import (
	_ "embed"
	json "encoding/json/v2"
	"fmt"
	"math"
	"sort"
)

// Calibration maps the model's posterior to a probability that matches how
// often candidates with that posterior were right: a monotone, piecewise
// linear map through the points of an isotonic regression. It is fitted by
// FitCalibration on evaluation queries drawn with one seed and checked on
// another.
//
// A Calibration is immutable and safe for concurrent use. It guarantees a
// non-decreasing map into [0, 1]; it does not guarantee calibration on
// incidents unlike those it was fitted on (see docs/ATTRIBUTION.md for the
// reliability measured on campaigns).
type Calibration struct {
	// X are posteriors in increasing order; Y the calibrated probabilities
	// at them, non-decreasing.
	X []float64 `json:"x"`
	Y []float64 `json:"y"`
	// Source says what the map was fitted on.
	Source string `json:"source,omitempty"`
}

//go:embed calibration.json
var defaultCalibration []byte

// DefaultCalibration returns the map fitted by the evaluation harness on
// its calibration seed over ATT&CK Enterprise (attribution/calibration.json,
// written by "rampart attribution eval -write-calibration"). It returns the
// identity map if the embedded file does not parse.
func DefaultCalibration() *Calibration {
	c, err := ParseCalibration(defaultCalibration)
	if err != nil {
		return &Calibration{X: []float64{0, 1}, Y: []float64{0, 1}, Source: "identity"}
	}
	return c
}

// ParseCalibration reads a calibration map from its JSON form. It returns
// an error naming the rule when X is not increasing, Y not non-decreasing,
// a value is outside [0, 1], or the lengths differ.
func ParseCalibration(data []byte) (*Calibration, error) {
	var c Calibration
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("calibration: %v", err)
	}
	if len(c.X) != len(c.Y) || len(c.X) == 0 {
		return nil, fmt.Errorf("calibration: x and y must be non-empty and of equal length (got %d and %d)", len(c.X), len(c.Y))
	}
	for i := range c.X {
		if !(c.X[i] >= 0 && c.X[i] <= 1 && c.Y[i] >= 0 && c.Y[i] <= 1) {
			return nil, fmt.Errorf("calibration: point %d (%v, %v) is outside [0, 1]", i, c.X[i], c.Y[i])
		}
		if i > 0 && (c.X[i] <= c.X[i-1] || c.Y[i] < c.Y[i-1]) {
			return nil, fmt.Errorf("calibration: point %d: x must increase and y must not decrease", i)
		}
	}
	return &c, nil
}

// Apply returns the calibrated probability for posterior p.
func (c *Calibration) Apply(p float64) float64 {
	n := len(c.X)
	switch {
	case n == 0:
		return p
	case p <= c.X[0]:
		// Below the first point, scale toward 0 rather than flatten, so
		// the map stays strictly informative for tiny posteriors.
		if c.X[0] <= 0 {
			return c.Y[0]
		}
		return c.Y[0] * p / c.X[0]
	case p >= c.X[n-1]:
		return c.Y[n-1]
	}
	i := sort.SearchFloat64s(c.X, p)
	x0, x1, y0, y1 := c.X[i-1], c.X[i], c.Y[i-1], c.Y[i]
	return y0 + (y1-y0)*(p-x0)/(x1-x0)
}

// FitCalibration fits an isotonic (pool-adjacent-violators) map from
// posteriors to outcomes (true when the candidate was right). Each pooled
// block becomes one point at its mean posterior; blocks smaller than
// minBlock are merged with a neighbour so that no point rests on a handful
// of queries. It returns the identity map when there is no data.
func FitCalibration(post []float64, right []bool, minBlock int, source string) *Calibration {
	type block struct{ sx, sy, n float64 }
	idx := make([]int, len(post))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return post[idx[a]] < post[idx[b]] })
	var bs []block
	for _, i := range idx {
		y := 0.0
		if right[i] {
			y = 1
		}
		bs = append(bs, block{post[i], y, 1})
		for len(bs) > 1 {
			a, b := bs[len(bs)-2], bs[len(bs)-1]
			if a.sy/a.n < b.sy/b.n && a.n >= float64(minBlock) {
				break
			}
			bs = append(bs[:len(bs)-2], block{a.sx + b.sx, a.sy + b.sy, a.n + b.n})
		}
	}
	if len(bs) > 1 && bs[len(bs)-1].n < float64(minBlock) {
		a, b := bs[len(bs)-2], bs[len(bs)-1]
		bs = append(bs[:len(bs)-2], block{a.sx + b.sx, a.sy + b.sy, a.n + b.n})
	}
	c := &Calibration{Source: source}
	for _, b := range bs {
		x, y := b.sx/b.n, b.sy/b.n
		if len(c.X) > 0 && x <= c.X[len(c.X)-1] {
			continue
		}
		if len(c.Y) > 0 && y < c.Y[len(c.Y)-1] {
			y = c.Y[len(c.Y)-1]
		}
		c.X = append(c.X, round6(x))
		c.Y = append(c.Y, round6(y))
	}
	if len(c.X) == 0 {
		c.X, c.Y = []float64{0, 1}, []float64{0, 1}
	}
	return c
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// MarshalJSON writes the map in the form ParseCalibration reads.
func (c *Calibration) MarshalJSON() ([]byte, error) {
	type plain Calibration
	return json.Marshal((*plain)(c), json.Deterministic(true))
}
