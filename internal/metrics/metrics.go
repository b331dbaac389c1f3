// Package metrics keeps counters and histograms and writes them in the
// Prometheus text exposition format (version 0.0.4), which is all a node
// needs to be scraped; the format is small enough not to need a client
// library.
package metrics

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds metrics in registration order. It is safe for concurrent
// use.
type Registry struct {
	mu      sync.Mutex
	metrics []metric
}

type metric interface {
	write(w io.Writer)
}

// Counter is a monotonically increasing value, optionally split by labels.
type Counter struct {
	name, help string
	labels     []string
	mu         sync.Mutex
	values     map[string]*atomic.Int64 // key: label values joined by \xff
}

// NewCounter registers a counter whose series are told apart by labels.
func (r *Registry) NewCounter(name, help string, labels ...string) *Counter {
	c := &Counter{name: name, help: help, labels: labels, values: map[string]*atomic.Int64{}}
	r.add(c)
	return c
}

func (r *Registry) add(m metric) {
	r.mu.Lock()
	r.metrics = append(r.metrics, m)
	r.mu.Unlock()
}

// Add adds n to the series with the given label values (one per label).
func (c *Counter) Add(n int64, labelValues ...string) {
	key := strings.Join(labelValues, "\xff")
	c.mu.Lock()
	v, ok := c.values[key]
	if !ok {
		v = new(atomic.Int64)
		c.values[key] = v
	}
	c.mu.Unlock()
	v.Add(n)
}

func (c *Counter) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", c.name, c.help, c.name)
	c.mu.Lock()
	keys := make([]string, 0, len(c.values))
	for k := range c.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s%s %d\n", c.name, labelText(c.labels, k, "", ""), c.values[k].Load())
	}
	c.mu.Unlock()
}

// Histogram counts observations into cumulative buckets.
type Histogram struct {
	name, help string
	labels     []string
	bounds     []float64
	mu         sync.Mutex
	series     map[string]*histSeries
}

type histSeries struct {
	counts []uint64 // per bound, plus +Inf
	sum    float64
}

// NewHistogram registers a histogram with the given upper bounds.
func (r *Registry) NewHistogram(name, help string, bounds []float64, labels ...string) *Histogram {
	h := &Histogram{name: name, help: help, labels: labels, bounds: bounds, series: map[string]*histSeries{}}
	r.add(h)
	return h
}

// Observe records one value for the series with the given label values.
func (h *Histogram) Observe(v float64, labelValues ...string) {
	key := strings.Join(labelValues, "\xff")
	h.mu.Lock()
	s, ok := h.series[key]
	if !ok {
		s = &histSeries{counts: make([]uint64, len(h.bounds)+1)}
		h.series[key] = s
	}
	i, _ := slices.BinarySearch(h.bounds, v)
	s.counts[i]++
	s.sum += v
	h.mu.Unlock()
}

func (h *Histogram) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", h.name, h.help, h.name)
	h.mu.Lock()
	defer h.mu.Unlock()
	keys := make([]string, 0, len(h.series))
	for k := range h.series {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := h.series[k]
		var cum uint64
		for i, b := range h.bounds {
			cum += s.counts[i]
			fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, labelText(h.labels, k, "le", formatFloat(b)), cum)
		}
		cum += s.counts[len(h.bounds)]
		fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, labelText(h.labels, k, "le", "+Inf"), cum)
		fmt.Fprintf(w, "%s_sum%s %s\n", h.name, labelText(h.labels, k, "", ""), formatFloat(s.sum))
		fmt.Fprintf(w, "%s_count%s %d\n", h.name, labelText(h.labels, k, "", ""), cum)
	}
}

// Gauge is a value read when scraped.
type Gauge struct {
	name, help string
	read       func() float64
}

// NewGaugeFunc registers a gauge whose value read returns at scrape time.
func (r *Registry) NewGaugeFunc(name, help string, read func() float64) {
	r.add(&Gauge{name: name, help: help, read: read})
}

func (g *Gauge) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %s\n", g.name, g.help, g.name, g.name, formatFloat(g.read()))
}

func labelText(names []string, key, extraName, extraValue string) string {
	var parts []string
	if len(names) > 0 {
		values := strings.Split(key, "\xff")
		for i, n := range names {
			v := ""
			if i < len(values) {
				v = values[i]
			}
			parts = append(parts, n+"="+strconv.Quote(v))
		}
	}
	if extraName != "" {
		parts = append(parts, extraName+"="+strconv.Quote(extraValue))
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func formatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Write writes every metric in the text format.
func (r *Registry) Write(w io.Writer) {
	r.mu.Lock()
	ms := slices.Clone(r.metrics)
	r.mu.Unlock()
	for _, m := range ms {
		m.write(w)
	}
}

// Handler serves the registry for Prometheus.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		r.Write(w)
	})
}
