package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rampart-cti/rampart/bus"
)

// BusConfig says whether a node uses a message bus (NATS JetStream) and
// how: observation uploads are queued for matcher workers, and every
// version stored is published to the object stream. Without one (the
// zero value), "rampart serve" matches uploads in the request and keeps
// no object stream.
type BusConfig struct {
	// Embedded starts a NATS server inside the process, its store in the
	// data directory, listening at Listen (127.0.0.1 and a free port when
	// empty); workers of other processes connect to it there.
	Embedded bool
	Listen   string
	// URL is an external NATS server or cluster ("nats://host:4222").
	URL string
	// Workers is how many matcher workers run in this process (0: none;
	// serve's -workers flag defaults to 1, so that a single serve needs
	// nothing more).
	Workers int
	// MaxQueuedBatches and MaxQueuedBytes bound the observation queue
	// (bus defaults when 0); ObjectRetention is how long the object
	// stream keeps a version.
	MaxQueuedBatches int64
	MaxQueuedBytes   int64
	ObjectRetention  time.Duration
	// Replicas is how many copies of each stream a NATS cluster keeps
	// (1 when 0; 3 for a cluster that survives the loss of a server).
	Replicas int
}

// Enabled reports whether the configuration names a bus.
func (c BusConfig) Enabled() bool { return c.Embedded || c.URL != "" }

// openBus starts the embedded server when the configuration asks for one,
// connects, and returns the bus and what to close, last first.
func (n *Node) openBus(ctx context.Context, c BusConfig, name string) (*bus.Bus, []io.Closer, error) {
	if c.Embedded && c.URL != "" {
		return nil, nil, errors.New("a node uses the embedded NATS server or an external one (--nats), not both")
	}
	var closers []io.Closer
	url := c.URL
	if c.Embedded {
		srv := &bus.Server{DataDir: n.Config.DataDir, Listen: c.Listen}
		if err := srv.Open(ctx); err != nil {
			return nil, nil, err
		}
		closers = append(closers, srv)
		url = srv.URL()
		fmt.Fprintf(n.Config.Notices, "rampart: embedded NATS JetStream at %s (store in %s)\n", url, n.Config.DataDir)
		n.logger.Info("embedded NATS", "url", url)
	}
	b := &bus.Bus{URL: url, Name: name, MaxQueuedBatches: c.MaxQueuedBatches, MaxQueuedBytes: c.MaxQueuedBytes, ObjectRetention: c.ObjectRetention, Replicas: c.Replicas, Logger: n.logger}
	if err := b.Open(ctx); err != nil {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i].Close()
		}
		return nil, nil, err
	}
	return b, append(closers, b), nil
}
