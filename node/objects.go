package node

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/stix"
)

// ObjectService is the one object service every write of a node goes
// through, whatever its origin (TAXII, imports, the JSON API, coordination,
// alerts, federation, the matcher): it stores through the store's service
// and tells every subscriber, once, of each version added and each object
// deleted.
//
// Writes made by this process reach the subscribers from the writing
// goroutine before the write returns, so a matcher knows an indicator as
// soon as its POST is answered. Writes made by other processes on the same
// store reach them through the store (rampart.ChangeFeed): the service
// reads what was added after its cursor in each collection, and the log of
// deletions. Each version is delivered once: a version this process wrote
// is claimed when it is notified, and the follower passes over it.
//
// Subscribe every subscriber, then Open; Close stops following. Without a
// feed (nil), or before Open, writes are only notified in-process. An
// ObjectService is safe for concurrent use.
type ObjectService struct {
	store  rampart.ObjectService
	feed   rampart.ChangeFeed
	logger *slog.Logger
	subs   []rampart.ObjectSubscriber

	// TrimInterval is how soon after writes of its own the service passes
	// its cursors over them, so that the versions it claimed need not be
	// remembered (DefaultTrimInterval when 0).
	TrimInterval time.Duration

	// followMu serialises the follower's passes and deletions, so that
	// each version and deletion is delivered once and in order.
	followMu sync.Mutex

	mu        sync.Mutex
	open      bool
	cursors   map[string]int64          // collection -> last seq delivered or passed
	claimed   map[string]map[int64]bool // collection -> seqs notified in-process, beyond the cursor
	delCursor int64
	dirty     chan struct{} // claims wait to be passed over

	cancel context.CancelFunc
	done   chan struct{}
}

// DefaultTrimInterval is ObjectService.TrimInterval's default.
const DefaultTrimInterval = time.Second

var _ rampart.ObjectService = (*ObjectService)(nil)

// NewObjectService returns a service that stores through store and follows
// other processes' writes through feed (nil: none).
func NewObjectService(store rampart.ObjectService, feed rampart.ChangeFeed, logger *slog.Logger) *ObjectService {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &ObjectService{store: store, feed: feed, logger: logger}
}

// Subscribe adds a subscriber. It must be called before Open: the
// subscribers of a node are fixed when it is assembled.
func (s *ObjectService) Subscribe(sub rampart.ObjectSubscriber) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open {
		panic("node: Subscribe after Open")
	}
	s.subs = append(s.subs, sub)
}

// Open takes the store's current position as the cursors and starts
// following other processes' writes. What was stored before Open is not
// delivered: subscribers read the store when they start.
func (s *ObjectService) Open(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open {
		return nil
	}
	s.open = true
	if s.feed == nil {
		return nil
	}
	cursors, del, err := s.feed.FeedPosition(ctx)
	if err != nil {
		return fmt.Errorf("follow the store: %w", err)
	}
	s.cursors, s.delCursor = cursors, del
	s.claimed = map[string]map[int64]bool{}
	s.dirty = make(chan struct{}, 1)
	if s.TrimInterval <= 0 {
		s.TrimInterval = DefaultTrimInterval
	}
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel, s.done = cancel, make(chan struct{})
	go s.follow(fctx)
	return nil
}

// Close stops following; writes are still stored and notified
// in-process.
func (s *ObjectService) Close() error {
	if s.cancel != nil {
		s.cancel()
		<-s.done
		s.cancel = nil
	}
	return nil
}

// FindObjects reads from the store.
func (s *ObjectService) FindObjects(ctx context.Context, f rampart.ObjectFilter) (*rampart.ObjectPage, error) {
	return s.store.FindObjects(ctx, f)
}

// CreateObjects stores objs and tells the subscribers of the versions
// added, before it returns.
func (s *ObjectService) CreateObjects(ctx context.Context, collectionID string, objs []*stix.Object) ([]rampart.ObjectResult, error) {
	return s.PrepareObjects(objs)(ctx, collectionID)
}

var _ ingest.Preparer = (*ObjectService)(nil)

