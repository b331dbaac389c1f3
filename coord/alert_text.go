package coord

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText writes the alert for a person, as "rampart alert show" prints
// it: the rule and its subject, the severity with its reasons, where and
// when it was seen, the objects it rests on and, for a watchlist alert,
// what matched. It returns the error of w.
func (a *Alert) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "alert %s  %s\n", a.ID, a.Name)
	fmt.Fprintf(&b, "  rule %s about %s\n", a.Rule, a.SubjectRef)
	fmt.Fprintf(&b, "  severity %s (score %d)\n", a.Severity, a.SeverityScore)
	for _, r := range a.SeverityReasons {
		fmt.Fprintf(&b, "    %s\n", r)
	}
	fmt.Fprintf(&b, "  member states: %s; sectors: %s\n", strings.Join(a.MemberStates, ", "), joinOrDash(a.Sectors))
	if !a.FirstSeen.IsZero() {
		fmt.Fprintf(&b, "  seen %s to %s\n", a.FirstSeen.Format(time.RFC3339), a.LastSeen.Format(time.RFC3339))
	}
	for _, list := range []struct {
		name string
		refs []string
	}{{"sighting", a.SightingRefs}, {"indicator", a.IndicatorRefs}, {"intrusion set", a.IntrusionSetRefs}, {"campaign", a.CampaignRefs}} {
		for _, r := range list.refs {
			fmt.Fprintf(&b, "  %s %s\n", list.name, r)
		}
	}
	for _, mt := range a.Matches {
		fmt.Fprintf(&b, "  watchlist %s: %s %s matches %s\n", a.Watchlist, mt.Kind, mt.Entry, mt.Value)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
