package attribution

import (
	"fmt"
	"io"
	"strings"
)

// WriteInputs writes, for a person, each input of an incident's
// attribution with the paths from the incident that led to it, the
// sightings, and what was tied to the incident but not used and why, as
// "rampart incident attribute" prints them. It returns the error of w.
func (ev *IncidentEvidence) WriteInputs(w io.Writer) error {
	var b strings.Builder
	b.WriteString("inputs:\n")
	if len(ev.Techniques)+len(ev.Software)+len(ev.Indicators) == 0 {
		b.WriteString("  none: no technique, software or indicator is tied to the incident\n")
	}
	for _, group := range []struct {
		what string
		ins  []Input
	}{{"technique", ev.Techniques}, {"software", ev.Software}, {"indicator", ev.Indicators}} {
		for _, in := range group.ins {
			fmt.Fprintf(&b, "  %-9s %s\n", group.what, strings.TrimSpace(in.Ref+" "+in.Name))
			for _, p := range in.From {
				fmt.Fprintf(&b, "            from %s\n", strings.Join(p, " > "))
			}
		}
	}
	if len(ev.Sightings) > 0 {
		fmt.Fprintf(&b, "  sightings: %s\n", strings.Join(ev.Sightings, ", "))
	}
	for _, u := range ev.Unused {
		fmt.Fprintf(&b, "  not used: %s: %s\n", u.ID, u.Reason)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