// PrepareObjects is CreateObjects in two steps (see ingest.Preparer): the
// store's preparation of objs now, when the store is a Preparer; the
// write, and the subscribers' notice, when the function returned is
// called.
func (s *ObjectService) PrepareObjects(objs []*stix.Object) func(ctx context.Context, collectionID string) ([]rampart.ObjectResult, error) {
	write := func(ctx context.Context, collectionID string) ([]rampart.ObjectResult, error) {
		return s.store.CreateObjects(ctx, collectionID, objs)
	}
	if p, ok := s.store.(ingest.Preparer); ok {
		write = p.PrepareObjects(objs)
	}
	return func(ctx context.Context, collectionID string) ([]rampart.ObjectResult, error) {
		res, err := write(ctx, collectionID)
		if err != nil || len(s.subs) == 0 {
			return res, err
		}
		var added []*rampart.ObjectVersion
		for i, r := range res {
			if r.Added {
				added = append(added, &rampart.ObjectVersion{Object: objs[i], DateAdded: r.DateAdded, Seq: r.Seq})
			}
		}
		s.added(ctx, collectionID, added)
		return res, nil
	}
}

// RestoreObjects stores versions with their DateAdded and notifies the
// subscribers as CreateObjects does.
func (s *ObjectService) RestoreObjects(ctx context.Context, collectionID string, versions []*rampart.ObjectVersion) error {
	if err := s.store.RestoreObjects(ctx, collectionID, versions); err != nil {
		return err
	}
	if len(s.subs) == 0 || len(versions) == 0 {
		return nil
	}
	// Restored versions carry no Seq of the store's: read them back, so
	// that the follower knows them as this process's.
	ids := make([]string, 0, len(versions))
	for _, v := range versions {
		ids = append(ids, v.Object.ID)
	}
	var got []*rampart.ObjectVersion
	f := rampart.ObjectFilter{CollectionID: collectionID, IDs: slices.Compact(slices.Sorted(slices.Values(ids))),
		Versions: []string{rampart.VersionAll}, SpecVersions: []string{"2.0", "2.1"}, Limit: rampart.MaxPageSize}
	for {
		page, err := s.store.FindObjects(ctx, f)
		if err != nil {
			return err
		}
		got = append(got, page.Versions...)
		if !page.More || len(page.Versions) == 0 {
			break
		}
		f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
	}
	s.added(ctx, collectionID, got)
	return nil
}

// DeleteObjects deletes through the store, then delivers the deletions the
// store recorded (this one among them) to the subscribers, before it
// returns.
func (s *ObjectService) DeleteObjects(ctx context.Context, f rampart.ObjectFilter) (int, error) {
	n, err := s.store.DeleteObjects(ctx, f)
	if err != nil || len(s.subs) == 0 {
		return n, err
	}
	s.mu.Lock()
	following := s.open && s.feed != nil
	s.mu.Unlock()
	if !following {
		s.notifyDeleted(ctx, f.CollectionID, f.IDs)
		return n, nil
	}
	s.followMu.Lock()
	defer s.followMu.Unlock()
	if err := s.catchUpDeletions(ctx); err != nil {
		// The deletion is done; the subscribers hear of it from the
		// next pass, or at once from here.
		s.logger.Warn("read the store's deletions", "err", err)
		s.notifyDeleted(ctx, f.CollectionID, f.IDs)
	}
	return n, nil
}

// added claims versions this process stored and notifies the subscribers
// of those the follower has not delivered already.
func (s *ObjectService) added(ctx context.Context, collectionID string, vs []*rampart.ObjectVersion) {
	if len(vs) == 0 {
		return
	}
	s.mu.Lock()
	if s.open && s.feed != nil {
		cursor := s.cursors[collectionID]
		claims := s.claimed[collectionID]
		if claims == nil {
			claims = map[int64]bool{}
			s.claimed[collectionID] = claims
		}
		passed := false
		vs = slices.DeleteFunc(slices.Clone(vs), func(v *rampart.ObjectVersion) bool {
			if v.Seq <= cursor {
				passed = true // the follower delivered it
				return true
			}
			claims[v.Seq] = true
			return false
		})
		select {
		case s.dirty <- struct{}{}:
		default:
		}
		s.mu.Unlock()
		if passed {
			// The follower is delivering it, or has: wait until it has,
			// so that the write returns once every subscriber knows.
			s.followMu.Lock()
			//lint:ignore SA2001 taking the lock waits for the pass in progress to end
			s.followMu.Unlock()
		}
	} else {
		s.mu.Unlock()
	}
	if len(vs) > 0 {
		s.notifyAdded(ctx, collectionID, vs)
	}
}

func (s *ObjectService) notifyAdded(ctx context.Context, collectionID string, vs []*rampart.ObjectVersion) {
	for _, sub := range s.subs {
		sub.ObjectsAdded(ctx, collectionID, vs)
	}
}

