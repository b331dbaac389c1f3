package node

import (
	"context"
	"net/url"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/trust"
	"github.com/rampart-cti/rampart/web"
)

// PeerReport is the state of the node's exchanges with one peer as an
// operator reads it ("rampart peer status"), in the JSON form that
// command prints: times that never happened are absent, lags are in
// seconds.
type PeerReport struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	URL         string         `json:"url"`
	APIRoot     string         `json:"-"`
	LastSync    *time.Time     `json:"last_sync,omitempty"`
	LagSeconds  float64        `json:"lag_seconds"`
	ObjectsIn   int64          `json:"objects_in"`
	ObjectsOut  int64          `json:"objects_out"`
	Rejections  int64          `json:"rejections"`
	LastError   string         `json:"last_error,omitempty"`
	LastErrorAt *time.Time     `json:"last_error_at,omitempty"`
	Cursors     []CursorReport `json:"cursors,omitempty"`
	// QKD is what the node is told about QKD with the peer, nil when
	// nothing; QKDLink the outcome of the QKD step of the last connection
	// with it, nil when no connection had one (the node has no KME).
	QKD     *PeerQKD          `json:"qkd,omitempty"`
	QKDLink *QKDLinkReport    `json:"qkd_link,omitempty"`
	Recent  []RejectionReport `json:"recent_rejections,omitempty"`
}

