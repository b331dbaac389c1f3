package node

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/federation"
	"github.com/rampart-cti/rampart/trust"
)

var _ federation.RoundObserver = (*metrics)(nil)

// metrics are what a serving node tells Prometheus at /metrics: the Go
// runtime and the process, the HTTP requests it serves, the objects
// stored, and, read from the store when scraped, the state of federation
// (per peer: lag, objects in and out, refusals; per recipient: sealed and
// failed deliveries) and of the engines (indicators matched, alerts
// written, webhook deliveries).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  prometheus.Histogram
	added    *prometheus.CounterVec
	rounds   *prometheus.HistogramVec
}

// newMetrics returns the node's metrics, without the state of the store
// and engines (watch adds it).
func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rampart_http_requests_total", Help: "HTTP requests served, by method and status.",
	}, []string{"method", "code"})
	m.latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "rampart_http_request_duration_seconds", Help: "Time to serve HTTP requests.",
		Buckets: []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10},
	})
	m.added = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rampart_objects_added_total", Help: "Object versions stored, by collection, whatever wrote them.",
	}, []string{"collection"})
	m.rounds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rampart_peer_round_seconds",
		Help:    "Time of the rounds this node pulled from its peers, by outcome: nothing-new (the peer had nothing new for this node) or stored.",
		Buckets: []float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10},
	}, []string{"outcome"})
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency, m.added, m.rounds)
	return m
}

// watch adds to the metrics what the store and the engines of a serving
// node know, read at each scrape.
func (m *metrics) watch(n *Node, s *serving) {
	m.reg.MustRegister(&stateCollector{n: n, s: s})
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "rampart_warninglist_suppressed_total",
		Help: "Matches that raised no sighting because the observed values are all on warninglists.",
	}, func() float64 { return float64(n.warninglists.suppressed.Load()) }))
}

// Handler serves the metrics in the Prometheus exposition formats.
func (m *metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ObjectsAdded counts the versions stored.
func (m *metrics) ObjectsAdded(_ context.Context, collectionID string, vs []*rampart.ObjectVersion) {
	m.added.WithLabelValues(collectionID).Add(float64(len(vs)))
}

// ObserveRound times a round federation pulled from a peer.
func (m *metrics) ObserveRound(_ string, d time.Duration, stored int64) {
	outcome := "stored"
	if stored == 0 {
		outcome = "nothing-new"
	}
	m.rounds.WithLabelValues(outcome).Observe(d.Seconds())
}

// ObjectsDeleted counts nothing.
func (m *metrics) ObjectsDeleted(context.Context, string, []string) {}

// instrument counts requests by method and status and times them, and
// logs each at debug level (never with credentials: only method, path,
// status).
func (m *metrics) instrument(logger *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		d := time.Since(start)
		m.requests.WithLabelValues(methodLabel(r.Method), strconv.Itoa(sw.status)).Inc()
		m.latency.Observe(d.Seconds())
		logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", d)
	})
}

// stateCollector reads, at each scrape, what the store and the engines
// know.
type stateCollector struct {
	n *Node
	s *serving
}

