package federation

import (
	"context"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/taxii"
	"github.com/rampart-cti/rampart/trust"
)

// peerLink is this node's side of its exchanges with one peer: the TAXII
// client over authenticated node connections, and where its pulls are.
type peerLink struct {
	peer   *rampart.Peer
	base   string
	hc     *http.Client
	client *taxii.Client

	ctx    context.Context // cancelled by stop
	cancel context.CancelFunc
	done   chan struct{} // closed when the background loop has ended

	round sync.Mutex // one round at a time

	mu      sync.Mutex
	cursors map[string]time.Time // collection at the peer -> added_after
	// refused is the newest registry version this peer offered that this
	// node refused; the node does not ask for it again.
	refused int64
}

func (n *Node) newLink(p *rampart.Peer) (*peerLink, error) {
	base, err := baseURL(p)
	if err != nil {
		return nil, err
	}
	d := &trust.Dialer{Identity: n.Identity, Verifier: n.Verifier, Peer: p.ID, QKD: n.QKD}
	tr := &http.Transport{
		DialTLSContext:      d.DialContext,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     2 * time.Minute,
	}
	hc := &http.Client{Transport: limitTransport{tr}}
	l := &peerLink{
		peer:    p,
		base:    base,
		hc:      hc,
		client:  &taxii.Client{BaseURL: base, HTTPClient: hc, UserAgent: "rampart-federation"},
		done:    make(chan struct{}),
		cursors: map[string]time.Time{},
	}
	l.ctx, l.cancel = context.WithCancel(n.ctx)
	return l, nil
}

// MaxResponseBytes bounds any one answer from a peer, so that a peer
// cannot exhaust this node's memory with an endless page.
const MaxResponseBytes = 256 << 20

// ErrResponseTooLarge reports an answer from a peer beyond
// MaxResponseBytes.
var ErrResponseTooLarge = errors.New("answer from the peer exceeds MaxResponseBytes (256 MiB)")

// ErrTooManyCollections reports a peer that offers more than
// MaxPeerCollections collections.
var ErrTooManyCollections = errors.New("the peer offers more than MaxPeerCollections (16) collections")

