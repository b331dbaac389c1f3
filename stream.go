package rampart

import (
	"context"
	"slices"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// ObservationBatch is a sensor upload queued for the matcher workers: the
// log as the JSON API takes it (Body, in Format with Mapping), and where
// its sightings go and in whose name.
type ObservationBatch struct {
	// ID names the batch; the sightings made of it are named after it, so
	// that a batch matched twice (a worker died before it acknowledged)
	// stores the same sightings again rather than new ones.
	ID string
	// APIRoot is the API root of Collection.
	APIRoot string
	// Collection is where the sightings are stored; empty, the node's
	// sightings collection.
	Collection string
	// Account is the account that uploaded the batch (empty when a sensor
	// published it to the bus itself).
	Account string
	// Observer is the identity of the organisation where the records were
	// sighted (where_sighted_refs); empty, the node's organisation.
	Observer string
	// Format and Mapping are the upload's query parameters (format
	// "jsonl" when empty).
	Format  string
	Mapping string
	// Window is the aggregation window (one hour when 0).
	Window time.Duration
	// Received is when the node took the batch: the creation time of its
	// sightings, so that matching it again makes the same versions.
	Received time.Time
	Body     []byte
}

// ObservationQueue queues observation batches for the matcher workers.
// Implementations are safe for concurrent use.
type ObservationQueue interface {
	// EnqueueObservations queues a batch and returns its position in the
	// queue. When the workers have fallen behind and the queue is full it
	// returns an Error with code ETOOMANY: the caller comes back later.
	// A batch larger than the queue takes gives ETOOLARGE.
	EnqueueObservations(ctx context.Context, b *ObservationBatch) (uint64, error)
}

// StreamedObject is an object version as the object stream carries it.
type StreamedObject struct {
	// Seq is the version's position in the stream; a subscriber resumes
	// after the last Seq it handled.
	Seq          uint64
	APIRoot      string
	CollectionID string
	Object       *stix.Object
}

// ObjectStream is the stream of every object version a node stored, in
// the order it stored them. Implementations are safe for concurrent use.
type ObjectStream interface {
	// ReadObjects returns up to max versions after position after,
	// waiting up to wait for the first when there is none yet, and the
	// position to resume after (past the versions returned). A position
	// older than the stream keeps gives an Error with code ECONFLICT.
	ReadObjects(ctx context.Context, after uint64, max int, wait time.Duration) ([]*StreamedObject, uint64, error)
}

// ReleaseStreamed returns the versions of vs that reader may read, in
// order: those of the collections readable lists (the collections the
// reader's account may read), as access releases them (the TLP and
// addressing checks of a TAXII read). Without access, every version of a
// readable collection.
func ReleaseStreamed(ctx context.Context, access AccessService, reader *Reader, readable []string, vs []*StreamedObject) ([]*StreamedObject, error) {
	keep := make([]*stix.Object, len(vs))
	byColl := map[string][]int{}
	for i, v := range vs {
		if slices.Contains(readable, v.CollectionID) {
			byColl[v.CollectionID] = append(byColl[v.CollectionID], i)
		}
	}
	for coll, idx := range byColl {
		objs := make([]*stix.Object, len(idx))
		for j, i := range idx {
			objs[j] = vs[i].Object
		}
		if access != nil && reader != nil {
			released, err := access.Release(ctx, *reader, coll, objs)
			if err != nil {
				return nil, err
			}
			objs = released
		}
		for j, o := range objs {
			keep[idx[j]] = o
		}
	}
	var out []*StreamedObject
	for i, v := range vs {
		if o := keep[i]; o != nil {
			out = append(out, &StreamedObject{Seq: v.Seq, APIRoot: v.APIRoot, CollectionID: v.CollectionID, Object: o})
		}
	}
	return out, nil
}
