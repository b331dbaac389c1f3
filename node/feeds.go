package node

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/feed"
	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/misp"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

// Feeds returns the node's feeds as its settings keep them.
func (n *Node) Feeds() feed.Settings { return feed.Settings{S: n.Settings} }

// feedLease is how long a run's lease on its feed lasts unless renewed;
// a run renews it every feedLease/5, so that a process that crashed
// blocks its feeds for feedLease at most.
const feedLease = 5 * time.Minute

// FeedRunner returns a runner with the node's clock, the TAXII client for
// taxii feeds and the MISP reader for misp feeds, whose galaxies it links
// to the objects collection c holds (nil: created as the events name
// them).
func (n *Node) FeedRunner(c *rampart.Collection) *feed.Runner {
	return &feed.Runner{
		Fetcher: &feed.Fetcher{UserAgent: "Rampart feed"},
		TAXII:   taxiiFeed{},
		MISP:    n.mispFeedReader(c),
		Now:     n.Config.Now,
	}
}

// mispFeedReader reads misp feeds with the MISP converter, galaxies
// resolved in collection c.
func (n *Node) mispFeedReader(c *rampart.Collection) feed.MISPReader {
	conv := misp.NewConverter(nil)
	if c != nil {
		conv = misp.NewConverter(n.MISPResolver(c))
	}
	return func(ctx context.Context, fetch func(ctx context.Context, name string) (io.ReadCloser, error), since time.Time, emit func(*stix.Object) error) error {
		_, err := conv.ReadFeed(ctx, fetch, since, emit)
		return err
	}
}

// RunFeed runs the feed by name once, now, and records the run in the
// node's settings: the run's record, also for a failed run (its
// collection gone included); an error when the feed cannot be run at all
// (no such feed, another process runs it). holder names who runs it, for the lease that keeps
// two processes from running one feed at once.
func (n *Node) RunFeed(ctx context.Context, name, holder string, progress func(feed.Progress)) (*feed.Run, error) {
	fs := n.Feeds()
	f, err := fs.Feed(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := fs.Acquire(ctx, name, holder, time.Now().Add(feedLease)); err != nil {
		return nil, err
	}
	defer fs.Release(context.WithoutCancel(ctx), name)
	stop := n.renewLease(ctx, name, holder)
	defer stop()
	rec, err := fs.Record(ctx, name)
	if err != nil {
		return nil, err
	}
	var run *feed.Run
	if st, err := n.feedStore(ctx, f); err != nil {
		// A feed whose collection is gone fails like one whose server
		// is: recorded, with the reason.
		now := time.Now().UTC()
		if n.Config.Now != nil {
			now = n.Config.Now().UTC()
		}
		run = &feed.Run{Feed: name, Started: now, Finished: now, Status: feed.StatusFailed, Error: err.Error()}
	} else {
		r := n.FeedRunner(st.c)
		r.Progress = progress
		run = r.Run(ctx, f, st, &rec.State)
	}
	// A run stopped by a shutdown is recorded too.
	if err := fs.SaveRun(context.WithoutCancel(ctx), run, rec.State); err != nil {
		return run, fmt.Errorf("record the run of feed %q: %v", name, err)
	}
	attrs := []any{"feed", name, "status", run.Status, "fetched", run.Fetched, "new", run.New, "updated", run.Updated,
		"unchanged", run.Unchanged, "expired", run.Expired, "failed", run.Failed, "bytes", run.Bytes,
		"duration", run.Finished.Sub(run.Started).Round(time.Millisecond).String()}
	switch run.Status {
	case feed.StatusFailed, feed.StatusCancelled:
		n.logger.Warn("feed run failed", append(attrs, "err", run.Error)...)
	default:
		n.logger.Info("feed run", attrs...)
	}
	return run, nil
}

// renewLease renews a run's lease until stop is called.
func (n *Node) renewLease(ctx context.Context, name, holder string) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(feedLease / 5)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := n.Feeds().Acquire(ctx, name, holder, time.Now().Add(feedLease)); err != nil && ctx.Err() == nil {
					n.logger.Warn("feed lease not renewed", "feed", name, "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// feedStore returns the collection a feed writes to.
func (n *Node) feedStore(ctx context.Context, f *feed.Feed) (*feedStore, error) {
	root := f.APIRoot
	if root == "" {
		root = DefaultAPIRoot
	}
	c, err := n.FindCollection(ctx, root, f.Collection)
	if err != nil {
		return nil, fmt.Errorf("feed %q: %w", f.Name, err)
	}
	return &feedStore{n: n, c: c}, nil
}

// feedStore stores a feed's objects in a collection through the node's
// ingester, so that they pass every check an imported object passes.
type feedStore struct {
	n *Node
	c *rampart.Collection
}

var _ feed.Store = (*feedStore)(nil)

func (s *feedStore) Find(ctx context.Context, ids []string) (map[string]*stix.Object, error) {
	out := make(map[string]*stix.Object, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), rampart.MaxFilterIDs)]
		ids = ids[len(chunk):]
		page, err := s.n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: s.c.ID, IDs: chunk, Versions: []string{rampart.VersionLast}, Limit: rampart.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, v := range page.Versions {
			if o := out[v.Object.ID]; o == nil || o.Modified.Compare(v.Object.Modified) < 0 {
				out[v.Object.ID] = v.Object
			}
		}
	}
	return out, nil
}

