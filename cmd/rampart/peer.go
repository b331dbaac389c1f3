package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"

	"github.com/rampart-cti/rampart"
)

var peerUsage = helpText("peer-usage.txt")

// peerFlags are the flags of the peer commands, one set for all of them.
type peerFlags struct {
	store                             storeFlags
	org, registry, url, name, apiRoot string
	qkdSAE, qkdPolicy                 string
	asJSON                            bool
}

func (f *peerFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	fs.StringVar(&f.org, "org", "", "the peer's STIX identity `id`")
	fs.StringVar(&f.registry, "registry", "", "trust registry `file` to check the peer against")
	fs.StringVar(&f.url, "url", "", "https `URL` of the peer's node link")
	fs.StringVar(&f.name, "name", "", "the peer's `name`")
	fs.StringVar(&f.apiRoot, "api-root", node.DefaultAPIRoot, "the peer's API root `name` to pull from")
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
	var p *rampart.Peer
	if sub == "add" {
		if p, err = m.peerToAdd(f.org, f.registry, f.url, f.name, f.apiRoot); err != nil {
			return err
		}
	}
	if f.qkdPolicy != "" {
		if _, err := trust.ParseQKDPolicy(f.qkdPolicy); err != nil {
			return m.usagef("--qkd: %v", err)
		}
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
		if err := n.Peers.CreatePeer(ctx, p); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "added peer %s (%s) at %s, API root %q\n", p.Name, p.ID, p.URL, p.APIRoot)
		if f.qkdSAE != "" || f.qkdPolicy != "" {
			return m.setPeerQKD(ctx, n, p, f.qkdSAE, f.qkdPolicy)
		}
		return nil
	case sub == "set":
		p, err := n.Peers.FindPeerByID(ctx, pos[0])
		if err != nil {
			return err
		}
		return m.setPeerQKD(ctx, n, p, f.qkdSAE, f.qkdPolicy)
	case sub == "list":
		return m.listPeers(ctx, n, f.asJSON)
	case sub == "remove":
		if err := n.RemovePeer(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "removed peer %s\n", pos[0])
		return nil
	case len(pos) == 1:
		return m.peerStatus(ctx, n, pos[0], f.asJSON)
	}
	return m.peerStatuses(ctx, n, f.asJSON)
}

// setPeerQKD changes the QKD settings of peer p: its SAE id and the
// policy, each when given.
func (m *Main) setPeerQKD(ctx context.Context, n *node.Node, p *rampart.Peer, sae, policy string) error {
	q, err := n.FindPeerQKD(ctx, p.ID)
	if err != nil {
		return err
	}
	if q == nil {
		q = &node.PeerQKD{Policy: trust.QKDPreferred}
	}
	if sae != "" {
		q.SAE = sae
	}
	if policy != "" {
		q.Policy = trust.QKDPolicy(policy)
	}
	if err := n.SetPeerQKD(ctx, p.ID, *q); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "QKD with %s: %s, SAE %s\n", p.Name, q.Policy, dash(q.SAE))
	return nil
}

// peerToAdd builds the peer "peer add" stores, checking it against the
// registry when one is given.
func (m *Main) peerToAdd(org, registry, rawURL, name, apiRoot string) (*rampart.Peer, error) {
	if org == "" {
		return nil, m.usagef("peer add needs --org IDENTITY, the peer organisation's STIX identity id")
	}
	p := &rampart.Peer{ID: org, Name: name, URL: rawURL, APIRoot: apiRoot}
	var reg *trust.Registry
	if registry != "" {
		var err error
		if reg, err = readRegistryFile(registry); err != nil {
			return nil, err
		}
	}
	err := node.CompletePeer(reg, registry, p)
	if errors.Is(err, node.ErrNoPeerURL) {
		m.errorf("peer add needs --url URL: the registry lists no node for %q", org)
		if registry == "" {
			m.hintf("give --registry FILE to take the name and the node URL from the trust registry")
		}
		return nil, errUsage
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (m *Main) listPeers(ctx context.Context, n *node.Node, asJSON bool) error {
	peers, err := n.Peers.FindPeers(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		type peerJSON struct {
			ID        string    `json:"id"`
			Name      string    `json:"name"`
			URL       string    `json:"url"`
			APIRoot   string    `json:"api_root"`
			CreatedAt time.Time `json:"created_at"`
		}
		out := []peerJSON{}
		for _, p := range peers {
			out = append(out, peerJSON{p.ID, p.Name, p.URL, p.APIRoot, p.CreatedAt})
		}
		return m.printJSON(out)
	}
	if len(peers) == 0 {
		m.hintf(`this node has no peers; add one with "rampart peer add"`)
		return nil
	}
	tw := m.table("NAME\tORGANIZATION\tURL\tAPI ROOT")
	for _, p := range peers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.ID, p.URL, p.APIRoot)
	}
	return tw.Flush()
}

