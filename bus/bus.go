package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream and subject names.
const (
	ObservationsStream = "RAMPART_OBSERVATIONS"
	ObjectsStream      = "RAMPART_OBJECTS"
	// ObservationSubject is followed by ".<api root>".
	ObservationSubject = "rampart.observations"
	// ObjectSubject is followed by ".<api root>.<collection id>.<type>".
	ObjectSubject = "rampart.objects"
	// WorkerConsumer is the durable consumer the workers share.
	WorkerConsumer = "rampart-workers"
)

// Defaults of Bus's limits.
const (
	DefaultMaxQueuedBatches = 10_000
	DefaultMaxQueuedBytes   = 1 << 30
	DefaultObjectRetention  = 7 * 24 * time.Hour
	DefaultMaxObjectBytes   = 10 << 30
	// DefaultRetryAfter is what a full queue tells clients to wait.
	DefaultRetryAfter = 5 * time.Second
	// AckWait is how long a worker may hold a batch before the bus gives
	// it to another; a worker working on a long batch says it still is.
	AckWait = time.Minute
)

// Bus is a connection to a NATS server with JetStream and the node's two
// streams on it. Set the fields, then Open; Close disconnects. Safe for
// concurrent use once open.
type Bus struct {
	// URL is the NATS server ("nats://host:4222"; several separated by
	// commas for a cluster).
	URL string
	// Name is how the connection shows in the server's monitoring.
	Name string
	// MaxQueuedBatches and MaxQueuedBytes bound the observation queue
	// (DefaultMaxQueuedBatches, DefaultMaxQueuedBytes when 0): past them
	// a batch is refused with ETOOMANY.
	MaxQueuedBatches int64
	MaxQueuedBytes   int64
	// RetryAfter is how long a client refused for a full queue is told
	// to wait (DefaultRetryAfter when 0).
	RetryAfter time.Duration
	// ObjectRetention and MaxObjectBytes bound the object stream
	// (DefaultObjectRetention, DefaultMaxObjectBytes when 0): the oldest
	// versions go first.
	ObjectRetention time.Duration
	MaxObjectBytes  int64
	// Replicas is the number of copies of each stream in a NATS cluster
	// (1 when 0).
	Replicas int
	Logger   *slog.Logger

	nc *nats.Conn
	js jetstream.JetStream
}

// Open connects and creates the streams, or updates their limits.
func (b *Bus) Open(ctx context.Context) error {
	if b.Logger == nil {
		b.Logger = slog.New(slog.DiscardHandler)
	}
	if b.URL == "" {
		return errors.New("bus: no NATS URL")
	}
	logger := b.Logger
	nc, err := nats.Connect(b.URL,
		nats.Name(b.Name),
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				logger.Warn("NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { logger.Info("NATS reconnected", "server", c.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return fmt.Errorf("connect to NATS %s: %v", redact(b.URL), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return fmt.Errorf("NATS %s: %v", redact(b.URL), err)
	}
	b.nc, b.js = nc, js
	if err := b.streams(ctx); err != nil {
		nc.Close()
		return err
	}
	return nil
}

func (b *Bus) streams(ctx context.Context) error {
	replicas := max(b.Replicas, 1)
	obs := jetstream.StreamConfig{
		Name:        ObservationsStream,
		Description: "Rampart: sensor observation batches waiting for the matcher workers",
		Subjects:    []string{ObservationSubject + ".>"},
		Retention:   jetstream.WorkQueuePolicy,
		Discard:     jetstream.DiscardNew,
		MaxMsgs:     orDefault(b.MaxQueuedBatches, DefaultMaxQueuedBatches),
		MaxBytes:    orDefault(b.MaxQueuedBytes, DefaultMaxQueuedBytes),
		Duplicates:  2 * time.Minute,
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
	}
	if _, err := b.js.CreateOrUpdateStream(ctx, obs); err != nil {
		return fmt.Errorf("NATS stream %s: %v", ObservationsStream, err)
	}
	objs := jetstream.StreamConfig{
		Name:        ObjectsStream,
		Description: "Rampart: every object version stored, unfiltered (TLP:RED included)",
		Subjects:    []string{ObjectSubject + ".>"},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      b.ObjectRetention,
		MaxBytes:    orDefault(b.MaxObjectBytes, DefaultMaxObjectBytes),
		// Every replica of a node publishes what it learns of the
		// store; the version's store position names the message, so
		// the stream keeps one.
		Duplicates: 2 * time.Minute,
		Storage:    jetstream.FileStorage,
		Replicas:   replicas,
	}
	if objs.MaxAge == 0 {
		objs.MaxAge = DefaultObjectRetention
	}
	if _, err := b.js.CreateOrUpdateStream(ctx, objs); err != nil {
		return fmt.Errorf("NATS stream %s: %v", ObjectsStream, err)
	}
	return nil
}

func orDefault(v, d int64) int64 {
	if v == 0 {
		return d
	}
	return v
}

// Close drains nothing: what was acknowledged is in the stream.
func (b *Bus) Close() error {
	if b.nc != nil {
		b.nc.Close()
		b.nc = nil
	}
	return nil
}

// redact returns the URLs (comma separated) with their passwords
// replaced, for messages and logs.
func redact(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			return "(a NATS URL)"
		}
		parts[i] = u.Redacted()
	}
	return strings.Join(parts, ",")
}
