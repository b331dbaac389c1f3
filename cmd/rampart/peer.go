package main

import (
	"context"
	"flag"
	"time"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
)

var peerUsage = helpText("peer-usage.txt")

// peerFlags are the flags of the peer commands, one set for all of them.
type peerFlags struct {
	store  storeFlags
	req    node.PeerRequest
	asJSON bool
}

func (f *peerFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	r := &f.req
	for name, p := range map[string]*string{"org": &r.Peer.ID, "registry": &r.Registry, "url": &r.Peer.URL, "name": &r.Peer.Name,
		"qkd-sae-id": &r.QKDSAE, "qkd": &r.QKDPolicy} {
		fs.StringVar(p, name, "", "")
	}
	fs.StringVar(&r.Peer.APIRoot, "api-root", node.DefaultAPIRoot, "")
	fs.BoolVar(&f.asJSON, "json", false, "")
}

// peerCommands are the peer commands and the arguments each takes.
var peerCommands = cli.Subcommands{Cmd: "peer", Usage: peerUsage, Names: "add, list, set, remove or status", Args: map[string]cli.Arity{
	"add": cli.Exactly(0, "no arguments"), "list": cli.Exactly(0, "no arguments"), "set": cli.Exactly(1, "one IDENTITY"),
	"remove": cli.Exactly(1, "one IDENTITY"), "status": cli.Between(0, 1, "at most one IDENTITY"),
}}

func (m *Main) runPeer(ctx context.Context, args []string) error {
	var f peerFlags
	sub, pos, _, err := m.parseSubcommand(peerCommands, args, &f)
	if err != nil {
		return err
	}
	f.req.Op = sub
	if len(pos) == 1 {
		f.req.Peer.ID = pos[0]
	}
	if err := f.req.Check(); err != nil {
		return m.usageOf(err)
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		return m.listPeers(ctx, n, f.asJSON)
	case "status":
		return m.peerStatus(ctx, n, pos, f.asJSON)
	}
	c, err := n.ChangePeer(ctx, f.req)
	if c != nil {
		c.WriteText(m.Stdout)
	}
	return err
}

func (m *Main) listPeers(ctx context.Context, n *node.Node, asJSON bool) error {
	peers, err := n.Peers.FindPeers(ctx)
	switch {
	case err != nil:
		return err
	case asJSON:
		return m.PrintJSON(node.PeerListings(peers))
	case len(peers) == 0:
		m.Hintf(`this node has no peers; add one with "rampart peer add"`)
		return nil
	}
	return node.WritePeerList(m.Stdout, peers)
}

// peerStatus prints the state of the one peer pos names, or of them all.
func (m *Main) peerStatus(ctx context.Context, n *node.Node, pos []string, asJSON bool) error {
	if len(pos) == 1 {
		r, err := n.PeerReport(ctx, pos[0])
		switch {
		case err != nil:
			return err
		case asJSON:
			return m.PrintJSON(r)
		}
		return r.WriteText(m.Stdout, time.Now())
	}
	t, err := n.FindPeerTable(ctx)
	switch {
	case err != nil:
		return err
	case asJSON:
		return m.PrintJSON(t)
	case len(t.Peers) == 0:
		m.Hintf(`this node has no peers; add one with "rampart peer add"`)
	}
	return t.WriteText(m.Stdout, time.Now())
}