// limitTransport cuts every answer at MaxResponseBytes.
type limitTransport struct{ rt http.RoundTripper }

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(r)
	if err == nil {
		resp.Body = &limitedBody{rc: resp.Body, left: MaxResponseBytes}
	}
	return resp, err
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrResponseTooLarge
	}
	// One byte beyond the limit tells a body of exactly the limit from a
	// longer one.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) <= b.left {
		b.left -= int64(n)
		return n, err
	}
	n, b.left = int(b.left), -1
	return n, ErrResponseTooLarge
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport.
func (t limitTransport) CloseIdleConnections() {
	if c, ok := t.rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// stop ends the link's background loop and closes its connections.
func (l *peerLink) stop() {
	l.cancel()
	<-l.done
	l.hc.CloseIdleConnections()
}

// runLink follows the peer until the link stops, starting again after a
// back-off whenever an exchange fails.
func (n *Node) runLink(l *peerLink) {
	defer close(l.done)
	retry := n.RetryMin
	for {
		start := time.Now()
		err := n.follow(l.ctx, l)
		if l.ctx.Err() != nil {
			return
		}
		n.recordError(l, err)
		if time.Since(start) > n.RetryMax {
			retry = n.RetryMin // it worked for a while: start over
		}
		select {
		case <-l.ctx.Done():
			return
		case <-time.After(retry):
		}
		retry = min(2*retry, n.RetryMax)
	}
}

func (n *Node) recordError(l *peerLink, err error) {
	n.logger().Warn("exchange with peer failed", "peer", l.peer.ID, "name", l.peer.Name, "err", err)
	rerr := n.Peers.RecordPeerSync(context.WithoutCancel(l.ctx), &rampart.PeerSync{PeerID: l.peer.ID, At: n.now(), Error: err.Error()})
	if rerr != nil && rampart.ErrorCode(rerr) != rampart.ENOTFOUND {
		n.logger().Error("record peer error", "peer", l.peer.ID, "err", rerr)
	}
}

// follow pulls each collection the peer shares, then waits for it to
// change, until an exchange fails.
func (n *Node) follow(ctx context.Context, l *peerLink) error {
	colls, err := n.discover(ctx, l)
	if err != nil {
		return err
	}
	if len(colls) == 1 {
		return n.followCollection(ctx, l, colls[0])
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(colls))
	for _, c := range colls {
		go func() { errc <- n.followCollection(ctx, l, c) }()
	}
	err = <-errc
	cancel()
	for range len(colls) - 1 {
		<-errc
	}
	return err
}

// discover returns the collections of the peer's API root that this node
// may read.
func (n *Node) discover(ctx context.Context, l *peerLink) ([]string, error) {
	cs, err := l.client.Collections(ctx, l.peer.APIRoot)
	if err != nil {
		return nil, fmt.Errorf("list collections of %s: %w", l.base, err)
	}
	var out []string
	for _, c := range cs {
		if c.CanRead {
			out = append(out, c.ID)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s shares no collection with this node in API root %q", l.base, l.peer.APIRoot)
	}
	if len(out) > MaxPeerCollections {
		return nil, fmt.Errorf("%s: %w: it offers %d in API root %q", l.base, ErrTooManyCollections, len(out), l.peer.APIRoot)
	}
	return out, nil
}

// followCollection alternates rounds and waits on one collection.
func (n *Node) followCollection(ctx context.Context, l *peerLink, coll string) error {
	var early bool  // the last wait answered before its timeout, not for a registry
	var empties int // consecutive early answers after which the cursor did not move
	before, err := n.cursor(ctx, l, coll)
	if err != nil {
		return err
	}
	for {
		if err := n.round(ctx, l, coll); err != nil {
			return err
		}
		after, err := n.cursor(ctx, l, coll)
		if err != nil {
			return err
		}
		// A wait that answers at once is followed by a round that moves
		// the cursor: the page's date headers cover even what this node
		// may not see. A peer that answers at once over and over with
		// nothing to show would keep this node pulling, and writing its
		// status, as fast as the network allows: back off instead.
		if early && !after.After(before) {
			empties++
			if err := sleepCtx(ctx, emptyChangePause(empties, n.RetryMin, n.RetryMax)); err != nil {
				return err
			}
		} else {
			empties = 0
		}
		before = after
		known := n.knownRegistry(l)
		start := time.Now()
		res, err := n.wait(ctx, l, coll, after, known)
		if err != nil {
			return err
		}
		early = time.Since(start) < n.WaitTimeout/2 && res.RegistryVersion <= known
		if res.RegistryVersion > known {
			n.pullRegistry(ctx, l, res.RegistryVersion)
		}
		// A round follows even when the wait timed out: it costs one
		// request and covers a notification lost on the way.
	}
}

// emptyChangePause is how long to wait after the k-th consecutive wait
// that answered at once with nothing to pull: RetryMin, doubling, at most
// RetryMax.
func emptyChangePause(k int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 1; i < k && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// knownRegistry is the registry version a wait tells the peer about: this
// node's, or the newest the peer offered that this node refused, so that
// the peer does not answer at once over and over.
func (n *Node) knownRegistry(l *peerLink) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(n.Verifier.Registry().Version(), l.refused)
}

// refreshRegistry moves to the registry the peer trusts if it is newer and
// checks, and reports whether this node's registry changed.
func (n *Node) refreshRegistry(ctx context.Context, l *peerLink, coll string) (bool, error) {
	before := n.Verifier.Registry().Version()
	known := n.knownRegistry(l)
	res, err := n.waitFor(ctx, l, coll, time.Time{}, known, 0)
	if err != nil {
		return false, err
	}
	if res.RegistryVersion > known {
		n.pullRegistry(ctx, l, res.RegistryVersion)
	}
	return n.Verifier.Registry().Version() > before, nil
}

// wait asks the peer to answer when coll has versions added after after, or
// it trusts a registry newer than known, or WaitTimeout passes.
func (n *Node) wait(ctx context.Context, l *peerLink, coll string, after time.Time, known int64) (*waitResult, error) {
	return n.waitFor(ctx, l, coll, after, known, n.WaitTimeout)
}

// waitFor is wait with a timeout of its own; 0 asks the peer for its state
// at once.
func (n *Node) waitFor(ctx context.Context, l *peerLink, coll string, after time.Time, known int64, timeout time.Duration) (*waitResult, error) {
	q := url.Values{}
	q.Set("collection", coll)
	if !after.IsZero() {
		q.Set("added_after", taxii.FormatTime(after))
	}
	q.Set("registry_version", strconv.FormatInt(known, 10))
	q.Set("timeout", strconv.Itoa(int(timeout.Seconds())))
	ctx, cancel := context.WithTimeout(ctx, timeout+30*time.Second)
	defer cancel()
	var res waitResult
	if err := l.get(ctx, pathWait+"?"+q.Encode(), 4<<10, func(b []byte) error { return json.Unmarshal(b, &res) }); err != nil {
		return nil, fmt.Errorf("wait for %s: %w", l.base, err)
	}
	return &res, nil
}

// get fetches a federation endpoint of the peer and hands its body, at
// most limit bytes, to decode.
func (l *peerLink) get(ctx context.Context, path string, limit int64, decode func([]byte) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "rampart-federation")
	resp, err := l.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e taxii.ErrorResource
		json.Unmarshal(b, &e)
		return &taxii.ClientError{StatusCode: resp.StatusCode, Resource: e}
	}
	if int64(len(b)) > limit {
		return fmt.Errorf("answer exceeds %d bytes", limit)
	}
	return decode(b)
}

