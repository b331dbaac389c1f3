package node

import (
	"context"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/trust"
)

// UpdatePeerQKD changes the QKD settings of the peer p: its SAE id and
// the policy, each when given (the others kept; a peer without settings
// starts from the preferred policy). It returns the settings stored, or
// EINVALID naming a bad value (SetPeerQKD).
func (n *Node) UpdatePeerQKD(ctx context.Context, p *rampart.Peer, sae string, policy trust.QKDPolicy) (*PeerQKD, error) {
	q, err := n.FindPeerQKD(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if q == nil {
		q = &PeerQKD{Policy: trust.QKDPreferred}
	}
	if sae != "" {
		q.SAE = sae
	}
	if policy != "" {
		q.Policy = policy
	}
	if err := n.SetPeerQKD(ctx, p.ID, *q); err != nil {
		return nil, err
	}
	return q, nil
}

// ReadPeerRegistry reads the trust registry file path (signed by a quorum
// of its authority; "" for none) and completes p from it (CompletePeer),
// as "rampart peer add" does before the node is opened. Errors are
// CompletePeer's, ErrNoPeerURL included, or name the registry file.
func ReadPeerRegistry(path string, p *rampart.Peer) error {
	var reg *trust.Registry
	if path != "" {
		var err error
		if reg, err = trust.ReadRegistryFile(path); err != nil {
			return err
		}
	}
	return CompletePeer(reg, path, p)
}
