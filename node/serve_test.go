package node

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestInstrumentMethodLabel checks that requests with methods of the
// client's invention are counted under "other": each new method once
// made a new series, so a client could grow /metrics without bound.
func TestInstrumentMethodLabel(t *testing.T) {
	m := newMetrics()
	h := m.instrument(slog.New(slog.DiscardHandler), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	for i := range 100 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(fmt.Sprintf("X%d", i), "/", nil))
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b := rec.Body
	var series []string
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "rampart_http_requests_total{") {
			series = append(series, line)
		}
	}
	want := []string{
		`rampart_http_requests_total{code="418",method="GET"} 1`,
		`rampart_http_requests_total{code="418",method="other"} 100`,
	}
	if strings.Join(series, "\n") != strings.Join(want, "\n") {
		t.Errorf("series:\n%s\nwant:\n%s", strings.Join(series, "\n"), strings.Join(want, "\n"))
	}
}

// TestMetricsPeerRounds checks that the rounds federation reports are
// counted by outcome, a round that stored nothing as nothing-new.
func TestMetricsPeerRounds(t *testing.T) {
	m := newMetrics()
	m.ObserveRound("identity--a", 3*time.Millisecond, 0)
	m.ObserveRound("identity--a", 4*time.Millisecond, 0)
	m.ObserveRound("identity--b", 200*time.Millisecond, 12)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`rampart_peer_round_seconds_count{outcome="nothing-new"} 2`,
		`rampart_peer_round_seconds_count{outcome="stored"} 1`,
		`rampart_peer_round_seconds_bucket{outcome="nothing-new",le="0.005"} 2`,
		`rampart_peer_round_seconds_bucket{outcome="stored",le="0.1"} 0`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