// CursorReport is how far the node has pulled one collection of a peer.
type CursorReport struct {
	Collection string    `json:"collection"`
	AddedAfter time.Time `json:"added_after"`
	LagSeconds float64   `json:"lag_seconds"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// RejectionReport is one object a peer sent that the node refused.
type RejectionReport struct {
	At       time.Time `json:"at"`
	ObjectID string    `json:"object_id"`
	Version  string    `json:"version,omitempty"`
	Reason   string    `json:"reason"`
	Message  string    `json:"message"`
}

// DeliveryReport is the state of the deliveries sealed to one recipient,
// named as the trust registry names it.
type DeliveryReport struct {
	Recipient     string     `json:"recipient"`
	Name          string     `json:"name,omitempty"`
	Sealed        int64      `json:"sealed"`
	Failed        int64      `json:"failed"`
	LastFailure   string     `json:"last_failure,omitempty"`
	LastFailureAt *time.Time `json:"last_failure_at,omitempty"`
}

// PeerReports returns the state of every peer, without cursors and
// refusals; an empty list, never nil, when the node has no peers.
func (n *Node) PeerReports(ctx context.Context) ([]PeerReport, error) {
	peers, err := n.Peers.FindPeers(ctx)
	if err != nil {
		return nil, err
	}
	out := []PeerReport{}
	for _, p := range peers {
		st, err := n.Peers.FindPeerStatus(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		r := peerReport(p, st, false)
		if err := n.addQKD(ctx, &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// PeerReport returns the state of the peer id with its cursors and most
// recent refusals; ENOTFOUND when it is not a peer of the node.
func (n *Node) PeerReport(ctx context.Context, id string) (*PeerReport, error) {
	p, err := n.Peers.FindPeerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	st, err := n.Peers.FindPeerStatus(ctx, id)
	if err != nil {
		return nil, err
	}
	r := peerReport(p, st, true)
	if err := n.addQKD(ctx, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// addQKD adds the peer's QKD settings and link state to r.
func (n *Node) addQKD(ctx context.Context, r *PeerReport) error {
	var err error
	if r.QKD, err = n.FindPeerQKD(ctx, r.ID); err != nil {
		return err
	}
	r.QKDLink, err = n.qkdLink(ctx, r.ID)
	return err
}

func peerReport(p *rampart.Peer, st *rampart.PeerStatus, detail bool) PeerReport {
	r := PeerReport{
		ID: p.ID, Name: p.Name, URL: p.URL, APIRoot: p.APIRoot, LastSync: timeOrNil(st.LastSync), LagSeconds: st.Lag().Seconds(),
		ObjectsIn: st.ObjectsIn, ObjectsOut: st.ObjectsOut, Rejections: st.Rejections,
		LastError: st.LastError, LastErrorAt: timeOrNil(st.LastErrorAt),
	}
	if !detail {
		return r
	}
	for _, c := range st.Cursors {
		r.Cursors = append(r.Cursors, CursorReport{c.CollectionID, c.AddedAfter, c.Lag.Seconds(), c.UpdatedAt})
	}
	for _, x := range st.RecentRejections {
		r.Recent = append(r.Recent, RejectionReport{x.At, x.ObjectID, x.Version, x.Reason, x.Message})
	}
	return r
}

// DeliveryReports returns, per organisation the node seals its objects
// to, by recipient, how many deliveries were sealed and how many failed,
// with the last failure; an empty list, never nil, when there were none.
func (n *Node) DeliveryReports(ctx context.Context) ([]DeliveryReport, error) {
	sums, err := n.Deliveries.FindDeliverySummaries(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryReport, len(sums))
	for i, d := range sums {
		out[i] = DeliveryReport{Recipient: d.Recipient, Sealed: d.Sealed, Failed: d.Failed, LastFailure: d.LastFailure, LastFailureAt: timeOrNil(d.LastFailureAt)}
		if o := n.RegistryOrganization(d.Recipient); o != nil {
			out[i].Name = o.Name
		}
	}
	return out, nil
}

// timeOrNil returns nil for the zero time, which stands for "never".
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// PeerLink returns the URL of the node link of a registry member: the
// scheme and host of the first node URL the registry lists for it (a path
// there is for people); "" when it lists none.
func PeerLink(o *trust.Organization) string {
	if len(o.Nodes) == 0 {
		return ""
	}
	u, err := url.Parse(o.Nodes[0])
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// ErrNoPeerURL is CompletePeer's error for a peer given without the URL
// of its node link, which the trust registry does not list either.
var ErrNoPeerURL = rampart.Errorf(rampart.EINVALID, "a peer needs the https URL of its node link, like https://cti.example:8443, and the trust registry lists none for it")

// CompletePeer completes and checks a peer to add, as "rampart peer add"
// and the console's peer form do. With a registry (read from source, which
// errors name), the organisation must be a member, and its name and node
// link come from the registry unless given; without one, the node link
// must be given (ErrNoPeerURL). A peer without a name is named by its id.
// The API root defaults to DefaultAPIRoot. It returns EINVALID naming the
// field.
func CompletePeer(reg *trust.Registry, source string, p *rampart.Peer) error {
	if reg != nil {
		o := reg.Organization(p.ID)
		if o == nil {
			return rampart.Errorf(rampart.EINVALID, "%q is not a member in registry version %d (%s); only members can be peers", p.ID, reg.Version(), source)
		}
		if p.Name == "" {
			p.Name = o.Name
		}
		if p.URL == "" {
			p.URL = PeerLink(o)
		}
	}
	if p.URL == "" {
		return ErrNoPeerURL
	}
	if p.Name == "" {
		p.Name = p.ID
	}
	if p.APIRoot == "" {
		p.APIRoot = DefaultAPIRoot
	}
	return p.Validate()
}

var _ web.Administration = (*Node)(nil)

// AddPeer completes p from the trust registry the node trusts
// (CompletePeer) and stores it; ECONFLICT when the organisation is a peer
// already. A serving node pulls from it within seconds.
func (n *Node) AddPeer(ctx context.Context, p *rampart.Peer) error {
	if err := CompletePeer(n.Registry(), "the registry this node trusts", p); err != nil {
		return err
	}
	return n.Peers.CreatePeer(ctx, p)
}

// RemovePeer removes a peer with its cursors and status (ENOTFOUND when
// there is none); it loses access at once.
func (n *Node) RemovePeer(ctx context.Context, id string) error {
	if err := n.Peers.DeletePeer(ctx, id); err != nil {
		return err
	}
	return n.deletePeerQKD(ctx, id)
}

// PublicKeys returns the public keys of the node's organisation, nil when
// it has none.
func (n *Node) PublicKeys() *trust.KeySet {
	if n.Identity == nil {
		return nil
	}
	return n.Identity.KeySet()
}

// FederationHealth is the state of the node's peers and sealed deliveries,
// as the console shows it.
func (n *Node) FederationHealth(ctx context.Context) (*web.FederationHealth, error) {
	peers, err := n.PeerReports(ctx)
	if err != nil {
		return nil, err
	}
	deliveries, err := n.DeliveryReports(ctx)
	if err != nil {
		return nil, err
	}
	h := &web.FederationHealth{}
	for _, p := range peers {
		ph := web.PeerHealth{ID: p.ID, Name: p.Name, URL: p.URL, LagSeconds: p.LagSeconds, In: p.ObjectsIn, Out: p.ObjectsOut,
			Refused: p.Rejections, LastError: p.LastError}
		if p.LastSync != nil {
			ph.LastSync = *p.LastSync
		}
		h.Peers = append(h.Peers, ph)
	}
	for _, d := range deliveries {
		who := d.Recipient
		if d.Name != "" {
			who = d.Name + " (" + d.Recipient + ")"
		}
		h.Deliveries = append(h.Deliveries, web.DeliveryHealth{Recipient: who, Sealed: d.Sealed, Failed: d.Failed, LastFailure: d.LastFailure})
	}
	return h, nil
}
