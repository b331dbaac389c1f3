package federation

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// Outbox settings.
const (
	// MaxOutboxQueue is the most versions the outbox holds before it falls
	// back to reading the collection from its cursor: a burst larger than
	// this costs a scan, never unbounded memory nor a blocked writer.
	MaxOutboxQueue = 1 << 16
	// DefaultRetryInterval is how often deliveries that failed are tried
	// again, besides every time the trust registry changes.
	DefaultRetryInterval = 10 * time.Minute
	// outboxLag is how far behind the newest version it processed the
	// outbox records its cursor: versions of one collection are committed
	// in order but may be notified slightly out of order, and a version
	// notified late must still be read again after a crash. A version
	// sealed twice is stored once by its recipients.
	outboxLag = 2 * time.Second
	// settingOutbox is the name of the outbox's cursor in the node's
	// settings.
	settingOutbox = "federation.outbox"
)

// outbox seals this node's own objects that may travel only sealed (what
// rampart.Policy.Distribute gives recipients for: TLP:AMBER to every member
// state, addressed objects to their recipients, what is derived from
// another organisation's object back to it) into envelopes, one per batch
// and set of recipients, stored in the federated collection, where peers
// pull them as they pull anything. Each recipient is sealed to on its own
// merits: one without a valid key is left out of the envelope, and its
// delivery recorded as failed with the reason, and tried again when the
// registry changes. It follows the collection from a durable cursor, so
// objects stored while the node was stopped, or by another process, go
// out too.
type outbox struct {
	n    *Node
	wake chan struct{}

	mu       sync.Mutex
	queue    []*rampart.ObjectVersion
	overflow bool
	retry    bool
	// processed are the newest seqs processed, with when, for the lagged
	// cursor.
	processed []processedSeq
	cursor    int64
}

type processedSeq struct {
	seq int64
	at  time.Time
}

type outboxCursor struct {
	Collection string `json:"collection"`
	Seq        int64  `json:"seq"`
}

func newOutbox(n *Node) *outbox {
	return &outbox{n: n, wake: make(chan struct{}, 1)}
}

func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// offer queues versions stored in the federated collection. It never
// blocks.
func (o *outbox) offer(vs []*rampart.ObjectVersion) {
	o.mu.Lock()
	if len(o.queue)+len(vs) > MaxOutboxQueue {
		o.queue, o.overflow = nil, true
	} else if !o.overflow {
		o.queue = append(o.queue, vs...)
	}
	o.mu.Unlock()
	o.signal()
}

// retryFailed asks for the failed deliveries to be tried again.
func (o *outbox) retryFailed() {
	o.mu.Lock()
	o.retry = true
	o.mu.Unlock()
	o.signal()
}

// run seals what arrives until ctx ends: first what the collection holds
// after the cursor, then what is offered.
func (o *outbox) run(ctx context.Context) {
	if err := o.load(ctx); err != nil {
		o.n.logger().Error("outbox: read its cursor", "err", err)
	}
	o.mu.Lock()
	o.overflow = true // begin with a scan from the cursor
	o.mu.Unlock()
	t := time.NewTicker(o.n.retryInterval())
	defer t.Stop()
	for {
		o.mu.Lock()
		vs, scan, retry := o.queue, o.overflow, o.retry
		o.queue, o.overflow, o.retry = nil, false, false
		o.mu.Unlock()
		var err error
		switch {
		case scan:
			err = o.scan(ctx)
		case len(vs) > 0:
			err = o.process(ctx, vs)
		}
		if err == nil && retry {
			err = o.retryDeliveries(ctx)
		}
		if err != nil && ctx.Err() == nil {
			o.n.logger().Warn("outbox", "err", err)
			o.mu.Lock()
			o.overflow = true // read again from the cursor
			o.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-time.After(o.n.RetryMin):
			}
			continue
		}
		o.save(ctx)
		if scan || len(vs) > 0 || retry {
			continue // more may have come meanwhile
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-t.C:
			o.retryFailed()
		}
	}
}

func (o *outbox) load(ctx context.Context) error {
	s, err := o.n.Settings.FindSetting(ctx, settingOutbox)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	var c outboxCursor
	if err := json.Unmarshal(s.Value, &c); err != nil {
		return fmt.Errorf("setting %s: %v", settingOutbox, err)
	}
	if c.Collection == o.n.CollectionID {
		o.mu.Lock()
		o.cursor = c.Seq
		o.mu.Unlock()
	}
	return nil
}