// pullRegistry fetches the registry the peer trusts, newer than this
// node's, and moves to it if it checks. A version refused is recorded as a
// rejection of the peer and not asked for again.
func (n *Node) pullRegistry(ctx context.Context, l *peerLink, version int64) {
	var data []byte
	err := l.get(ctx, pathRegistry, trust.MaxRegistryBytes, func(b []byte) error { data = b; return nil })
	if err != nil {
		n.logger().Warn("fetch trust registry", "peer", l.peer.ID, "version", version, "err", err)
		return
	}
	reg, err := n.UpdateRegistry(data)
	if err == nil {
		n.logger().Info("trust registry from peer", "peer", l.peer.ID, "version", reg.Version())
		return
	}
	if errors.Is(err, trust.ErrStaleRegistry) && n.Verifier.Registry().Version() >= version {
		return // another peer brought it first
	}
	l.mu.Lock()
	l.refused = max(l.refused, version)
	l.mu.Unlock()
	n.logger().Warn("refused trust registry from peer", "peer", l.peer.ID, "version", version, "err", err)
	rej := &rampart.PeerRejection{At: n.now(), ObjectID: "trust-registry", Version: strconv.FormatInt(version, 10), Reason: reasonOf(err), Message: err.Error()}
	if err := n.Peers.RecordPeerSync(ctx, &rampart.PeerSync{PeerID: l.peer.ID, At: rej.At, Rejections: []*rampart.PeerRejection{rej}}); err != nil {
		n.logger().Error("record rejection", "peer", l.peer.ID, "err", err)
	}
}

// cursor returns where the next pull of coll starts, reading it from the
// store the first time.
func (n *Node) cursor(ctx context.Context, l *peerLink, coll string) (time.Time, error) {
	l.mu.Lock()
	t, ok := l.cursors[coll]
	l.mu.Unlock()
	if ok {
		return t, nil
	}
	st, err := n.Peers.FindPeerStatus(ctx, l.peer.ID)
	if err != nil {
		return time.Time{}, err
	}
	for _, c := range st.Cursors {
		if c.CollectionID == coll {
			t = c.AddedAfter
		}
	}
	l.mu.Lock()
	if cur, ok := l.cursors[coll]; ok && cur.After(t) {
		t = cur
	}
	l.cursors[coll] = t
	l.mu.Unlock()
	return t, nil
}

func (l *peerLink) setCursor(coll string, t time.Time) {
	l.mu.Lock()
	if t.After(l.cursors[coll]) {
		l.cursors[coll] = t
	}
	l.mu.Unlock()
}

// fetched is one page, checked, or the error that ended fetching.
type fetched struct {
	page *taxii.RawPage
	*checked
	err error
}

