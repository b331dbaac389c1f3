package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Headers of an object message; its body is the object's STIX JSON.
const (
	HeaderAPIRoot    = "Rampart-Api-Root"
	HeaderObjectID   = "Rampart-Object-Id"
	HeaderModified   = "Rampart-Modified"
	HeaderTLP        = "Rampart-Tlp"        // the strictest TLP anywhere in the object
	HeaderRecipients = "Rampart-Recipients" // organisations it is addressed to, comma separated
	HeaderStoreSeq   = "Rampart-Store-Seq"  // its position in the collection
)

// PublishObject publishes a stored version to "rampart.objects.<api
// root>.<collection id>.<type>", with its marking and addressing in the
// headers, and waits for the stream to have it. The version's store
// position names the message, so that the same version published by
// several processes of one node within two minutes is kept once (and a
// publication retried after an error is too).
func (b *Bus) PublishObject(ctx context.Context, apiRoot, collectionID string, v *rampart.ObjectVersion) error {
	return b.PublishObjects(ctx, apiRoot, collectionID, []*rampart.ObjectVersion{v})
}

// PublishObjects publishes versions of one collection as PublishObject
// does, in order, without waiting for each before the next, and returns
// once the stream has them all, or the first error.
func (b *Bus) PublishObjects(ctx context.Context, apiRoot, collectionID string, vs []*rampart.ObjectVersion) error {
	if err := checkToken("API root", apiRoot); err != nil {
		return err
	}
	if err := checkToken("collection", collectionID); err != nil {
		return err
	}
	futures := make([]jetstream.PubAckFuture, 0, len(vs))
	for _, v := range vs {
		f, err := b.js.PublishMsgAsync(objectMsg(apiRoot, collectionID, v))
		if err != nil {
			return fmt.Errorf("publish %s to the object stream: %w", v.Object.ID, err)
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("publish %s to the object stream: %w", vs[i].Object.ID, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func objectMsg(apiRoot, collectionID string, v *rampart.ObjectVersion) *nats.Msg {
	o := v.Object
	m := nats.NewMsg(ObjectSubject + "." + apiRoot + "." + collectionID + "." + o.Type)
	m.Data = o.Raw
	m.Header.Set(HeaderAPIRoot, apiRoot)
	m.Header.Set(HeaderCollection, collectionID)
	m.Header.Set(HeaderObjectID, o.ID)
	m.Header.Set(HeaderTLP, stix.StrictestTLP(o).String())
	if to, err := stix.Recipients(o); err == nil && len(to) > 0 {
		m.Header.Set(HeaderRecipients, strings.Join(to, ","))
	}
	version := o.Version().String()
	m.Header.Set(HeaderModified, version)
	if v.Seq != 0 {
		m.Header.Set(HeaderStoreSeq, strconv.FormatInt(v.Seq, 10))
		m.Header.Set(nats.MsgIdHdr, collectionID+"/"+strconv.FormatInt(v.Seq, 10))
	} else {
		m.Header.Set(nats.MsgIdHdr, collectionID+"/"+o.ID+"/"+version)
	}
	return m
}

var _ rampart.ObjectStream = (*Bus)(nil)

// ReadObjects returns up to max versions after stream position after
// (from the oldest kept when after is 0), waiting up to wait for the
// first, and the position to resume after. A position older than the
// stream keeps gives ECONFLICT: versions were lost to retention.
func (b *Bus) ReadObjects(ctx context.Context, after uint64, max int, wait time.Duration) ([]*rampart.StreamedObject, uint64, error) {
	s, err := b.js.Stream(ctx, ObjectsStream)
	if err != nil {
		return nil, after, unavailable(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, after, unavailable(err)
	}
	first := info.State.FirstSeq
	if after > 0 && after+1 < first {
		return nil, after, rampart.Errorf(rampart.ECONFLICT, "stream position %d is older than the stream keeps (it starts after %d): versions were lost to retention; read the collections through TAXII, then resume after %d", after, first-1, info.State.LastSeq)
	}
	start := after + 1
	if start < first {
		start = first
	}
	if start > info.State.LastSeq && wait <= 0 {
		return nil, after, nil
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       start,
		InactiveThreshold: 10 * time.Second,
	})
	if err != nil {
		return nil, after, unavailable(err)
	}
	var batch jetstream.MessageBatch
	if wait <= 0 {
		batch, err = cons.FetchNoWait(max)
	} else {
		batch, err = cons.Fetch(max, jetstream.FetchMaxWait(wait))
	}
	if err != nil {
		return nil, after, unavailable(err)
	}
	var out []*rampart.StreamedObject
	next := after
	for msg := range batch.Messages() {
		meta, err := msg.Metadata()
		if err != nil {
			return nil, after, fmt.Errorf("object stream: %v", err)
		}
		next = meta.Sequence.Stream
		o, err := stix.ParseObject(msg.Data())
		if err != nil {
			// Only Rampart publishes here; a message that is not an
			// object is skipped, and the position moves past it.
			b.Logger.Warn("object stream: message is not a STIX object", "seq", next, "err", err)
			continue
		}
		h := msg.Headers()
		out = append(out, &rampart.StreamedObject{Seq: next, APIRoot: h.Get(HeaderAPIRoot), CollectionID: h.Get(HeaderCollection), Object: o})
	}
	if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
		return out, next, unavailable(err)
	}
	return out, next, nil
}

func unavailable(err error) error {
	return rampart.Errorf(rampart.EUNAVAILABLE, "the message bus does not answer (%v): retry later", err)
}
