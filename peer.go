package rampart

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// Peer is another node this node federates with: a member organisation of
// the trust registry and the address of its node link.
type Peer struct {
	// ID is the organisation's STIX identity id, as the trust registry
	// lists it.
	ID string
	// Name is the organisation's name, for people.
	Name string
	// URL is the base URL of the peer's node link ("https://host:port"),
	// where it serves TAXII 2.1 to the nodes it federates with.
	URL string
	// APIRoot is the TAXII API root of the peer that this node pulls from.
	APIRoot   string
	CreatedAt time.Time
}

// Validate checks a peer before it is stored: an identity id, an https URL
// with a host and nothing after the path, and an API root name. It returns
// EINVALID naming the field.
func (p *Peer) Validate() error {
	if typ, _, err := stix.ParseID(p.ID); err != nil || typ != "identity" {
		return Errorf(EINVALID, "peer id must be the organisation's STIX identity id, identity--UUID (got %q)", p.ID)
	}
	u, err := url.Parse(p.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return Errorf(EINVALID, "peer %s: url must be an https URL of the peer's node link, like https://cti.example:8443 (got %q)", p.ID, p.URL)
	}
	if p.APIRoot == "" || strings.ContainsAny(p.APIRoot, "/?#") {
		return Errorf(EINVALID, "peer %s: api root must be one path segment, like \"api\" (got %q)", p.ID, p.APIRoot)
	}
	return nil
}

// PeerCursor records how far this node has pulled one collection of a peer:
// every version the peer added to it up to AddedAfter has been received,
// checked, and stored or rejected.
type PeerCursor struct {
	PeerID string
	// CollectionID is the collection at the peer.
	CollectionID string
	// AddedAfter is the date_added, on the peer's clock, of the last version
	// processed; the next pull asks for the versions added after it.
	AddedAfter time.Time
	// Lag is, for the last page processed, how long after the peer added
	// its newest version this node had stored it (zero when the clocks
	// disagree the other way).
	Lag       time.Duration
	UpdatedAt time.Time
}

// PeerRejection is one object a peer sent that this node refused.
type PeerRejection struct {
	At       time.Time
	ObjectID string
	Version  string
	// Reason is the kind of refusal, a short word such as "bad-signature",
	// "revoked" or "replay" (the federation package lists them).
	Reason string
	// Message says in full why, for people.
	Message string
}

// PeerStatus is what this node knows of its exchanges with one peer.
type PeerStatus struct {
	PeerID string
	// LastSync is when a round with the peer last ended with this node up
	// to date; zero when none has yet.
	LastSync time.Time
	// LastError is the error of the last round that failed, cleared by the
	// next round that completes.
	LastError   string
	LastErrorAt time.Time
	// ObjectsIn counts the versions received from the peer and stored (not
	// duplicates); ObjectsOut the versions served to it; Rejections the
	// objects it sent that were refused.
	ObjectsIn  int64
	ObjectsOut int64
	Rejections int64
	Cursors    []*PeerCursor
	// RecentRejections are the newest rejections, newest first, at most
	// MaxPeerRejections of them.
	RecentRejections []*PeerRejection
}

// Lag returns the largest lag of the status's cursors.
func (s *PeerStatus) Lag() time.Duration {
	var lag time.Duration
	for _, c := range s.Cursors {
		lag = max(lag, c.Lag)
	}
	return lag
}

// MaxPeerRejections is how many rejections are kept per peer; older ones
// are forgotten (they still count in PeerStatus.Rejections).
const MaxPeerRejections = 100

// PeerSync is one step of an exchange with a peer, recorded at once.
type PeerSync struct {
	PeerID string
	At     time.Time
	// Cursor, when set, moves the cursor of its collection forward; a
	// cursor never moves back, so a late or repeated record changes
	// nothing.
	Cursor *PeerCursor
	// ObjectsIn, ObjectsOut and Rejections are added to the status.
	ObjectsIn  int64
	ObjectsOut int64
	Rejections []*PeerRejection
	// Completed records a round that ended with this node up to date:
	// LastSync becomes At and LastError is cleared.
	Completed bool
	// Error, when not empty, records a failed round.
	Error string
}

// PeerService stores the peers of this node, how far it has pulled each,
// and what came of it. Implementations are safe for concurrent use.
type PeerService interface {
	// FindPeers returns every peer, ordered by name, then ID.
	FindPeers(ctx context.Context) ([]*Peer, error)
	// FindPeerByID returns ENOTFOUND when there is no such peer.
	FindPeerByID(ctx context.Context, id string) (*Peer, error)
	// CreatePeer stores p (EINVALID as Validate says, ECONFLICT when the
	// organisation is a peer already). CreatedAt is set by the store.
	CreatePeer(ctx context.Context, p *Peer) error
	// DeletePeer removes the peer with its cursors, counters and
	// rejections (ENOTFOUND when there is none).
	DeletePeer(ctx context.Context, id string) error
	// FindPeerStatus returns the peer's status, cursors and recent
	// rejections (ENOTFOUND when there is no such peer).
	FindPeerStatus(ctx context.Context, id string) (*PeerStatus, error)
	// RecordPeerSync records s atomically (ENOTFOUND when the peer was
	// removed meanwhile, EINVALID for a cursor without a collection).
	RecordPeerSync(ctx context.Context, s *PeerSync) error
}
