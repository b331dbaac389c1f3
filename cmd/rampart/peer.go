package main

import (
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/rampart-cti/rampart/node"

	"github.com/rampart-cti/rampart"
)

const peerUsage = `Usage: rampart peer <add|list|remove|status> [flags] [arguments]

Manages the nodes this node federates with. A peer is a member organisation
of the trust registry and the address of its node link; "rampart serve"
with --peer-listen pulls from every peer and serves each what it may
receive. A running node picks up changes within seconds.

    peer add --org IDENTITY [--registry FILE] [--url URL] [--name NAME] [--api-root NAME]
        Adds a peer. With --registry the organisation must be a member, and
        its name and first node URL come from the registry unless given.
    peer list [--json]
        Lists the peers.
    peer remove IDENTITY
        Removes a peer with its cursors and status; it loses access at once.
    peer status [--json] [IDENTITY]
        Shows, per peer, the last completed sync, the lag, the objects
        received and served, and the objects refused; then, per
        organisation this node seals its objects to (TLP:AMBER to every
        member state, addressed objects to their recipients), how many
        deliveries were sealed and how many failed, with the last reason.
        With IDENTITY it adds the cursors and the most recent refusals with
        their reasons.

Every subcommand takes the store flags --data and --postgres.

Examples:
    rampart peer add --org identity--44444444-4444-4444-8444-444444444444 --registry registry.json
    rampart peer add --org identity--1c7a0e2b-5e3f-4b59-9a43-8a2cf0f1d3b1 --url https://cti.cert.fr:8443 --name CERT-FR
    rampart peer status
    rampart peer status identity--44444444-4444-4444-8444-444444444444
`

func (m *Main) runPeer(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, peerUsage)
	if err != nil {
		return err
	}
	fs := newFlagSet("peer "+sub, peerUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	org := fs.String("org", "", "the peer's STIX identity `id`")
	registry := fs.String("registry", "", "trust registry `file` to check the peer against")
	rawURL := fs.String("url", "", "https `URL` of the peer's node link")
	name := fs.String("name", "", "the peer's `name`")
	apiRoot := fs.String("api-root", node.DefaultAPIRoot, "the peer's API root `name` to pull from")
	asJSON := fs.Bool("json", false, "print JSON")
	var lo, hi int
	var want string
	switch sub {
	case "add", "list":
		want = "no arguments"
	case "remove":
		lo, hi, want = 1, 1, "one IDENTITY"
	case "status":
		lo, hi, want = 0, 1, "at most one IDENTITY"
	default:
		return m.unknownSubcommand("peer", sub, "add, list, remove or status")
	}
	pos, err := m.parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < lo || len(pos) > hi {
		return m.wrongArgs("peer "+sub, want, pos)
	}
	var p *rampart.Peer
	if sub == "add" {
		if p, err = m.peerToAdd(*org, *registry, *rawURL, *name, *apiRoot); err != nil {
			return err
		}
	}
	n, err := m.openNode(ctx, &sf)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		if err := n.Peers.CreatePeer(ctx, p); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "added peer %s (%s) at %s, API root %q\n", p.Name, p.ID, p.URL, p.APIRoot)
	case "list":
		return m.listPeers(ctx, n, *asJSON)
	case "remove":
		if err := n.Peers.DeletePeer(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "removed peer %s\n", pos[0])
	case "status":
		if len(pos) == 1 {
			return m.peerStatus(ctx, n, pos[0], *asJSON)
		}
		return m.peerStatuses(ctx, n, *asJSON)
	}
	return nil
}

// peerToAdd builds the peer "peer add" stores, checking it against the
// registry when one is given.
func (m *Main) peerToAdd(org, registry, rawURL, name, apiRoot string) (*rampart.Peer, error) {
	if org == "" {
		m.errorf("peer add needs --org IDENTITY, the peer organisation's STIX identity id")
		return nil, errUsage
	}
	p := &rampart.Peer{ID: org, Name: name, URL: rawURL, APIRoot: apiRoot}
	if registry != "" {
		reg, err := readRegistryFile(registry)
		if err != nil {
			return nil, err
		}
		o := reg.Organization(org)
		if o == nil {
			return nil, fmt.Errorf("%q is not a member in registry version %d (%s); only members can be peers", org, reg.Version(), registry)
		}
		if p.Name == "" {
			p.Name = o.Name
		}
		if p.URL == "" && len(o.Nodes) > 0 {
			// The node link is the node's scheme and host; a path in the
			// registry's URL is for people.
			if u, err := url.Parse(o.Nodes[0]); err == nil {
				p.URL = u.Scheme + "://" + u.Host
			}
		}
	}
	if p.URL == "" {
		m.errorf("peer add needs --url URL: the registry lists no node for %q", org)
		if registry == "" {
			m.hintf("give --registry FILE to take the name and the node URL from the trust registry")
		}
		return nil, errUsage
	}
	if p.Name == "" {
		p.Name = org
	}
	if err := p.Validate(); err != nil {
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
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tORGANIZATION\tURL\tAPI ROOT")
	for _, p := range peers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.ID, p.URL, p.APIRoot)
	}
	return tw.Flush()
}

func (m *Main) printJSON(v any) error {
	b, err := json.Marshal(v, json.Deterministic(true), jsontext.WithIndent("  "))
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s\n", b)
	return nil
}

