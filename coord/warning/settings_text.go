package warning

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the rules in force, one a line with its parameters in
// words, and how many watchlists and webhooks there are, as "rampart alert
// rules" prints them. It returns the error of w.
func (s *Settings) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, d := range s.Rules.Describe() {
		fmt.Fprintf(&b, "%-19s %s\n", d.Name, d.Description)
	}
	fmt.Fprintf(&b, "%-19s %d\n%-19s %d\n", "watchlists", len(s.Watchlists), "webhooks", len(s.Webhooks))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteWatchlists writes the watchlists as a table, one a line with the
// number of entries of each kind, as "rampart alert watchlist list"
// prints them. It returns the error of w.
func (s *Settings) WriteWatchlists(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tNETWORKS\tASNS\tDOMAINS\tBRANDS")
	for _, wl := range s.Watchlists {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", wl.Name, wl.MemberState, len(wl.Networks), len(wl.ASNs), len(wl.Domains), len(wl.Brands))
	}
	return tw.Flush()
}

// WriteWebhooks writes the URL of each webhook, one a line, never its
// secret, as "rampart alert webhook list" prints them. It returns the
// error of w.
func (s *Settings) WriteWebhooks(w io.Writer) error {
	var b strings.Builder
	for _, h := range s.Webhooks {
		fmt.Fprintln(&b, h.URL)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
