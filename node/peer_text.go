package node

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/rampart-cti/rampart"
)

// WritePeerTable writes the state of every peer and of the sealed
// deliveries (PeerReports, DeliveryReports) as tables for people, with
// times as long ago before now; nothing for an empty list.
func WritePeerTable(w io.Writer, rows []PeerReport, deliveries []DeliveryReport, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(rows) > 0 {
		fmt.Fprintln(tw, "NAME\tLAST SYNC\tLAG\tIN\tOUT\tREFUSED\tQKD\tLAST ERROR")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", r.Name, agoText(r.LastSync, now), lagText(r.LagSeconds), r.ObjectsIn, r.ObjectsOut, r.Rejections, r.qkdText(), shortText(r.LastError))
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
				last = agoText(d.LastFailureAt, now) + ": " + d.LastFailure
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", who, d.Sealed, d.Failed, last)
		}
	}
	return tw.Flush()
}

// WriteText writes the state of one peer for people: a table of its
// link, counts, QKD and cursors, then its most recent refusals (at most
// ten), with times as long ago before now.
func (r *PeerReport) WriteText(w io.Writer, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "peer\t%s (%s)\n", r.Name, r.ID)
	fmt.Fprintf(tw, "url\t%s, API root %q\n", r.URL, r.APIRoot)
	fmt.Fprintf(tw, "last sync\t%s\n", agoText(r.LastSync, now))
	fmt.Fprintf(tw, "lag\t%s\n", lagText(r.LagSeconds))
	fmt.Fprintf(tw, "objects in\t%d\nobjects out\t%d\nrefused\t%d\n", r.ObjectsIn, r.ObjectsOut, r.Rejections)
	if r.LastError != "" {
		fmt.Fprintf(tw, "last error\t%s: %s\n", agoText(r.LastErrorAt, now), r.LastError)
	}
	if r.QKD != nil {
		fmt.Fprintf(tw, "qkd policy\t%s, peer SAE %s\n", r.QKD.Policy, dashText(r.QKD.SAE))
	}
	if q := r.QKDLink; q != nil {
		opened := "opened by the peer"
		if q.Initiator {
			opened = "opened by this node"
		}
		fmt.Fprintf(tw, "qkd\t%s: last connection %s, %s, key_ID %s; %d keys mixed in\n", r.qkdText(), agoText(&q.At, now), opened, dashText(q.KeyID), q.Keys)
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
		fmt.Fprintf(w, "\nmost recent refusals (%d of %d kept):\n", min(shown, len(r.Recent)), len(r.Recent))
		for _, x := range r.Recent[:min(shown, len(r.Recent))] {
			fmt.Fprintf(w, "  %s  %s  %s %s: %s\n", x.At.Format(time.RFC3339), x.Reason, x.ObjectID, x.Version, x.Message)
		}
	}
	return nil
}

// agoText is a time and how long ago it was, "never" for nil.
func agoText(t *time.Time, now time.Time) string {
	if t == nil {
		return "never"
	}
	return fmt.Sprintf("%s (%s ago)", t.UTC().Format(time.RFC3339), now.Sub(*t).Round(time.Second))
}

// lagText is a lag in seconds as a duration to the millisecond.
func lagText(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

// qkdText says whether the last connection with the peer mixed in a QKD
// key: "qkd", "fallback" (post-quantum only), "refused", or "-" when no
// connection had a QKD step.
func (r *PeerReport) qkdText() string {
	if r.QKDLink == nil {
		return "-"
	}
	return string(r.QKDLink.State)
}

// shortText shortens an error for a table: at most 60 bytes, "-" when
// empty.
func shortText(e string) string {
	const max = 60
	if len(e) > max {
		return e[:max] + "…"
	}
	return dashText(e)
}

// dashText returns s, or "-" for an empty value in a table.
func dashText(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// PeerListing is a peer as "rampart peer list --json" prints it.
type PeerListing struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	APIRoot   string    `json:"api_root"`
	CreatedAt time.Time `json:"created_at"`
}

// PeerListings returns the peers as listings; an empty list, never nil,
// when there are none.
func PeerListings(peers []*rampart.Peer) []PeerListing {
	out := make([]PeerListing, len(peers))
	for i, p := range peers {
		out[i] = PeerListing{p.ID, p.Name, p.URL, p.APIRoot, p.CreatedAt}
	}
	return out
}

// WritePeerList writes the peers as a table for people: name,
// organisation, URL and API root.
func WritePeerList(w io.Writer, peers []*rampart.Peer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tORGANIZATION\tURL\tAPI ROOT")
	for _, p := range peers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.ID, p.URL, p.APIRoot)
	}
	return tw.Flush()
}