// peerStatusJSON is a peer's status as "peer status --json" prints it.
type peerStatusJSON struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	URL         string          `json:"url"`
	LastSync    *time.Time      `json:"last_sync,omitempty"`
	LagSeconds  float64         `json:"lag_seconds"`
	ObjectsIn   int64           `json:"objects_in"`
	ObjectsOut  int64           `json:"objects_out"`
	Rejections  int64           `json:"rejections"`
	LastError   string          `json:"last_error,omitempty"`
	LastErrorAt *time.Time      `json:"last_error_at,omitempty"`
	Cursors     []cursorJSON    `json:"cursors,omitempty"`
	Recent      []rejectionJSON `json:"recent_rejections,omitempty"`
}

type cursorJSON struct {
	Collection string    `json:"collection"`
	AddedAfter time.Time `json:"added_after"`
	LagSeconds float64   `json:"lag_seconds"`
	UpdatedAt  time.Time `json:"updated_at"`
}

type rejectionJSON struct {
	At       time.Time `json:"at"`
	ObjectID string    `json:"object_id"`
	Version  string    `json:"version,omitempty"`
	Reason   string    `json:"reason"`
	Message  string    `json:"message"`
}

func statusJSON(p *rampart.Peer, st *rampart.PeerStatus, detail bool) peerStatusJSON {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	out := peerStatusJSON{
		ID: p.ID, Name: p.Name, URL: p.URL, LastSync: opt(st.LastSync), LagSeconds: st.Lag().Seconds(),
		ObjectsIn: st.ObjectsIn, ObjectsOut: st.ObjectsOut, Rejections: st.Rejections,
		LastError: st.LastError, LastErrorAt: opt(st.LastErrorAt),
	}
	if detail {
		for _, c := range st.Cursors {
			out.Cursors = append(out.Cursors, cursorJSON{c.CollectionID, c.AddedAfter, c.Lag.Seconds(), c.UpdatedAt})
		}
		for _, r := range st.RecentRejections {
			out.Recent = append(out.Recent, rejectionJSON{r.At, r.ObjectID, r.Version, r.Reason, r.Message})
		}
	}
	return out
}

// deliveryJSON is the state of the deliveries to one recipient, as "peer
// status --json" prints it.
type deliveryJSON struct {
	Recipient     string     `json:"recipient"`
	Name          string     `json:"name,omitempty"`
	Sealed        int64      `json:"sealed"`
	Failed        int64      `json:"failed"`
	LastFailure   string     `json:"last_failure,omitempty"`
	LastFailureAt *time.Time `json:"last_failure_at,omitempty"`
}

func (m *Main) peerStatuses(ctx context.Context, n *node.Node, asJSON bool) error {
	peers, err := n.Peers.FindPeers(ctx)
	if err != nil {
		return err
	}
	rows := []peerStatusJSON{}
	for _, p := range peers {
		st, err := n.Peers.FindPeerStatus(ctx, p.ID)
		if err != nil {
			return err
		}
		rows = append(rows, statusJSON(p, st, false))
	}
	sums, err := n.Deliveries.FindDeliverySummaries(ctx)
	if err != nil {
		return err
	}
	deliveries := []deliveryJSON{}
	for _, d := range sums {
		j := deliveryJSON{Recipient: d.Recipient, Sealed: d.Sealed, Failed: d.Failed, LastFailure: d.LastFailure}
		if n.Verifier != nil {
			if o := n.Verifier.Registry().Organization(d.Recipient); o != nil {
				j.Name = o.Name
			}
		}
		if !d.LastFailureAt.IsZero() {
			j.LastFailureAt = &d.LastFailureAt
		}
		deliveries = append(deliveries, j)
	}
	if asJSON {
		return m.printJSON(map[string]any{"peers": rows, "deliveries": deliveries})
	}
	if len(rows) == 0 {
		m.hintf(`this node has no peers; add one with "rampart peer add"`)
	}
	now := time.Now()
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	if len(rows) > 0 {
		fmt.Fprintln(tw, "NAME\tLAST SYNC\tLAG\tIN\tOUT\tREFUSED\tLAST ERROR")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", r.Name, ago(r.LastSync, now), lagText(r.LagSeconds), r.ObjectsIn, r.ObjectsOut, r.Rejections, errorText(r))
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
	p, err := n.Peers.FindPeerByID(ctx, id)
	if err != nil {
		return err
	}
	st, err := n.Peers.FindPeerStatus(ctx, id)
	if err != nil {
		return err
	}
	r := statusJSON(p, st, true)
	if asJSON {
		return m.printJSON(r)
	}
	now := time.Now()
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "peer\t%s (%s)\n", r.Name, r.ID)
	fmt.Fprintf(tw, "url\t%s, API root %q\n", r.URL, p.APIRoot)
	fmt.Fprintf(tw, "last sync\t%s\n", ago(r.LastSync, now))
	fmt.Fprintf(tw, "lag\t%s\n", lagText(r.LagSeconds))
	fmt.Fprintf(tw, "objects in\t%d\n", r.ObjectsIn)
	fmt.Fprintf(tw, "objects out\t%d\n", r.ObjectsOut)
	fmt.Fprintf(tw, "refused\t%d\n", r.Rejections)
	if r.LastError != "" {
		fmt.Fprintf(tw, "last error\t%s: %s\n", ago(r.LastErrorAt, now), r.LastError)
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

func errorText(r peerStatusJSON) string {
	if r.LastError == "" {
		return "-"
	}
	const max = 60
	if len(r.LastError) > max {
		return r.LastError[:max] + "…"
	}
	return r.LastError
}
