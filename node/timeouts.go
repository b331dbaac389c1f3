package node

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rampart-cti/rampart/internal/endpoint"
)

// Defaults of Timeouts.
const (
	// DefaultReadHeaderTimeout bounds the reading of a request's headers.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultBodyTimeout is the longest wait for the next bytes of a
	// request body.
	DefaultBodyTimeout = 30 * time.Second
	// DefaultWriteTimeout is the longest wait for a client to take the next
	// bytes of an answer.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultMinTransferRate is the slowest a client may send a body or
	// read an answer on average, once the first BodyTimeout or
	// WriteTimeout is spent: 16 KiB/s, so that the largest body TAXII
	// accepts (64 MiB) may take 68 minutes, and a client that trickles
	// bytes is cut after about 30 s.
	DefaultMinTransferRate = 16 << 10
	// DefaultIdleTimeout is how long a kept-alive connection waits for its
	// next request.
	DefaultIdleTimeout = 2 * time.Minute
)

// Timeouts bound how long a client may take over each part of an HTTP
// exchange with a node: TAXII, the JSON API and the node link. A zero
// field takes its default.
//
// A request body and an answer are bounded by their pace rather than by one
// deadline for the whole exchange (http.Server's ReadTimeout and
// WriteTimeout): a body or an answer of any size may take as long as it
// needs at MinTransferRate, while a client that stops sending or reading
// for BodyTimeout or WriteTimeout, or falls below MinTransferRate, is cut
// and its connection closed (see endpoint.Pace). Time a handler spends
// working does not count.
type Timeouts struct {
	ReadHeader time.Duration // DefaultReadHeaderTimeout
	Body       time.Duration // DefaultBodyTimeout
	Write      time.Duration // DefaultWriteTimeout
	// MinTransferRate is in bytes per second (DefaultMinTransferRate).
	MinTransferRate int64
	Idle            time.Duration // DefaultIdleTimeout
}

// withDefaults returns t with its zero fields set to the defaults.
func (t Timeouts) withDefaults() Timeouts {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	set(&t.ReadHeader, DefaultReadHeaderTimeout)
	set(&t.Body, DefaultBodyTimeout)
	set(&t.Write, DefaultWriteTimeout)
	set(&t.Idle, DefaultIdleTimeout)
	if t.MinTransferRate <= 0 {
		t.MinTransferRate = DefaultMinTransferRate
	}
	return t
}

// deadlines returns the pace of request bodies and answers.
func (t Timeouts) deadlines() endpoint.Deadlines {
	t = t.withDefaults()
	return endpoint.Deadlines{
		Body:   endpoint.Pace{Idle: t.Body, MinRate: t.MinTransferRate},
		Answer: endpoint.Pace{Idle: t.Write, MinRate: t.MinTransferRate},
	}
}

// server returns an HTTP server of h bounded by t, whose requests' contexts
// derive from base. h must pace its requests (t.deadlines): the server
// bounds headers and idle connections.
func (t Timeouts) server(h http.Handler, base context.Context, logger *slog.Logger) *http.Server {
	t = t.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		IdleTimeout:       t.Idle,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return base },
	}
}
