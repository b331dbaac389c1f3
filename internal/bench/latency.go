package bench

import (
	"math"
	"time"
)

// pct returns the p-th percentile of sorted latencies, to the microsecond.
func pct(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)].Round(time.Microsecond)
}