var (
	descPeerLag      = prometheus.NewDesc("rampart_peer_lag_seconds", "How long after a peer added its newest version pulled this node had stored it.", []string{"peer"}, nil)
	descPeerIn       = prometheus.NewDesc("rampart_peer_objects_in_total", "Object versions received from a peer and stored.", []string{"peer"}, nil)
	descPeerOut      = prometheus.NewDesc("rampart_peer_objects_out_total", "Object versions served to a peer.", []string{"peer"}, nil)
	descPeerRefused  = prometheus.NewDesc("rampart_peer_rejections_total", "Objects a peer sent that this node refused.", []string{"peer"}, nil)
	descPeerSync     = prometheus.NewDesc("rampart_peer_last_sync_timestamp_seconds", "When a round with the peer last left this node up to date.", []string{"peer"}, nil)
	descPeerQKD      = prometheus.NewDesc("rampart_peer_qkd", "1 for the state of the QKD step of the last connection with a peer (qkd: a QKD key is mixed in; fallback: post-quantum only; refused), 0 for the others.", []string{"peer", "state"}, nil)
	descPeerQKDKeys  = prometheus.NewDesc("rampart_peer_qkd_keys_total", "QKD keys mixed into connections with a peer.", []string{"peer"}, nil)
	descDeliveries   = prometheus.NewDesc("rampart_deliveries", "Object versions this node seals to a recipient, by outcome (sealed, failed).", []string{"recipient", "status"}, nil)
	descIndicators   = prometheus.NewDesc("rampart_matcher_indicators", "Indicators the matcher holds.", nil, nil)
	descAlerts       = prometheus.NewDesc("rampart_alerts_written_total", "Alert versions early warning has written.", nil, nil)
	descWebhooks     = prometheus.NewDesc("rampart_webhook_deliveries_total", "Alert deliveries to webhooks, by outcome.", []string{"outcome"}, nil)
	descLeaseHeld    = prometheus.NewDesc("rampart_lease_held", "1 when this process holds the lease of a singleton (and runs it), 0 when another replica does.", []string{"lease"}, nil)
	descStreamHook   = prometheus.NewDesc("rampart_stream_webhook_versions_total", "Versions delivered to a stream webhook, and deliveries that failed every attempt, since this process took the stream-webhooks lease.", []string{"webhook", "outcome"}, nil)
	descStreamHookAt = prometheus.NewDesc("rampart_stream_webhook_position", "The object stream position a stream webhook has received everything up to.", []string{"webhook"}, nil)
	descScrapeErrors = prometheus.NewDesc("rampart_metrics_store_errors_total", "Scrapes that could not read the store.", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	failed := 0.0
	if err := c.collectPeers(ctx, ch); err != nil {
		failed++
		c.n.logger.Warn("metrics: read peers", "err", err)
	}
	if sums, err := c.n.Deliveries.FindDeliverySummaries(ctx); err == nil {
		for _, d := range sums {
			ch <- prometheus.MustNewConstMetric(descDeliveries, prometheus.GaugeValue, float64(d.Sealed), d.Recipient, rampart.DeliverySealed)
			ch <- prometheus.MustNewConstMetric(descDeliveries, prometheus.GaugeValue, float64(d.Failed), d.Recipient, rampart.DeliveryFailed)
		}
	} else {
		failed++
		c.n.logger.Warn("metrics: read deliveries", "err", err)
	}
	ch <- prometheus.MustNewConstMetric(descScrapeErrors, prometheus.CounterValue, failed)
	for _, name := range leaseNames {
		v := 0.0
		if c.s.leases.holds(name) {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(descLeaseHeld, prometheus.GaugeValue, v, name)
	}
	if c.s.hooks != nil {
		for id, st := range c.s.hooks.Statuses() {
			ch <- prometheus.MustNewConstMetric(descStreamHook, prometheus.CounterValue, float64(st.Delivered), id, "delivered")
			ch <- prometheus.MustNewConstMetric(descStreamHook, prometheus.CounterValue, float64(st.Failures), id, "failed")
			ch <- prometheus.MustNewConstMetric(descStreamHookAt, prometheus.GaugeValue, float64(st.Position), id)
		}
	}
	if c.s.matcher != nil {
		ch <- prometheus.MustNewConstMetric(descIndicators, prometheus.GaugeValue, float64(c.s.matcher.M.Len()))
	}
	if c.s.ew != nil {
		ch <- prometheus.MustNewConstMetric(descAlerts, prometheus.CounterValue, float64(c.s.ew.AlertsWritten()))
	}
	if c.s.notifier != nil {
		st := c.s.notifier.Stats()
		for outcome, v := range map[string]int{"delivered": st.Delivered, "failed": st.Failed, "dropped": st.Dropped} {
			ch <- prometheus.MustNewConstMetric(descWebhooks, prometheus.CounterValue, float64(v), outcome)
		}
	}
}

func (c *stateCollector) collectPeers(ctx context.Context, ch chan<- prometheus.Metric) error {
	peers, err := c.n.Peers.FindPeers(ctx)
	if err != nil {
		return err
	}
	for _, p := range peers {
		st, err := c.n.Peers.FindPeerStatus(ctx, p.ID)
		if err != nil {
			return err
		}
		ch <- prometheus.MustNewConstMetric(descPeerLag, prometheus.GaugeValue, st.Lag().Seconds(), p.ID)
		ch <- prometheus.MustNewConstMetric(descPeerIn, prometheus.CounterValue, float64(st.ObjectsIn), p.ID)
		ch <- prometheus.MustNewConstMetric(descPeerOut, prometheus.CounterValue, float64(st.ObjectsOut), p.ID)
		ch <- prometheus.MustNewConstMetric(descPeerRefused, prometheus.CounterValue, float64(st.Rejections), p.ID)
		if !st.LastSync.IsZero() {
			ch <- prometheus.MustNewConstMetric(descPeerSync, prometheus.GaugeValue, float64(st.LastSync.UnixMilli())/1000, p.ID)
		}
		q, err := c.n.qkdLink(ctx, p.ID)
		if err != nil {
			return err
		}
		if q != nil {
			for _, state := range []trust.QKDState{trust.QKDInUse, trust.QKDFallback, trust.QKDRefused} {
				v := 0.0
				if q.State == state {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(descPeerQKD, prometheus.GaugeValue, v, p.ID, string(state))
			}
			ch <- prometheus.MustNewConstMetric(descPeerQKDKeys, prometheus.CounterValue, float64(q.Keys), p.ID)
		}
	}
	return nil
}
