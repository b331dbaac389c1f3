package objecthook

import (
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord/webhook"
)

// Defaults of a Deliverer.
const (
	// DefaultBatch is the most versions one delivery carries.
	DefaultBatch = 100
	// DefaultWait is how long a hook's reader waits on the stream for a
	// version before it looks again.
	DefaultWait = 10 * time.Second
	// DefaultReload is how often the hooks are read again from the
	// settings (a hook added, changed or removed by any replica).
	DefaultReload = 2 * time.Second
	// maxBackoff is the longest pause after a failed delivery.
	maxBackoff = time.Minute
)

// Event is the X-Rampart-Event of a delivery.
const Event = "objects"

// Delivery is the body of a delivery: versions in stream order, and the
// position after them. A receiver keeps the X-Rampart-Delivery ids it has
// seen (a delivery is retried with the same id after a failure or a
// restart) or the highest Next.
type Delivery struct {
	Hook    string            `json:"hook"`
	Objects []DeliveredObject `json:"objects"`
	Next    uint64            `json:"next"`
}

// DeliveredObject is a version in a Delivery, as GET /api/v1/stream gives
// it.
type DeliveredObject struct {
	Seq        uint64         `json:"seq"`
	APIRoot    string         `json:"api_root"`
	Collection string         `json:"collection"`
	Object     jsontext.Value `json:"object"`
}

// Status is how a hook's deliveries go.
type Status struct {
	// Position is the stream position delivered up to.
	Position  uint64    `json:"position"`
	Delivered int64     `json:"delivered"` // versions since this process started delivering
	Failures  int64     `json:"failures"`  // deliveries that failed every attempt
	LastError string    `json:"last_error,omitempty"`
	LastSent  time.Time `json:"last_sent,omitzero"`
}

// A Deliverer posts the stream to every hook in the settings. Set the
// fields, then Run; one process of a node runs it (node: under a lease).
type Deliverer struct {
	Stream   rampart.ObjectStream
	Settings rampart.SettingService
	// Release returns what the named account may read of vs, in order.
	Release func(ctx context.Context, account string, vs []*rampart.StreamedObject) ([]*rampart.StreamedObject, error)
	// Notifier posts, signs and retries deliveries (its Client, Attempts
	// and Backoff); nil uses webhook's defaults.
	Notifier *webhook.Notifier
	Batch    int
	Wait     time.Duration
	Reload   time.Duration
	Logger   *slog.Logger

	mu     sync.Mutex
	status map[string]*Status
}

// Statuses returns the status of each hook being delivered, by id.
func (d *Deliverer) Statuses() map[string]Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]Status, len(d.status))
	for id, s := range d.status {
		out[id] = *s
	}
	return out
}

func (d *Deliverer) update(id string, f func(*Status)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.status == nil {
		d.status = map[string]*Status{}
	}
	s := d.status[id]
	if s == nil {
		s = &Status{}
		d.status[id] = s
	}
	f(s)
}