func (m *Main) peerStatuses(ctx context.Context, n *node.Node, asJSON bool) error {
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
	now := time.Now()
	tw := m.table("")
	if len(rows) > 0 {
		fmt.Fprintln(tw, "NAME\tLAST SYNC\tLAG\tIN\tOUT\tREFUSED\tQKD\tLAST ERROR")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", r.Name, ago(r.LastSync, now), lagText(r.LagSeconds), r.ObjectsIn, r.ObjectsOut, r.Rejections, qkdText(r), errorText(r.LastError))
		}
	}
	if len(deliveries) > 0 {
		if len(rows) > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintln(tw, "SEALED TO\tSEALED\tFAILED\tLAST FAILURE")
		for _, d := range deliveries {
			who := d.Recipient
			if d.Name != "" {
				who = d.Name + " (" + d.Recipient + ")"
			}
			last := "-"
			if d.LastFailure != "" {
				last = ago(d.LastFailureAt, now) + ": " + d.LastFailure
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", who, d.Sealed, d.Failed, last)
		}
	}
	return tw.Flush()
}

func (m *Main) peerStatus(ctx context.Context, n *node.Node, id string, asJSON bool) error {
	r, err := n.PeerReport(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		return m.printJSON(r)
	}
	now := time.Now()
	tw := m.table("")
	fmt.Fprintf(tw, "peer\t%s (%s)\n", r.Name, r.ID)
	fmt.Fprintf(tw, "url\t%s, API root %q\n", r.URL, r.APIRoot)
	fmt.Fprintf(tw, "last sync\t%s\n", ago(r.LastSync, now))
	fmt.Fprintf(tw, "lag\t%s\n", lagText(r.LagSeconds))
	fmt.Fprintf(tw, "objects in\t%d\n", r.ObjectsIn)
	fmt.Fprintf(tw, "objects out\t%d\n", r.ObjectsOut)
	fmt.Fprintf(tw, "refused\t%d\n", r.Rejections)
	if r.LastError != "" {
		fmt.Fprintf(tw, "last error\t%s: %s\n", ago(r.LastErrorAt, now), r.LastError)
	}
	if r.QKD != nil {
		fmt.Fprintf(tw, "qkd policy\t%s, peer SAE %s\n", r.QKD.Policy, dash(r.QKD.SAE))
	}
	if q := r.QKDLink; q != nil {
		opened := "opened by the peer"
		if q.Initiator {
			opened = "opened by this node"
		}
		at := q.At
		fmt.Fprintf(tw, "qkd\t%s: last connection %s, %s, key_ID %s; %d keys mixed in\n", qkdText(*r), ago(&at, now), opened, dash(q.KeyID), q.Keys)
		if q.Reason != "" {
			fmt.Fprintf(tw, "qkd reason\t%s\n", q.Reason)
		}
	}
	for _, c := range r.Cursors {
		fmt.Fprintf(tw, "collection %s\tpulled up to %s (lag %s)\n", c.Collection, c.AddedAfter.Format(time.RFC3339Nano), lagText(c.LagSeconds))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Recent) > 0 {
		const shown = 10
		fmt.Fprintf(m.Stdout, "\nmost recent refusals (%d of %d kept):\n", min(shown, len(r.Recent)), len(r.Recent))
		for _, x := range r.Recent[:min(shown, len(r.Recent))] {
			fmt.Fprintf(m.Stdout, "  %s  %s  %s %s: %s\n", x.At.Format(time.RFC3339), x.Reason, x.ObjectID, x.Version, x.Message)
		}
	}
	return nil
}

func ago(t *time.Time, now time.Time) string {
	if t == nil {
		return "never"
	}
	return fmt.Sprintf("%s (%s ago)", t.UTC().Format(time.RFC3339), now.Sub(*t).Round(time.Second))
}

func lagText(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

// qkdText says whether the last connection with a peer mixed in a QKD
// key: "qkd", "fallback" (post-quantum only), "refused", or "-" when no
// connection had a QKD step.
func qkdText(r node.PeerReport) string {
	if r.QKDLink == nil {
		return "-"
	}
	return string(r.QKDLink.State)
}

// errorText shortens an error for a table.
func errorText(e string) string {
	const max = 60
	if len(e) > max {
		return e[:max] + "…"
	}
	return dash(e)
}