func (s *feedStore) Store(ctx context.Context, objs []*stix.Object) ([]feed.Result, error) {
	res := make([]feed.Result, len(objs))
	in := s.n.Ingester(s.c)
	in.Report = func(o ingest.Outcome) {
		if o.Index < 0 || o.Index >= len(res) {
			return
		}
		switch o.State {
		case ingest.Added:
			res[o.Index].Added = true
		case ingest.Present:
		default:
			res[o.Index].Err = o.Err
		}
	}
	_, err := in.Ingest(ctx, s.c.ID, &sliceSource{objs: objs})
	return res, err
}

// sliceSource is a stream of objects already read.
type sliceSource struct {
	objs []*stix.Object
	i    int
}

func (s *sliceSource) Next() (*stix.Object, error) {
	if s.i == len(s.objs) {
		return nil, io.EOF
	}
	s.i++
	return s.objs[s.i-1], nil
}

// taxiiFeed reads feeds of format taxii with the TAXII client: the feed's
// URL is the collection's ("https://host/api-root/collections/ID/").
type taxiiFeed struct{}

// taxiiPage is how many objects a TAXII feed asks for at once.
const taxiiPage = 1000

func (taxiiFeed) Poll(ctx context.Context, f *feed.Feed, after time.Time, emit func(*stix.Object, error) error) (time.Time, error) {
	base, root, coll, err := splitCollectionURL(f.URL)
	if err != nil {
		return after, fmt.Errorf("feed %q: %v", f.Name, err)
	}
	c := &taxii.Client{BaseURL: base, Token: f.Token, UserAgent: "Rampart feed",
		HTTPClient: &http.Client{Timeout: feed.DefaultTimeout, CheckRedirect: feed.CheckRedirect}}
	if f.MaxBodyBytes > 0 {
		c.MaxResponseBytes = f.MaxBodyBytes
	}
	last := after
	q := taxii.Query{AddedAfter: after, Limit: taxiiPage}
	for {
		p, err := c.RawObjects(ctx, root, coll, q)
		if err != nil {
			return last, err
		}
		for i, raw := range p.Objects {
			o, perr := stix.ParseObject(raw)
			if perr != nil {
				perr = fmt.Errorf("objects[%d]: %v", i, perr)
			}
			if err := emit(o, perr); err != nil {
				return last, err
			}
		}
		if p.DateAddedLast.After(last) {
			last = p.DateAddedLast
		}
		if !p.More || p.Next == "" || len(p.Objects) == 0 {
			return last, nil
		}
		q.Next = p.Next
	}
}

