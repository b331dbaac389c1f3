package federation

import (
	"context"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/taxii"
	"github.com/rampart-cti/rampart/translog"
)

// The transparency log endpoints of the node link.
const (
	// pathLogHead serves this node's signed tree head.
	pathLogHead = "/federation/v1/log/head"
	// pathLogConsistency serves a consistency proof between two sizes of
	// this node's log (first and second).
	pathLogConsistency = "/federation/v1/log/consistency"
	// pathLogHeads serves the latest head this node holds of each other
	// node's log: the gossip that lets peers who never talk to each other
	// compare what a node showed them.
	pathLogHeads = "/federation/v1/log/heads"
)

// DefaultGossipInterval is how often a leading node fetches its peers'
// tree heads and the heads they hold of others.
const DefaultGossipInterval = time.Minute

// MaxHeadsBytes bounds an answer of pathLogHeads.
const MaxHeadsBytes = 8 << 20

// TransparencyLog is this node's transparency log, as the node link
// serves it to peers.
type TransparencyLog interface {
	// SignedHead returns the log's current head, signed by the node.
	// ctx is the request's: trust.PeerFromContext names the peer asking.
	SignedHead(ctx context.Context) (*translog.SignedHead, error)
	// ConsistencyProof returns the proof between the log's trees of sizes
	// first and second; EINVALID for sizes the log has not reached.
	ConsistencyProof(ctx context.Context, first, second int64) ([]translog.Hash, error)
}

// headsAnswer is the answer of pathLogHeads.
type headsAnswer struct {
	Heads []*translog.SignedHead `json:"heads"`
}

// handleLogHead serves pathLogHead.
func (n *Node) handleLogHead(w http.ResponseWriter, r *http.Request) {
	if _, err := n.peerOf(r); err != nil {
		n.taxii.WriteError(w, r, err)
		return
	}
	if n.Log == nil {
		n.taxii.WriteError(w, r, rampart.Errorf(rampart.ENOTFOUND, "this node keeps no transparency log"))
		return
	}
	h, err := n.Log.SignedHead(r.Context())
	if err != nil {
		n.taxii.WriteError(w, r, err)
		return
	}
	writeJSON(w, h.Object.Raw)
}

// handleLogConsistency serves pathLogConsistency.
func (n *Node) handleLogConsistency(w http.ResponseWriter, r *http.Request) {
	if _, err := n.peerOf(r); err != nil {
		n.taxii.WriteError(w, r, err)
		return
	}
	if n.Log == nil {
		n.taxii.WriteError(w, r, rampart.Errorf(rampart.ENOTFOUND, "this node keeps no transparency log"))
		return
	}
	q, err := urlValues(r.URL.RawQuery)
	if err != nil {
		n.taxii.WriteError(w, r, err)
		return
	}
	var sizes [2]int64
	for i, name := range []string{"first", "second"} {
		v := q.Get(name)
		if sizes[i], err = strconv.ParseInt(v, 10, 64); err != nil || sizes[i] < 0 {
			n.taxii.WriteError(w, r, rampart.Errorf(rampart.EINVALID, "%s must be a tree size, 0 or more (got %q)", name, v))
			return
		}
	}
	path, err := n.Log.ConsistencyProof(r.Context(), sizes[0], sizes[1])
	if err != nil {
		n.taxii.WriteError(w, r, err)
		return
	}
	b, err := json.Marshal(&translog.ConsistencyProof{First: sizes[0], Second: sizes[1], Path: path})
	if err != nil {
		n.taxii.WriteError(w, r, err)
		return
	}
	writeJSON(w, b)
}

// handleLogHeads serves pathLogHeads.
func (n *Node) handleLogHeads(w http.ResponseWriter, r *http.Request) {
	if _, err := n.peerOf(r); err != nil {
		n.taxii.WriteError(w, r, err)
		return
	}
	a := headsAnswer{Heads: []*translog.SignedHead{}}
	if n.Witness != nil {
		a.Heads = n.Witness.Heads()
	}
	b, err := json.Marshal(a)
	if err != nil {
		n.taxii.WriteError(w, r, err)
		return
	}
	writeJSON(w, b)
}

