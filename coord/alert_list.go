package coord

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// AlertList is a list of alerts, as "rampart alert list" prints it.
type AlertList []*Alert

// WriteText writes the alerts as a table, one a line: id, rule, severity,
// member states, when last seen ("-" when never) and name. It returns the
// error of w.
func (l AlertList) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRULE\tSEVERITY\tSTATES\tLAST SEEN\tNAME")
	for _, a := range l {
		last := "-"
		if !a.LastSeen.IsZero() {
			last = a.LastSeen.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Rule, a.Severity, strings.Join(a.MemberStates, ","), last, a.Name)
	}
	return tw.Flush()
}

// WriteJSON writes each alert as its STIX object, one a line; an alert
// that cannot be made one (it lacks its timestamps) is left out. It
// returns the error of w.
func (l AlertList) WriteJSON(w io.Writer) error {
	for _, a := range l {
		if o, err := a.Object(); err == nil {
			if _, err := fmt.Fprintf(w, "%s\n", o.Raw); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteJSON writes the alert as its STIX object, one line. It returns the
// error of Object or of w.
func (a *Alert) WriteJSON(w io.Writer) error {
	o, err := a.Object()
	if err == nil {
		_, err = fmt.Fprintf(w, "%s\n", o.Raw)
	}
	return err
}
