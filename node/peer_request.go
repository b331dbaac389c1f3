package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/trust"
)

// PeerRequest is a change "rampart peer" makes to the node's peers: Op is
// add (Peer, completed from the registry file Registry when given), set
// (the QKD settings of the peer whose id is Peer.ID) or remove (the peer
// Peer.ID).
type PeerRequest struct {
	Op       string
	Peer     rampart.Peer
	Registry string
	// QKDSAE and QKDPolicy are the QKD settings to change, each when given.
	QKDSAE, QKDPolicy string
}

// Check refuses a request that lacks what its Op needs or gives a bad QKD
// policy, and completes the peer to add from the registry file
// (ReadPeerRegistry), so that the node is opened only for a request that
// can be done. Errors a person fixes by changing the flags are
// ConfigErrors; others name the registry file or the field.
func (r *PeerRequest) Check() error {
	if r.Op == "add" {
		if r.Peer.ID == "" {
			return configErrorf("peer add needs --org IDENTITY, the peer organisation's STIX identity id")
		}
		err := ReadPeerRegistry(r.Registry, &r.Peer)
		if errors.Is(err, ErrNoPeerURL) {
			ce := configErrorf("peer add needs --url URL: the registry lists no node for %q", r.Peer.ID).(*ConfigError)
			if r.Registry == "" {
				ce.Hint = "give --registry FILE to take the name and the node URL from the trust registry"
			}
			return ce
		} else if err != nil {
			return err
		}
	}
	if _, err := trust.ParseQKDPolicy(r.QKDPolicy); r.QKDPolicy != "" && err != nil {
		return configErrorf("--qkd: %v", err)
	}
	if r.Op == "set" && r.QKDSAE == "" && r.QKDPolicy == "" {
		return configErrorf("peer set needs --qkd-sae-id ID or --qkd required|preferred")
	}
	return nil
}

// PeerChange is what ChangePeer did: the peer added or set, and its QKD
// settings when they changed.
type PeerChange struct {
	Op   string
	Peer *rampart.Peer
	QKD  *PeerQKD
}

// ChangePeer does r, checked by Check: it stores the peer to add (ECONFLICT
// when it is one already), sets its QKD settings when r gives them, or
// removes the peer (ENOTFOUND when there is none). When the QKD settings
// of a peer just added are refused, it returns the change with the error.
func (n *Node) ChangePeer(ctx context.Context, r PeerRequest) (*PeerChange, error) {
	c := &PeerChange{Op: r.Op, Peer: &r.Peer}
	var err error
	switch r.Op {
	case "add":
		err = n.Peers.CreatePeer(ctx, c.Peer)
	case "set":
		c.Peer, err = n.Peers.FindPeerByID(ctx, r.Peer.ID)
	case "remove":
		err = n.RemovePeer(ctx, r.Peer.ID)
	}
	if err != nil {
		return nil, err
	}
	if r.QKDSAE == "" && r.QKDPolicy == "" {
		return c, nil
	}
	c.QKD, err = n.UpdatePeerQKD(ctx, c.Peer, r.QKDSAE, trust.QKDPolicy(r.QKDPolicy))
	return c, err
}

// WriteText says what the change did, as far as it went: with an error
// after the peer was added, the addition alone.
func (c *PeerChange) WriteText(w io.Writer) error {
	p := c.Peer
	switch c.Op {
	case "add":
		fmt.Fprintf(w, "added peer %s (%s) at %s, API root %q\n", p.Name, p.ID, p.URL, p.APIRoot)
	case "remove":
		fmt.Fprintf(w, "removed peer %s\n", p.ID)
	}
	if c.QKD != nil {
		fmt.Fprintf(w, "QKD with %s: %s, SAE %s\n", p.Name, c.QKD.Policy, dashText(c.QKD.SAE))
	}
	return nil
}

// PeerTable is the state of every peer and of the deliveries to them.
type PeerTable struct {
	Deliveries []DeliveryReport `json:"deliveries"`
	Peers      []PeerReport     `json:"peers"`
}

// FindPeerTable returns the state of every peer (PeerReports) and of the
// deliveries (DeliveryReports).
func (n *Node) FindPeerTable(ctx context.Context) (*PeerTable, error) {
	rows, err := n.PeerReports(ctx)
	if err != nil {
		return nil, err
	}
	deliveries, err := n.DeliveryReports(ctx)
	if err != nil {
		return nil, err
	}
	return &PeerTable{Deliveries: deliveries, Peers: rows}, nil
}

// WriteText writes the table of peers and deliveries (WritePeerTable).
func (t *PeerTable) WriteText(w io.Writer, now time.Time) error {
	return WritePeerTable(w, t.Peers, t.Deliveries, now)
}
