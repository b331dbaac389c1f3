package node

import (
	"context"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/qkd"
	"github.com/rampart-cti/rampart/trust"
)

// QKDConfig is the node's QKD key management entity (docs/QKD.md): when
// KME is set, node links to peers that have one too mix a QKD key into
// their traffic keys.
type QKDConfig struct {
	// KME is the KME's https URL; SAE this node's SAE id at it.
	KME, SAE string
	// CertFile and KeyFile are the SAE's TLS client certificate and key,
	// CAFile the CA of the KME's certificate (PEM).
	CertFile, KeyFile, CAFile string
	// RotateAfter and RotateBytes bound the use of one key on a link
	// (trust.DefaultQKDRotateAfter and DefaultQKDRotateBytes when 0).
	RotateAfter time.Duration
	RotateBytes int64
}

// Settings of QKD, per peer organisation.
const (
	// settingQKDPeerPrefix + org holds a PeerQKD: the peer's SAE id and
	// the policy.
	settingQKDPeerPrefix = "qkd.peer/"
	// settingQKDLinkPrefix + org holds a QKDLinkReport: the outcome of
	// the last connection with the peer.
	settingQKDLinkPrefix = "qkd.link/"
)

// PeerQKD is what a node is told about QKD with one peer.
type PeerQKD struct {
	// SAE is the peer's SAE id at its KME; empty, the one the peer's node
	// proof names is used.
	SAE string `json:"sae_id,omitempty"`
	// Policy is "required" or "preferred".
	Policy trust.QKDPolicy `json:"policy"`
}

// QKDLinkReport is the outcome of the QKD step of the last connection
// with a peer, as "rampart peer status" shows it.
type QKDLinkReport struct {
	// State is "qkd" (a QKD key is mixed into the link), "fallback"
	// (post-quantum only) or "refused".
	State trust.QKDState `json:"state"`
	// KeyID is the ETSI 014 key_ID of the last key used or offered.
	KeyID string `json:"key_id,omitempty"`
	// Keys counts the QKD keys mixed into links with the peer since the
	// count began.
	Keys int64 `json:"keys"`
	// Reason says why there is no key, or why the link was refused.
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
	// Initiator is true when this node opened the connection.
	Initiator bool `json:"initiator"`
}

