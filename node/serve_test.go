package node

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/internal/metrics"
)

// TestInstrumentMethodLabel checks that requests with methods of the
// client's invention are counted under "other": each new method once
// made a new series, so a client could grow /metrics without bound.
func TestInstrumentMethodLabel(t *testing.T) {
	reg := &metrics.Registry{}
	h := instrument(reg, slog.New(slog.DiscardHandler), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	for i := range 100 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(fmt.Sprintf("X%d", i), "/", nil))
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	var b strings.Builder
	reg.Write(&b)
	var series []string
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "rampart_http_requests_total{") {
			series = append(series, line)
		}
	}
	want := []string{
		`rampart_http_requests_total{method="GET",code="418"} 1`,
		`rampart_http_requests_total{method="other",code="418"} 100`,
	}
	if strings.Join(series, "\n") != strings.Join(want, "\n") {
		t.Errorf("series:\n%s\nwant:\n%s", strings.Join(series, "\n"), strings.Join(want, "\n"))
	}
}
