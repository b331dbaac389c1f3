package bench

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
)

// histogram is a Prometheus histogram read from /metrics: its cumulative
// buckets by upper bound, its sum and its count.
type histogram struct {
	buckets map[float64]float64
	sum     float64
	count   float64
}

// roundMetric is the series of the rounds with nothing new.
const roundMetric = "rampart_peer_round_seconds"

// parseHistogram adds to h the series of name with the label selector
// label (e.g. `outcome="nothing-new"`) found in a /metrics text.
func (h *histogram) parse(text, name, label string) {
	if h.buckets == nil {
		h.buckets = map[float64]float64{}
	}
	for line := range strings.Lines(text) {
		series, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || !strings.HasPrefix(series, name+"_") || !strings.Contains(series, label) {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(series, name+"_sum"):
			h.sum += v
		case strings.HasPrefix(series, name+"_count"):
			h.count += v
		case strings.HasPrefix(series, name+"_bucket"):
			_, le, _ := strings.Cut(series, `le="`)
			le, _, _ = strings.Cut(le, `"`)
			bound, err := strconv.ParseFloat(le, 64)
			if le == "+Inf" {
				bound, err = math.Inf(1), nil
			}
			if err == nil {
				h.buckets[bound] += v
			}
		}
	}
}

// sub makes h the difference a - b: what was observed between two reads.
func (h *histogram) sub(a, b histogram) {
	h.sum, h.count = a.sum-b.sum, a.count-b.count
	h.buckets = map[float64]float64{}
	for le, v := range a.buckets {
		h.buckets[le] = v - b.buckets[le]
	}
}

// quantile returns the upper bound of the bucket holding the q-th
// quantile (+Inf when beyond the largest bound, 0 when empty).
func (h *histogram) quantile(q float64) float64 {
	if h.count <= 0 {
		return 0
	}
	bounds := make([]float64, 0, len(h.buckets))
	for le := range h.buckets {
		bounds = append(bounds, le)
	}
	slices.Sort(bounds)
	for _, le := range bounds {
		if h.buckets[le] >= q*h.count {
			return le
		}
	}
	return math.Inf(1)
}

// roundHistograms returns, summed over every member, the histogram of the
// rounds with nothing new.
func (r *federationRun) roundHistograms(ctx context.Context) (histogram, error) {
	var h histogram
	for _, m := range r.u.Members {
		text, err := m.Metrics(ctx)
		if err != nil {
			return h, err
		}
		h.parse(text, roundMetric, `outcome="nothing-new"`)
	}
	return h, nil
}