// save records the cursor, lagging outboxLag behind what was processed.
func (o *outbox) save(ctx context.Context) {
	o.mu.Lock()
	cutoff := o.n.now().Add(-outboxLag)
	cursor := o.cursor
	keep := o.processed[:0]
	for _, p := range o.processed {
		if p.at.Before(cutoff) {
			cursor = max(cursor, p.seq)
		} else {
			keep = append(keep, p)
		}
	}
	o.processed = keep
	changed := cursor != o.cursor
	o.cursor = cursor
	o.mu.Unlock()
	if !changed {
		return
	}
	b, _ := json.Marshal(outboxCursor{Collection: o.n.CollectionID, Seq: cursor})
	if _, err := o.n.Settings.SetSetting(ctx, settingOutbox, b, -1); err != nil && ctx.Err() == nil {
		o.n.logger().Warn("outbox: record its cursor", "err", err)
	}
}

// scan processes the collection from the cursor to its end.
func (o *outbox) scan(ctx context.Context) error {
	o.mu.Lock()
	after := o.cursor
	for _, p := range o.processed {
		after = max(after, p.seq)
	}
	o.mu.Unlock()
	f := rampart.ObjectFilter{CollectionID: o.n.CollectionID, Versions: []string{rampart.VersionAll},
		SpecVersions: []string{"2.1"}, AfterSeq: after, Limit: o.n.PageSize}
	for {
		page, err := o.n.Objects.FindObjects(ctx, f)
		if err != nil {
			return err
		}
		if len(page.Versions) == 0 {
			return nil
		}
		if err := o.process(ctx, page.Versions); err != nil {
			return err
		}
		if !page.More {
			return nil
		}
		f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
	}
}

// pending is one version to seal, with where it goes.
type pending struct {
	v  *rampart.ObjectVersion
	to []string
}

// process seals the versions of vs that must go sealed, and records their
// deliveries.
func (o *outbox) process(ctx context.Context, vs []*rampart.ObjectVersion) error {
	self := o.n.Identity.Organization()
	var mine []*rampart.ObjectVersion
	for _, v := range vs {
		if v.Object.CreatedByRef == self && v.Object.Type != trust.SealedType {
			mine = append(mine, v)
		}
	}
	if len(mine) > 0 {
		objs := make([]*stix.Object, len(mine))
		for i, v := range mine {
			objs[i] = v.Object
		}
		refs, err := o.n.references(ctx, objs)
		if err != nil {
			return err
		}
		members, err := o.n.members(ctx)
		if err != nil {
			return err
		}
		policy := o.n.policy()
		var todo []pending
		var withheld []*rampart.Delivery
		for _, v := range mine {
			rs := refs(v.Object)
			d := policy.Distribute(v.Object, members, rs...)
			if len(d.Recipients) > 0 {
				todo = append(todo, pending{v, d.Recipients})
			}
			withheld = append(withheld, o.withheld(v.Object, d, members, rs)...)
		}
		if err := o.deliver(ctx, todo, false); err != nil {
			return err
		}
		if len(withheld) > 0 {
			if err := o.n.Deliveries.RecordDeliveries(ctx, withheld); err != nil {
				return fmt.Errorf("record deliveries: %w", err)
			}
			for _, r := range withheld {
				o.n.logger().Warn("delivery withheld", "id", r.ObjectID, "version", r.Version, "recipient", r.Recipient, "reason", r.Reason)
			}
		}
	}
	o.mu.Lock()
	now := o.n.now()
	for _, v := range vs {
		o.processed = append(o.processed, processedSeq{v.Seq, now})
	}
	o.mu.Unlock()
	return nil
}

// withheld returns the failed deliveries of an addressed object to the
// organisations it names that the objects it refers to keep it from (a
// statement that names an incident not shared with one of those it
// invites): a person named them, and must learn why they get nothing.
func (o *outbox) withheld(obj *stix.Object, d rampart.Distribution, members []string, refs []*stix.Object) []*rampart.Delivery {
	if len(refs) == 0 || !stix.Addressed(obj) {
		return nil
	}
	policy := o.n.policy()
	var out []*rampart.Delivery
	for _, org := range policy.Distribute(obj, members).Recipients {
		if !slices.Contains(d.Recipients, org) {
			out = append(out, o.record(obj, org, rampart.DeliveryFailed, "",
				"withheld: it refers to objects that may not go to this organisation ("+d.Reason+")"))
		}
	}
	return out
}

