package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

var peerUsage = helpText("peer-usage.txt")

// peerFlags are the flags of the peer commands, one set for all of them.
type peerFlags struct {
	store             storeFlags
	peer              rampart.Peer
	registry          string
	qkdSAE, qkdPolicy string
	asJSON            bool
}

func (f *peerFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	fs.StringVar(&f.peer.ID, "org", "", "the peer's STIX identity `id`")
	fs.StringVar(&f.registry, "registry", "", "trust registry `file` to check the peer against")
	fs.StringVar(&f.peer.URL, "url", "", "https `URL` of the peer's node link")
	fs.StringVar(&f.peer.Name, "name", "", "the peer's `name`")
	fs.StringVar(&f.peer.APIRoot, "api-root", node.DefaultAPIRoot, "the peer's API root `name` to pull from")
	fs.StringVar(&f.qkdSAE, "qkd-sae-id", "", "the peer's QKD SAE `id`")
	fs.StringVar(&f.qkdPolicy, "qkd", "", "QKD `policy` with the peer: required or preferred")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON")
}

// peerCommands are the peer commands and the arguments each takes.
var peerCommands = subcommands{cmd: "peer", usage: peerUsage, names: "add, list, set, remove or status", args: map[string]arity{
	"add": exactly(0, "no arguments"), "list": exactly(0, "no arguments"), "set": exactly(1, "one IDENTITY"),
	"remove": exactly(1, "one IDENTITY"), "status": {0, 1, "at most one IDENTITY"},
}}

func (m *Main) runPeer(ctx context.Context, args []string) error {
	var f peerFlags
	sub, pos, _, err := m.parseSubcommand(peerCommands, args, &f)
	if err != nil {
		return err
	}
	if sub == "add" {
		if err := m.peerToAdd(&f); err != nil {
			return err
		}
	}
	if _, err := trust.ParseQKDPolicy(f.qkdPolicy); f.qkdPolicy != "" && err != nil {
		return m.usagef("--qkd: %v", err)
	}
	if sub == "set" && f.qkdSAE == "" && f.qkdPolicy == "" {
		return m.usagef("peer set needs --qkd-sae-id ID or --qkd required|preferred")
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	switch {
	case sub == "add":
		p := &f.peer
		if err := n.Peers.CreatePeer(ctx, p); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "added peer %s (%s) at %s, API root %q\n", p.Name, p.ID, p.URL, p.APIRoot)
		if f.qkdSAE != "" || f.qkdPolicy != "" {
			return m.setPeerQKD(ctx, n, p, &f)
		}
		return nil
	case sub == "set":
		p, err := n.Peers.FindPeerByID(ctx, pos[0])
		if err != nil {
			return err
		}
		return m.setPeerQKD(ctx, n, p, &f)
	case sub == "list":
		return m.listPeers(ctx, n, f.asJSON)
	case sub == "remove":
		if err := n.RemovePeer(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "removed peer %s\n", pos[0])
		return nil
	}
	return m.peerStatus(ctx, n, pos, f.asJSON)
}

// setPeerQKD changes the QKD settings of peer p as the flags say.
func (m *Main) setPeerQKD(ctx context.Context, n *node.Node, p *rampart.Peer, f *peerFlags) error {
	q, err := n.UpdatePeerQKD(ctx, p, f.qkdSAE, trust.QKDPolicy(f.qkdPolicy))
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "QKD with %s: %s, SAE %s\n", p.Name, q.Policy, dash(q.SAE))
	return nil
}

// peerToAdd completes the peer "peer add" stores, checking it against the
// registry when one is given.
func (m *Main) peerToAdd(f *peerFlags) error {
	if f.peer.ID == "" {
		return m.usagef("peer add needs --org IDENTITY, the peer organisation's STIX identity id")
	}
	err := node.ReadPeerRegistry(f.registry, &f.peer)
	if errors.Is(err, node.ErrNoPeerURL) {
		m.errorf("peer add needs --url URL: the registry lists no node for %q", f.peer.ID)
		if f.registry == "" {
			m.hintf("give --registry FILE to take the name and the node URL from the trust registry")
		}
		return errUsage
	}
	return err
}

func (m *Main) listPeers(ctx context.Context, n *node.Node, asJSON bool) error {
	peers, err := n.Peers.FindPeers(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return m.printJSON(node.PeerListings(peers))
	}
	if len(peers) == 0 {
		m.hintf(`this node has no peers; add one with "rampart peer add"`)
		return nil
	}
	return node.WritePeerList(m.Stdout, peers)
}

// peerStatus prints the state of the one peer pos names, or of them all.
func (m *Main) peerStatus(ctx context.Context, n *node.Node, pos []string, asJSON bool) error {
	if len(pos) == 1 {
		r, err := n.PeerReport(ctx, pos[0])
		if err != nil {
			return err
		}
		if asJSON {
			return m.printJSON(r)
		}
		return r.WriteText(m.Stdout, time.Now())
	}
	rows, err := n.PeerReports(ctx)
	if err != nil {
		return err
	}
	deliveries, err := n.DeliveryReports(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return m.printJSON(map[string]any{"peers": rows, "deliveries": deliveries})
	}
	if len(rows) == 0 {
		m.hintf(`this node has no peers; add one with "rampart peer add"`)
	}
	return node.WritePeerTable(m.Stdout, rows, deliveries, time.Now())
}