// splitCollectionURL splits a TAXII collection URL into the server's base
// URL, the API root and the collection id.
func splitCollectionURL(s string) (base, root, coll string, err error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", "", "", fmt.Errorf("url %q: %v", feed.Redact(s), err)
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 1; i+1 < len(segs); i++ {
		if segs[i] == "collections" {
			base := u.Scheme + "://" + u.Host
			if i > 1 {
				base += "/" + strings.Join(segs[:i-1], "/")
			}
			return base, segs[i-1], segs[i+1], nil
		}
	}
	return "", "", "", fmt.Errorf("url %q is not a TAXII collection URL (https://HOST/API-ROOT/collections/ID/)", feed.Redact(s))
}

// feedPoll is how often the scheduler looks for feeds that are due.
const feedPoll = time.Second

// feedScheduler runs a serving node's feeds on their intervals, one run
// at a time per feed, reading the definitions again when the settings
// change.
type feedScheduler struct {
	n      *Node
	holder string

	mu      sync.Mutex
	running map[string]context.CancelFunc
	wg      sync.WaitGroup
}

// runFeeds runs the feeds until ctx ends, then cancels the runs in
// progress (each is recorded as cancelled) and waits for them.
func (n *Node) runFeeds(ctx context.Context) {
	s := &feedScheduler{n: n, holder: fmt.Sprintf("rampart serve (pid %d)", os.Getpid()), running: map[string]context.CancelFunc{}}
	defer s.wg.Wait()
	defer s.cancelAll()
	t := time.NewTicker(feedPoll)
	defer t.Stop()
	var version int64 = -1
	var feeds []*feed.Feed
	next := map[string]time.Time{}
	for {
		if v, err := n.Settings.SettingsVersion(ctx); err == nil && v != version {
			version = v
			fs, err := n.Feeds().Feeds(ctx)
			if err != nil && ctx.Err() == nil {
				n.logger.Warn("feed definitions", "err", err)
			}
			feeds = fs
			next = s.due(ctx, feeds)
		}
		now := time.Now()
		for _, f := range feeds {
			if at, ok := next[f.Name]; ok && now.Before(at) {
				continue
			}
			if s.start(ctx, f) {
				next[f.Name] = now.Add(f.EffectiveInterval())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// due returns when each feed runs next: an interval after its last run
// (by any process), or now.
func (s *feedScheduler) due(ctx context.Context, feeds []*feed.Feed) map[string]time.Time {
	next := make(map[string]time.Time, len(feeds))
	names := map[string]bool{}
	for _, f := range feeds {
		names[f.Name] = true
		if last, err := s.n.Feeds().LastRun(ctx, f.Name); err == nil && last != nil {
			next[f.Name] = last.Started.Add(f.EffectiveInterval())
		}
	}
	// A feed removed stops.
	s.mu.Lock()
	for name, cancel := range s.running {
		if !names[name] {
			cancel()
		}
	}
	s.mu.Unlock()
	return next
}

// start runs f in the background unless it runs already; false when it
// was not started.
func (s *feedScheduler) start(ctx context.Context, f *feed.Feed) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.running[f.Name]; ok || ctx.Err() != nil {
		return false
	}
	rctx, cancel := context.WithCancel(ctx)
	s.running[f.Name] = cancel
	s.wg.Go(func() {
		defer func() {
			cancel()
			s.mu.Lock()
			delete(s.running, f.Name)
			s.mu.Unlock()
		}()
		if _, err := s.n.RunFeed(rctx, f.Name, s.holder, nil); err != nil && rctx.Err() == nil {
			level := s.n.logger.Warn
			if rampart.ErrorCode(err) == rampart.ECONFLICT {
				level = s.n.logger.Info
			}
			level("feed not run", "feed", f.Name, "err", err)
		}
	})
	return true
}

func (s *feedScheduler) cancelAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, cancel := range s.running {
		cancel()
	}
}
