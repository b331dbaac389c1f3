package rampart

import "context"

// ObjectSubscriber follows the writes to a node's store: the matcher, early
// warning, federation and caches subscribe to the one object service that
// every write goes through, whatever its origin, and hear of each version
// once, after it was committed.
//
// Calls come from the goroutine that made the write (or that read another
// process's writes from the store), in the order of each collection; a
// subscriber must not block: it queues what takes time.
type ObjectSubscriber interface {
	// ObjectsAdded is told of versions newly stored in a collection (not
	// those it held already).
	ObjectsAdded(ctx context.Context, collectionID string, vs []*ObjectVersion)
	// ObjectsDeleted is told of objects some or all of whose versions
	// were deleted from a collection.
	ObjectsDeleted(ctx context.Context, collectionID string, ids []string)
}

// ObjectDeletion records that versions of an object were deleted from a
// collection, so that other processes on the same store hear of it.
type ObjectDeletion struct {
	// Seq orders deletions; it grows with every deletion recorded.
	Seq          int64
	CollectionID string
	ObjectID     string
}

// ChangeFeed lets a process follow what other processes write to the same
// store (a "rampart import" while "rampart serve" runs; several serve
// processes on one PostgreSQL database). Implementations are safe for
// concurrent use.
type ChangeFeed interface {
	// Changes returns a channel that receives a value, soon after another
	// process committed a write to the store (coalesced: one value may
	// stand for many writes). It is closed when the store is closed.
	Changes() <-chan struct{}
	// FeedPosition returns, for every collection, the Seq of its newest
	// version (0 for an empty one), and the Seq of the newest deletion.
	FeedPosition(ctx context.Context) (collections map[string]int64, deletion int64, err error)
	// FindDeletions returns up to limit deletions recorded after seq,
	// oldest first.
	FindDeletions(ctx context.Context, afterSeq int64, limit int) ([]*ObjectDeletion, error)
}