// SetPeerQKD stores the QKD settings of the peer org: its SAE id and
// the policy. A running node applies them to its next connection.
func (n *Node) SetPeerQKD(ctx context.Context, org string, p PeerQKD) error {
	if p.Policy == "" {
		p.Policy = trust.QKDPreferred
	}
	if _, err := trust.ParseQKDPolicy(string(p.Policy)); err != nil {
		return rampart.Errorf(rampart.EINVALID, "peer %s: %v", org, err)
	}
	if p.SAE != "" && (strings.ContainsAny(p.SAE, "/?#%") || p.SAE == "." || p.SAE == "..") {
		return rampart.Errorf(rampart.EINVALID, "peer %s: QKD SAE id %q: an SAE id is one path segment of the ETSI 014 API", org, p.SAE)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = n.Settings.SetSetting(ctx, settingQKDPeerPrefix+org, b, -1)
	return err
}

// FindPeerQKD returns the QKD settings of the peer org; nil when it has
// none.
func (n *Node) FindPeerQKD(ctx context.Context, org string) (*PeerQKD, error) {
	var p PeerQKD
	ok, err := n.readSetting(ctx, settingQKDPeerPrefix+org, &p)
	if !ok {
		return nil, err
	}
	return &p, nil
}

// qkdLink returns the outcome of the last connection with org; nil when
// there was none.
func (n *Node) qkdLink(ctx context.Context, org string) (*QKDLinkReport, error) {
	var r QKDLinkReport
	ok, err := n.readSetting(ctx, settingQKDLinkPrefix+org, &r)
	if !ok {
		return nil, err
	}
	return &r, nil
}

// readSetting decodes the setting name into v and reports whether there
// was one.
func (n *Node) readSetting(ctx context.Context, name string, v any) (bool, error) {
	s, err := n.Settings.FindSetting(ctx, name)
	if rampart.ErrorCode(err) == rampart.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(s.Value, v); err != nil {
		return false, fmt.Errorf("setting %q: %v", name, err)
	}
	return true, nil
}

// deletePeerQKD forgets the QKD settings and state of a removed peer.
func (n *Node) deletePeerQKD(ctx context.Context, org string) error {
	var errs []error
	for _, name := range []string{settingQKDPeerPrefix + org, settingQKDLinkPrefix + org} {
		if err := n.Settings.DeleteSetting(ctx, name); err != nil && rampart.ErrorCode(err) != rampart.ENOTFOUND {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// newLinkQKD returns what mixes QKD keys into the node's links, nil when
// cfg names no KME: a client of the KME, the peers' settings read at
// every connection, and every outcome logged and recorded for "rampart
// peer status" and /metrics. The returned func closes the KME client.
func (n *Node) newLinkQKD(ctx context.Context, cfg QKDConfig) (*trust.QKD, func(), error) {
	if cfg.KME == "" {
		return nil, func() {}, nil
	}
	if cfg.SAE == "" {
		return nil, nil, errors.New("--qkd-kme needs --qkd-sae-id, this node's SAE id at its KME")
	}
	if cfg.CertFile == "" || cfg.KeyFile == "" || cfg.CAFile == "" {
		return nil, nil, errors.New("--qkd-kme needs --qkd-cert, --qkd-key and --qkd-ca: the KME knows this node by its TLS client certificate")
	}
	client, err := qkd.NewClient(qkd.ClientConfig{KME: cfg.KME, CertFile: cfg.CertFile, KeyFile: cfg.KeyFile, CAFile: cfg.CAFile})
	if err != nil {
		return nil, nil, err
	}
	r := &qkdRecorder{n: n, ctx: context.WithoutCancel(ctx), keys: map[string]int64{}, last: map[string]QKDLinkReport{}}
	q := &trust.QKD{
		SAE:         cfg.SAE,
		Keys:        client,
		RotateAfter: cfg.RotateAfter,
		RotateBytes: cfg.RotateBytes,
		Peer:        r.peer,
		Report:      r.report,
	}
	return q, client.Close, nil
}

// qkdRecorder reads the peers' QKD settings and records the outcome of
// every connection's QKD step.
type qkdRecorder struct {
	n   *Node
	ctx context.Context

	mu   sync.Mutex
	keys map[string]int64         // org -> keys mixed in
	last map[string]QKDLinkReport // org -> as last recorded
}

// qkdRecordEvery is how often the state of a link that has not changed
// (only its key_ID and count) is recorded again: each record changes the
// node's settings version, which makes every serving process look at its
// settings again.
const qkdRecordEvery = 5 * time.Second

func (r *qkdRecorder) peer(org string) trust.QKDPeer {
	p, err := r.n.FindPeerQKD(r.ctx, org)
	if err != nil {
		r.n.logger.Warn("qkd: read the peer's settings", "peer", org, "err", err)
	}
	if p == nil {
		return trust.QKDPeer{}
	}
	return trust.QKDPeer{SAE: p.SAE, Policy: p.Policy}
}

func (r *qkdRecorder) report(org string, l *trust.LinkQKD) {
	switch l.State {
	case trust.QKDInUse:
		r.n.logger.Info("qkd key mixed into node link", "peer", org, "key_id", l.KeyID, "initiator", l.Initiator)
	case trust.QKDFallback:
		r.n.logger.Warn("node link without a QKD key: post-quantum only", "peer", org, "reason", l.Reason, "initiator", l.Initiator)
	default:
		r.n.logger.Warn("node link refused in its QKD step", "peer", org, "key_id", l.KeyID, "reason", l.Reason, "initiator", l.Initiator)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	keys, ok := r.keys[org]
	if !ok {
		if prev, _ := r.n.qkdLink(r.ctx, org); prev != nil {
			keys = prev.Keys
		}
	}
	if l.State == trust.QKDInUse {
		keys++
	}
	r.keys[org] = keys
	rep := QKDLinkReport{State: l.State, KeyID: l.KeyID, Keys: keys, Reason: l.Reason, At: time.Now().UTC(), Initiator: l.Initiator}
	if prev, ok := r.last[org]; ok && prev.State == rep.State && prev.Reason == rep.Reason && rep.At.Sub(prev.At) < qkdRecordEvery {
		return
	}
	r.last[org] = rep
	b, err := json.Marshal(rep)
	if err == nil {
		_, err = r.n.Settings.SetSetting(r.ctx, settingQKDLinkPrefix+org, b, -1)
	}
	if err != nil {
		r.n.logger.Warn("qkd: record the link's state", "peer", org, "err", err)
	}
}
