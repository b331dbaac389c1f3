package metrics

import (
	"strings"
	"testing"
)

func TestExposition(t *testing.T) {
	var r Registry
	c := r.NewCounter("rampart_requests_total", "Requests served.", "code")
	c.Add(2, "200")
	c.Add(1, "404")
	h := r.NewHistogram("rampart_request_seconds", "Request latency.", []float64{0.01, 0.1})
	h.Observe(0.005)
	h.Observe(0.05)
	h.Observe(3)
	r.NewGaugeFunc("rampart_up", "Whether the node is up.", func() float64 { return 1 })
	var b strings.Builder
	r.Write(&b)
	want := `# HELP rampart_requests_total Requests served.
# TYPE rampart_requests_total counter
rampart_requests_total{code="200"} 2
rampart_requests_total{code="404"} 1
# HELP rampart_request_seconds Request latency.
# TYPE rampart_request_seconds histogram
rampart_request_seconds_bucket{le="0.01"} 1
rampart_request_seconds_bucket{le="0.1"} 2
rampart_request_seconds_bucket{le="+Inf"} 3
rampart_request_seconds_sum 3.055
rampart_request_seconds_count 3
# HELP rampart_up Whether the node is up.
# TYPE rampart_up gauge
rampart_up 1
`
	if b.String() != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", b.String(), want)
	}
}