// round pulls coll from its cursor until the peer has nothing newer. Each
// page is checked and stored before the cursor moves past it, and the
// cursor is recorded with the page, so a node stopped at any moment
// resumes at the first page it had not finished: nothing is lost, and what
// is fetched twice is stored once.
//
// A round is a pipeline: while one page is stored, the next is verified
// (on all cores) and the one after that is fetched.
func (n *Node) round(ctx context.Context, l *peerLink, coll string) (err error) {
	l.round.Lock()
	defer l.round.Unlock()
	start, stored := time.Now(), int64(0)
	if n.Rounds != nil {
		defer func() {
			if err == nil {
				n.Rounds.ObserveRound(l.peer.ID, time.Since(start), stored)
			}
		}()
	}
	after, err := n.cursor(ctx, l, coll)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan fetched, 1)
	go func() {
		defer close(pages)
		at := after
		for {
			q := taxii.Query{AddedAfter: at, Limit: n.PageSize, Versions: []string{rampart.VersionAll}}
			p, err := l.client.RawObjects(ctx, l.peer.APIRoot, coll, q)
			if err == nil && len(p.Objects) > n.PageSize {
				// Beyond what was asked for: a peer that ignores the
				// limit could make every page as large as an answer may be.
				err = fmt.Errorf("the page holds %d objects, more than the %d asked for", len(p.Objects), n.PageSize)
			}
			if err == nil && len(p.Objects) > 0 && p.DateAddedLast.IsZero() {
				err = errors.New("the page has no X-TAXII-Date-Added-Last header, so this node cannot tell where to resume")
			}
			if err == nil && !p.DateAddedLast.IsZero() && !p.DateAddedLast.After(at) {
				err = fmt.Errorf("the page ends at %s, not after the %s asked for", taxii.FormatTime(p.DateAddedLast), taxii.FormatTime(at))
			}
			select {
			case pages <- fetched{page: p, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil || !p.More || p.DateAddedLast.IsZero() {
				return
			}
			at = p.DateAddedLast
		}
	}()
	checkedPages := make(chan fetched, 1)
	go func() {
		defer close(checkedPages)
		for f := range pages {
			if f.err == nil {
				f.checked, f.err = n.check(ctx, l.peer, f.page.Objects)
			}
			select {
			case checkedPages <- f:
			case <-ctx.Done():
				return
			}
			if f.err != nil {
				return
			}
		}
	}()
	for f := range checkedPages {
		if f.err != nil {
			return fmt.Errorf("pull %s collection %s after %s: %w", l.base, coll, taxii.FormatTime(after), f.err)
		}
		p := f.page
		if f.checked != nil && f.registryBound() {
			// Refusals that a newer registry may undo (a key this node
			// does not know yet, a registry past its expiry): take the
			// peer's registry if it is newer, and check the page again.
			changed, err := n.refreshRegistry(ctx, l, coll)
			if err != nil {
				return fmt.Errorf("registry of %s: %w", l.base, err)
			}
			if changed {
				if f.checked, err = n.check(ctx, l.peer, p.Objects); err != nil {
					return err
				}
			}
			if f.expired() {
				// Never move the cursor past objects refused only because
				// this node's registry is out of date: they would be lost.
				reg := n.Verifier.Registry()
				return fmt.Errorf("registry version %d expired at %s: this node takes nothing from peers until it trusts a newer one", reg.Version(), reg.Expires().Format(time.RFC3339))
			}
		}
		rec := &rampart.PeerSync{PeerID: l.peer.ID, Completed: !p.More || p.DateAddedLast.IsZero()}
		if len(p.Objects) > 0 || !p.DateAddedLast.IsZero() {
			in, rejected, err := n.commit(ctx, f.checked)
			if err != nil {
				return fmt.Errorf("store what %s sent: %w", l.base, err)
			}
			rec.ObjectsIn, rec.Rejections = in, rejected
			stored += in
			if in > 0 || len(rejected) > 0 || p.More {
				// One line per page: a back-fill shows its progress.
				n.logger().Info("pulled from peer", "peer", l.peer.ID, "name", l.peer.Name, "collection", coll,
					"stored", in, "refused", len(rejected), "up_to", taxii.FormatTime(p.DateAddedLast), "more", p.More)
			}
			after = p.DateAddedLast
			rec.Cursor = &rampart.PeerCursor{CollectionID: coll, AddedAfter: after, Lag: max(0, n.now().Sub(after))}
		}
		rec.At = n.now()
		if err := n.Peers.RecordPeerSync(ctx, rec); err != nil {
			return fmt.Errorf("record sync with %s: %w", l.base, err)
		}
		if rec.Cursor != nil {
			l.setCursor(coll, after)
		}
	}
	return ctx.Err()
}