func (s *ObjectService) notifyDeleted(ctx context.Context, collectionID string, ids []string) {
	for _, sub := range s.subs {
		sub.ObjectsDeleted(ctx, collectionID, ids)
	}
}

// follow runs a pass over the store whenever another process wrote, and
// soon after this process's own writes to pass over their claims.
func (s *ObjectService) follow(ctx context.Context) {
	defer close(s.done)
	changes := s.feed.Changes()
	var trim <-chan time.Time
	var timer *time.Timer
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return
		case _, ok := <-changes:
			if !ok {
				return
			}
		case <-s.dirty:
			if timer == nil {
				timer = time.NewTimer(s.TrimInterval)
				trim = timer.C
			}
			continue
		case <-trim:
			timer, trim = nil, nil
		}
		if err := s.pass(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("follow the store", "err", err)
		}
	}
}

// pass delivers every version added after the cursors that this process
// did not claim, and every deletion after the deletion cursor.
func (s *ObjectService) pass(ctx context.Context) error {
	s.followMu.Lock()
	defer s.followMu.Unlock()
	pos, _, err := s.feed.FeedPosition(ctx)
	if err != nil {
		return err
	}
	for c, last := range pos {
		s.mu.Lock()
		cursor := s.cursors[c]
		s.mu.Unlock()
		if last > cursor {
			if err := s.catchUp(ctx, c, cursor); err != nil {
				return fmt.Errorf("collection %s: %w", c, err)
			}
		}
	}
	return s.catchUpDeletions(ctx)
}

// catchUp reads collection c after the cursor, a page at a time: first
// without the objects, to pass over the versions this process claimed;
// then whole, for a page that holds others.
func (s *ObjectService) catchUp(ctx context.Context, c string, cursor int64) error {
	f := rampart.ObjectFilter{CollectionID: c, Versions: []string{rampart.VersionAll}, SpecVersions: []string{"2.0", "2.1"},
		AfterSeq: cursor, Limit: rampart.MaxPageSize, MetadataOnly: true}
	for {
		page, err := s.store.FindObjects(ctx, f)
		if rampart.ErrorCode(err) == rampart.ENOTFOUND {
			// The collection was deleted meanwhile.
			s.mu.Lock()
			delete(s.cursors, c)
			delete(s.claimed, c)
			s.mu.Unlock()
			return nil
		}
		if err != nil {
			return err
		}
		if len(page.Versions) == 0 {
			return nil
		}
		s.mu.Lock()
		claims := s.claimed[c]
		foreign := slices.ContainsFunc(page.Versions, func(v *rampart.ObjectVersion) bool { return !claims[v.Seq] })
		s.mu.Unlock()
		vs := page.Versions
		if foreign {
			whole := f
			whole.MetadataOnly = false
			whole.Limit = len(page.Versions)
			got, err := s.store.FindObjects(ctx, whole)
			if err != nil {
				return err
			}
			vs = got.Versions
		}
		last := vs[len(vs)-1].Seq
		s.mu.Lock()
		var deliver []*rampart.ObjectVersion
		for _, v := range vs {
			if claims[v.Seq] {
				delete(claims, v.Seq)
				continue
			}
			deliver = append(deliver, v)
		}
		s.cursors[c] = max(s.cursors[c], last)
		s.mu.Unlock()
		if len(deliver) > 0 {
			s.notifyAdded(ctx, c, deliver)
		}
		if !page.More {
			return nil
		}
		f.AfterSeq = last
	}
}

// catchUpDeletions delivers the deletions recorded after the deletion
// cursor, grouped by collection in the order recorded. The caller holds
// followMu.
func (s *ObjectService) catchUpDeletions(ctx context.Context) error {
	for {
		s.mu.Lock()
		after := s.delCursor
		s.mu.Unlock()
		ds, err := s.feed.FindDeletions(ctx, after, 1000)
		if err != nil || len(ds) == 0 {
			return err
		}
		for i := 0; i < len(ds); {
			j := i
			var ids []string
			for j < len(ds) && ds[j].CollectionID == ds[i].CollectionID {
				ids = append(ids, ds[j].ObjectID)
				j++
			}
			s.notifyDeleted(ctx, ds[i].CollectionID, slices.Compact(ids))
			i = j
		}
		s.mu.Lock()
		s.delCursor = ds[len(ds)-1].Seq
		s.mu.Unlock()
		if len(ds) < 1000 {
			return nil
		}
	}
}