// deliver seals each version to its recipients that can be sealed to,
// grouping versions that go to the same organisations into one envelope,
// stores the envelopes and records every delivery.
func (o *outbox) deliver(ctx context.Context, todo []pending, retry bool) error {
	if len(todo) == 0 {
		return nil
	}
	reg := o.n.Verifier.Registry()
	now := o.n.now()
	var records []*rampart.Delivery
	failed := map[string]string{} // recipient -> why it cannot be sealed to
	groups := map[string][]*stix.Object{}
	var keys []string
	for _, p := range todo {
		var good []string
		for _, org := range p.to {
			why, checked := failed[org]
			if !checked {
				if err := reg.CheckRecipient(org, now); err != nil {
					why = err.Error()
				}
				failed[org] = why
			}
			if why != "" {
				records = append(records, o.record(p.v.Object, org, rampart.DeliveryFailed, "", why))
				continue
			}
			if !trust.IsSigned(p.v.Object) {
				records = append(records, o.record(p.v.Object, org, rampart.DeliveryFailed, "",
					"the object is not signed, and peers store only signed objects: sign it (rampart keys sign) and store it as a new version"))
				continue
			}
			good = append(good, org)
		}
		if len(good) == 0 {
			continue
		}
		k := strings.Join(good, ",")
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], p.v.Object)
	}
	slices.Sort(keys)
	for _, k := range keys {
		to := strings.Split(k, ",")
		for _, batch := range sealBatches(groups[k]) {
			env, err := o.n.Identity.Seal(batch, reg, to...)
			if err != nil {
				// Every recipient was checked: what fails now fails for
				// all of them (the batch itself), and is recorded so.
				for _, obj := range batch {
					for _, org := range to {
						records = append(records, o.record(obj, org, rampart.DeliveryFailed, "", "seal: "+err.Error()))
					}
				}
				continue
			}
			if _, err := o.n.Objects.CreateObjects(ctx, o.n.CollectionID, []*stix.Object{env}); err != nil {
				return fmt.Errorf("store an envelope: %w", err)
			}
			for _, obj := range batch {
				for _, org := range to {
					records = append(records, o.record(obj, org, rampart.DeliverySealed, env.ID, ""))
				}
			}
		}
	}
	if err := o.n.Deliveries.RecordDeliveries(ctx, records); err != nil {
		return fmt.Errorf("record deliveries: %w", err)
	}
	for _, r := range records {
		if r.Status == rampart.DeliveryFailed && !retry {
			o.n.logger().Warn("delivery failed", "id", r.ObjectID, "version", r.Version, "recipient", r.Recipient, "reason", r.Reason)
		}
	}
	return nil
}

func (o *outbox) record(obj *stix.Object, org, status, envelope, reason string) *rampart.Delivery {
	return &rampart.Delivery{ObjectID: obj.ID, Version: obj.Version().String(), Recipient: org, Status: status,
		EnvelopeID: envelope, Reason: reason, Attempts: 1, UpdatedAt: o.n.now()}
}

// sealBatches splits objs into batches one envelope can carry.
func sealBatches(objs []*stix.Object) [][]*stix.Object {
	var out [][]*stix.Object
	var cur []*stix.Object
	size := 2
	for _, o := range objs {
		if len(cur) > 0 && (len(cur) == trust.MaxSealedObjects || size+len(o.Raw)+1 > trust.MaxSealedBytes) {
			out = append(out, cur)
			cur, size = nil, 2
		}
		cur = append(cur, o)
		size += len(o.Raw) + 1
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// retryDeliveries tries again the deliveries that failed, to the
// recipients the policy still names.
func (o *outbox) retryDeliveries(ctx context.Context) error {
	status := rampart.DeliveryFailed
	ds, err := o.n.Deliveries.FindDeliveries(ctx, rampart.DeliveryFilter{Status: &status, Limit: MaxOutboxQueue})
	if err != nil || len(ds) == 0 {
		return err
	}
	type key struct{ id, version string }
	byVersion := map[key][]string{}
	var ids []string
	for _, d := range ds {
		k := key{d.ObjectID, d.Version}
		if byVersion[k] == nil {
			ids = append(ids, d.ObjectID)
		}
		byVersion[k] = append(byVersion[k], d.Recipient)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var todo []pending
	members, err := o.n.members(ctx)
	if err != nil {
		return err
	}
	policy := o.n.policy()
	for chunk := range slices.Chunk(ids, 500) {
		f := rampart.ObjectFilter{CollectionID: o.n.CollectionID, IDs: chunk, Versions: []string{rampart.VersionAll}, Limit: rampart.MaxPageSize}
		var objs []*stix.Object
		for {
			page, err := o.n.Objects.FindObjects(ctx, f)
			if err != nil {
				return err
			}
			for _, v := range page.Versions {
				if byVersion[key{v.Object.ID, v.Object.Version().String()}] != nil {
					objs = append(objs, v.Object)
				}
			}
			if !page.More {
				break
			}
			f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
		}
		refs, err := o.n.references(ctx, objs)
		if err != nil {
			return err
		}
		for _, obj := range objs {
			d := policy.Distribute(obj, members, refs(obj)...)
			var to []string
			for _, org := range byVersion[key{obj.ID, obj.Version().String()}] {
				if slices.Contains(d.Recipients, org) {
					to = append(to, org)
				}
			}
			if len(to) > 0 {
				todo = append(todo, pending{&rampart.ObjectVersion{Object: obj}, to})
			}
		}
	}
	return o.deliver(ctx, todo, true)
}
