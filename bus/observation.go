package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rampart-cti/rampart"
)

// Headers of an observation batch message. The body is the log itself,
// as POST /api/v1/observations takes it. Every header is optional.
const (
	HeaderBatch      = "Rampart-Batch"      // names the batch (default: its stream position)
	HeaderCollection = "Rampart-Collection" // collection id of the sightings (default: the node's sightings collection)
	HeaderAccount    = "Rampart-Account"    // the account that uploaded it, for the log
	HeaderObserver   = "Rampart-Observer"   // identity id of where_sighted_refs (default: the node's organisation)
	HeaderFormat     = "Rampart-Format"     // jsonl (default), stix, zeek, csv, suricata
	HeaderMapping    = "Rampart-Mapping"    // a built-in mapping name
	HeaderWindow     = "Rampart-Window"     // aggregation window, a Go duration (default 1h)
	HeaderReceived   = "Rampart-Received"   // RFC 3339 time the batch was taken (default: when the stream stored it)
)

var _ rampart.ObservationQueue = (*Bus)(nil)

// EnqueueObservations publishes a batch to "rampart.observations.<api
// root>" and returns its stream position. A full queue gives ETOOMANY, a
// batch larger than the server's largest message ETOOLARGE.
func (b *Bus) EnqueueObservations(ctx context.Context, batch *rampart.ObservationBatch) (uint64, error) {
	if err := checkToken("API root", batch.APIRoot); err != nil {
		return 0, err
	}
	if max := b.nc.MaxPayload(); int64(len(batch.Body)) > max-4096 {
		return 0, rampart.Errorf(rampart.ETOOLARGE, "observation batch of %d bytes exceeds the bus's largest message (%d bytes): send it in several requests", len(batch.Body), max-4096)
	}
	m := nats.NewMsg(ObservationSubject + "." + batch.APIRoot)
	m.Data = batch.Body
	set := func(k, v string) {
		if v != "" {
			m.Header.Set(k, v)
		}
	}
	set(HeaderBatch, batch.ID)
	set(nats.MsgIdHdr, batch.ID)
	set(HeaderCollection, batch.Collection)
	set(HeaderAccount, batch.Account)
	set(HeaderObserver, batch.Observer)
	set(HeaderFormat, batch.Format)
	set(HeaderMapping, batch.Mapping)
	if batch.Window > 0 {
		set(HeaderWindow, batch.Window.String())
	}
	if !batch.Received.IsZero() {
		set(HeaderReceived, batch.Received.UTC().Format(time.RFC3339Nano))
	}
	ack, err := b.js.PublishMsg(ctx, m)
	if err != nil {
		if full(err) {
			return 0, &rampart.Error{Code: rampart.ETOOMANY, Message: "the matcher workers are behind (observation queue full): retry later", RetryAfter: b.retryAfter()}
		}
		if errors.Is(err, nats.ErrMaxPayload) {
			return 0, rampart.Errorf(rampart.ETOOLARGE, "observation batch of %d bytes exceeds the bus's largest message: send it in several requests", len(batch.Body))
		}
		if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
			return 0, &rampart.Error{Code: rampart.EUNAVAILABLE, Message: "the message bus does not answer: retry later", RetryAfter: b.retryAfter()}
		}
		return 0, fmt.Errorf("queue observations: %w", err)
	}
	return ack.Sequence, nil
}

func (b *Bus) retryAfter() time.Duration {
	if b.RetryAfter > 0 {
		return b.RetryAfter
	}
	return DefaultRetryAfter
}

// full reports whether a publication was refused because the stream is
// at its limits.
func full(err error) bool {
	var api *jetstream.APIError
	if !errors.As(err, &api) {
		return false
	}
	d := api.Description
	return strings.Contains(d, "maximum messages exceeded") || strings.Contains(d, "maximum bytes exceeded") || strings.Contains(d, "resource limits exceeded")
}

// checkToken refuses a subject token NATS would misread.
func checkToken(what, s string) error {
	if s == "" || strings.ContainsAny(s, ".*> \t\r\n") {
		return rampart.Errorf(rampart.EINVALID, "%s %q cannot name a NATS subject (empty, or holds '.', '*', '>' or a space)", what, s)
	}
	return nil
}