// isNotFound reports an answer 404 from a peer: one that keeps no log.
func isNotFound(err error) bool {
	var ce *taxii.ClientError
	return errors.As(err, &ce) && ce.StatusCode == http.StatusNotFound
}

func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// Gossip fetches, once, every peer's signed tree head and the heads it
// holds of other nodes' logs, and hands each to the Witness: a peer's own
// head is checked for consistency with the last one held, through a
// proof the peer serves, and every head against the heads of the same
// size held. A fork found is logged and handed to OnFork. It does nothing
// on a node without a Witness, or that does not lead.
func (n *Node) Gossip(ctx context.Context) {
	n.mu.RLock()
	leading := n.leading
	links := make([]*peerLink, 0, len(n.links))
	for _, l := range n.links {
		links = append(links, l)
	}
	n.mu.RUnlock()
	if n.Witness == nil || !leading {
		return
	}
	for _, l := range links {
		if err := n.gossipWith(ctx, l); err != nil && ctx.Err() == nil {
			n.logger().Warn("transparency log gossip", "peer", l.peer.ID, "name", l.peer.Name, "err", err)
		}
	}
}

// gossipWith fetches l's head and the heads it holds.
func (n *Node) gossipWith(ctx context.Context, l *peerLink) error {
	ctx, cancel := context.WithTimeout(ctx, n.WaitTimeout)
	defer cancel()
	var own *translog.SignedHead
	err := l.get(ctx, pathLogHead, translog.MaxEntryBytes, func(b []byte) (err error) {
		own, err = translog.ParseSignedHead(b)
		return err
	})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("fetch its tree head: %w", err)
	}
	if own != nil {
		if own.Origin != l.peer.ID {
			return fmt.Errorf("its tree head is of the log of %s, not its own", own.Origin)
		}
		n.observe(ctx, own, l.peer.Name)
	}
	var heads headsAnswer
	err = l.get(ctx, pathLogHeads, MaxHeadsBytes, func(b []byte) error { return json.Unmarshal(b, &heads) })
	if err != nil {
		return fmt.Errorf("fetch the tree heads it holds: %w", err)
	}
	for _, h := range heads.Heads {
		if h != nil {
			n.observe(ctx, h, l.peer.Name)
		}
	}
	return nil
}

// observe hands h, seen through the peer named via, to the Witness, with
// a way to ask h's log for proofs when h's origin is a peer.
func (n *Node) observe(ctx context.Context, h *translog.SignedHead, via string) {
	var prove translog.ProveFunc
	if ol := n.link(h.Origin); ol != nil {
		prove = func(ctx context.Context, first, second int64) ([]translog.Hash, error) {
			var p translog.ConsistencyProof
			q := url.Values{"first": {strconv.FormatInt(first, 10)}, "second": {strconv.FormatInt(second, 10)}}
			err := ol.get(ctx, pathLogConsistency+"?"+q.Encode(), MaxHeadsBytes, func(b []byte) error { return json.Unmarshal(b, &p) })
			if err != nil {
				return nil, err
			}
			if p.First != first || p.Second != second {
				return nil, fmt.Errorf("asked for the proof from %d to %d, got one from %d to %d", first, second, p.First, p.Second)
			}
			return p.Path, nil
		}
	}
	_, fork, err := n.Witness.Observe(ctx, h, prove)
	if err != nil {
		n.logger().Warn("transparency log: tree head refused", "log", h.Origin, "size", h.Size, "via", via, "err", err)
		return
	}
	if fork == nil || !fork.First {
		return
	}
	n.logger().Error("transparency log: fork", "log", fork.Origin, "via", via, "reason", fork.Reason)
	if n.OnFork != nil {
		n.OnFork(ctx, fork)
	}
}