func (d *Deliverer) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Run delivers to every hook until ctx is done: one reader per hook,
// started, restarted and stopped as the settings change.
func (d *Deliverer) Run(ctx context.Context) error {
	if d.Notifier == nil {
		d.Notifier = &webhook.Notifier{Logger: d.Logger}
	}
	if err := d.Notifier.Open(ctx); err != nil {
		return err
	}
	defer d.Notifier.Close()
	type running struct {
		hook   []byte
		cancel context.CancelFunc
		done   chan struct{}
	}
	active := map[string]*running{}
	stop := func(id string) {
		r := active[id]
		r.cancel()
		<-r.done
		delete(active, id)
		d.mu.Lock()
		delete(d.status, id)
		d.mu.Unlock()
	}
	defer func() {
		for _, id := range slices.Collect(maps.Keys(active)) {
			stop(id)
		}
	}()
	reload := d.Reload
	if reload <= 0 {
		reload = DefaultReload
	}
	tick := time.NewTicker(reload)
	defer tick.Stop()
	for {
		hooks, err := List(ctx, d.Settings)
		if err != nil && ctx.Err() == nil {
			d.logger().Warn("stream webhooks: settings not read", "err", err)
		}
		if err == nil {
			seen := map[string]bool{}
			for _, h := range hooks {
				seen[h.ID] = true
				b, _ := json.Marshal(h)
				if r, ok := active[h.ID]; ok {
					select {
					case <-r.done:
						// Its reader gave up (the store did not answer):
						// start it again.
					default:
						if string(r.hook) == string(b) {
							continue
						}
					}
					stop(h.ID) // changed or ended: start again from its stored position
				}
				hctx, cancel := context.WithCancel(ctx)
				r := &running{hook: b, cancel: cancel, done: make(chan struct{})}
				active[h.ID] = r
				go func() {
					defer close(r.done)
					d.deliver(hctx, h)
				}()
			}
			for _, id := range slices.Collect(maps.Keys(active)) {
				if !seen[id] {
					stop(id)
					// A position stored while the hook was removed.
					if err := d.Settings.DeleteSetting(ctx, positionSetting+id); err != nil && rampart.ErrorCode(err) != rampart.ENOTFOUND {
						d.logger().Warn("stream webhooks: position of a removed hook not deleted", "webhook", id, "err", err)
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// deliver follows the stream for one hook from its stored position.
func (d *Deliverer) deliver(ctx context.Context, h *Hook) {
	log := d.logger().With("webhook", h.ID, "url", webhook.RedactURL(h.URL))
	if err := h.Filter.Check(); err != nil {
		log.Error("stream webhook not delivered", "err", err)
		d.update(h.ID, func(s *Status) { s.LastError = err.Error() })
		return
	}
	pos, err := Position(ctx, d.Settings, h.ID)
	if err != nil {
		log.Error("stream webhook: position not read", "err", err)
		return
	}
	d.update(h.ID, func(s *Status) { s.Position = pos })
	batch := d.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	wait := d.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	backoff := time.Second
	fail := func(msg string, err error) bool {
		log.Warn(msg, "err", err, "retry_in", backoff)
		d.update(h.ID, func(s *Status) { s.LastError = err.Error() })
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
		return true
	}
	for ctx.Err() == nil {
		vs, next, err := d.Stream.ReadObjects(ctx, pos, batch, wait)
		if rampart.ErrorCode(err) == rampart.ECONFLICT {
			// Versions were lost to the stream's retention while the
			// receiver was away: say so, and go on from the oldest kept.
			log.Error("stream webhook: versions lost to the stream's retention; the receiver must re-read through TAXII", "err", err)
			d.update(h.ID, func(s *Status) { s.LastError = err.Error() })
			pos = 0
			continue
		}
		if err != nil {
			if ctx.Err() != nil || !fail("stream webhook: stream not read", err) {
				return
			}
			continue
		}
		released, err := d.Release(ctx, h.Account, vs)
		if err != nil {
			if ctx.Err() != nil || !fail("stream webhook: read rights not applied", err) {
				return
			}
			continue
		}
		body := Delivery{Hook: h.ID, Next: next, Objects: []DeliveredObject{}}
		for _, v := range released {
			if h.Filter.Match(v.Object) {
				body.Objects = append(body.Objects, DeliveredObject{Seq: v.Seq, APIRoot: v.APIRoot, Collection: v.CollectionID, Object: v.Object.Raw})
			}
		}
		if len(body.Objects) > 0 {
			b, err := json.Marshal(body)
			if err != nil {
				log.Error("stream webhook: delivery not written", "err", err)
				return
			}
			id := h.ID + "-" + strconv.FormatUint(next, 10)
			if err := d.Notifier.Deliver(ctx, webhook.Hook{URL: h.URL, Secret: h.Secret}, id, Event, b); err != nil {
				d.update(h.ID, func(s *Status) { s.Failures++ })
				if ctx.Err() != nil || !fail("stream webhook: delivery failed", err) {
					return
				}
				continue
			}
			backoff = time.Second
			d.update(h.ID, func(s *Status) {
				s.Delivered += int64(len(body.Objects))
				s.LastSent, s.LastError = time.Now().UTC(), ""
			})
		}
		if next == pos || ctx.Err() != nil {
			continue
		}
		if err := SetPosition(ctx, d.Settings, h.ID, next); err != nil {
			if ctx.Err() != nil || !fail("stream webhook: position not stored", err) {
				return
			}
			continue
		}
		pos = next
		d.update(h.ID, func(s *Status) { s.Position = pos })
	}
}