// QueueLength returns how many batches wait for a worker.
func (b *Bus) QueueLength(ctx context.Context) (uint64, error) {
	s, err := b.js.Stream(ctx, ObservationsStream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// BatchHandler matches a batch and stores its sightings. It returns nil
// once they are committed; an Error with code EINVALID when the batch can
// never be matched (it is dropped and logged); any other error to have
// the batch given again, to this worker or another, after a while.
type BatchHandler func(ctx context.Context, b *rampart.ObservationBatch) error

// MaxDeliver is how often a batch is given to workers before it is
// dropped (and logged) as one that fails every time.
const MaxDeliver = 10

// ConsumeObservations hands the queued batches of every API root, one at
// a time, to handle, acknowledging each after handle returned nil, until
// ctx is done. Any number of workers consume together; each batch goes
// to one of them (and to another if that one dies before it
// acknowledged).
func (b *Bus) ConsumeObservations(ctx context.Context, handle BatchHandler) error {
	cons, err := b.js.CreateOrUpdateConsumer(ctx, ObservationsStream, jetstream.ConsumerConfig{
		Durable:     WorkerConsumer,
		Description: "Rampart matcher workers",
		AckPolicy:   jetstream.AckExplicitPolicy,
		AckWait:     AckWait,
		MaxDeliver:  MaxDeliver,
	})
	if err != nil {
		return fmt.Errorf("NATS consumer %s: %v", WorkerConsumer, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1))
	if err != nil {
		return fmt.Errorf("NATS consumer %s: %v", WorkerConsumer, err)
	}
	go func() {
		<-ctx.Done()
		it.Stop()
	}()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return ctx.Err()
			}
			b.Logger.Warn("observation queue", "err", err)
			continue
		}
		b.handle(ctx, msg, handle)
	}
}

func (b *Bus) handle(ctx context.Context, msg jetstream.Msg, handle BatchHandler) {
	meta, err := msg.Metadata()
	if err != nil {
		b.Logger.Warn("observation batch without metadata dropped", "err", err)
		msg.Term()
		return
	}
	batch, err := parseBatch(msg, meta)
	if err != nil {
		b.Logger.Warn("observation batch dropped", "seq", meta.Sequence.Stream, "err", err)
		msg.TermWithReason(err.Error())
		return
	}
	// Tell the bus the batch is still being worked on, so that a long
	// one is not given to a second worker.
	hctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				msg.InProgress()
			}
		}
	}()
	err = handle(hctx, batch)
	cancel()
	switch {
	case err == nil:
		// Acknowledged even when the worker is stopping: the sightings
		// are committed.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := msg.DoubleAck(actx); err != nil {
			// Given again later: the sightings are stored again as the
			// same versions.
			b.Logger.Warn("observation batch not acknowledged", "batch", batch.ID, "err", err)
		}
	case rampart.ErrorCode(err) == rampart.EINVALID:
		b.Logger.Warn("observation batch dropped", "batch", batch.ID, "err", err)
		msg.TermWithReason(err.Error())
	default:
		if meta.NumDelivered >= MaxDeliver {
			b.Logger.Error("observation batch dropped after failing on every delivery", "batch", batch.ID, "deliveries", meta.NumDelivered, "err", err)
		} else {
			b.Logger.Warn("observation batch failed, to be given again", "batch", batch.ID, "delivery", meta.NumDelivered, "err", err)
		}
		msg.NakWithDelay(5 * time.Second)
	}
}

// parseBatch reads a batch message.
func parseBatch(msg jetstream.Msg, meta *jetstream.MsgMetadata) (*rampart.ObservationBatch, error) {
	h := msg.Headers()
	b := &rampart.ObservationBatch{
		ID:         h.Get(HeaderBatch),
		APIRoot:    strings.TrimPrefix(msg.Subject(), ObservationSubject+"."),
		Collection: h.Get(HeaderCollection),
		Account:    h.Get(HeaderAccount),
		Observer:   h.Get(HeaderObserver),
		Format:     h.Get(HeaderFormat),
		Mapping:    h.Get(HeaderMapping),
		Received:   meta.Timestamp.UTC(),
		Body:       msg.Data(),
	}
	if b.ID == "" {
		b.ID = fmt.Sprintf("%s/%d", ObservationsStream, meta.Sequence.Stream)
	}
	if v := h.Get(HeaderWindow); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("header %s: %q is not a positive duration such as 1h or 15m", HeaderWindow, v)
		}
		b.Window = d
	}
	if v := h.Get(HeaderReceived); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("header %s: %q is not an RFC 3339 time", HeaderReceived, v)
		}
		b.Received = t.UTC()
	}
	return b, nil
}
