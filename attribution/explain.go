package attribution

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteText writes the ranking for a person: the verdict (or why the engine
// abstains), then each candidate with its score, the evidence that raised
// it and by how much, the evidence that counts against it, and the links
// (aliases, revoked sets, campaigns, shared attributions) it borrowed
// evidence through. Weights are natural-log likelihood ratios against the
// background of all intrusion sets: +2.3 makes the evidence ten times
// likelier under the candidate. It returns the first write error.
func (r *Ranking) WriteText(w io.Writer, maxEvidence int) error {
	bw := bufio.NewWriter(w)
	if maxEvidence <= 0 {
		maxEvidence = 8
	}
	if r.QueryID != "" {
		fmt.Fprintf(bw, "Query %s\n", r.QueryID)
	}
	named, implied := 0, 0
	for _, x := range r.Evidence {
		if x.ImpliedBy == nil {
			named++
		} else {
			implied++
		}
	}
	fmt.Fprintf(bw, "Evidence: %d items counted", named)
	if implied > 0 {
		fmt.Fprintf(bw, " (and %d techniques implied by observed software, at reduced weight)", implied)
	}
	fmt.Fprintf(bw, "; %d intrusion sets ranked.\n", r.Sets)
	for _, n := range r.Notes {
		if n.Ref == "" {
			fmt.Fprintf(bw, "  note: %s\n", n.Reason)
		} else {
			fmt.Fprintf(bw, "  note: %s\n", n)
		}
	}
	if r.Abstained {
		fmt.Fprintf(bw, "\nAbstained: %s.\n", r.Reason)
		if len(r.Candidates) > 0 {
			fmt.Fprintf(bw, "The best candidates, for reference only:\n")
		}
	}
	if r.Close && len(r.Candidates) >= 2 {
		a, b := r.Candidates[0].Entry, r.Candidates[1].Entry
		fmt.Fprintf(bw, "\nUndecided: the evidence does not separate %s from %s (%s is only %.1f times as likely).\n", a.Label(), b.Label(), a.Name, math.Exp(r.Margin))
		writeSeparating(bw, r.Separating)
	}
	for i, c := range r.Candidates {
		if r.Abstained && i >= 3 {
			break
		}
		fmt.Fprintf(bw, "\n%2d. %s  score %.2f\n", i+1, c.Entry.Label(), c.Score)
		if len(c.Entry.Aliases) > 0 {
			fmt.Fprintf(bw, "    also known as: %s\n", strings.Join(c.Entry.Aliases, ", "))
		}
		writeContributions(bw, "for", c.For, maxEvidence)
		writeContributions(bw, "against", c.Against, maxEvidence)
		for _, sc := range c.Similar {
			shared := ""
			if sc.Shared {
				shared = "; the campaign is attributed to several sets"
			}
			fmt.Fprintf(bw, "    similar campaign: %s (posterior %.2f, adds %.2f%s)\n", sc.Campaign.Label(), sc.Posterior, sc.Share, shared)
		}
		for _, l := range c.Links {
			fmt.Fprintf(bw, "    link: %s\n", l)
		}
	}
	if len(r.Campaigns) > 0 && !r.Abstained {
		fmt.Fprintf(bw, "\nMost similar known campaigns (posterior, not calibrated):\n")
		for _, c := range r.Campaigns {
			var to []string
			for _, g := range c.AttributedTo {
				to = append(to, g.Label())
			}
			attr := "not attributed"
			if len(to) > 0 {
				attr = "attributed to " + strings.Join(to, ", ")
			}
			fmt.Fprintf(bw, "    %s  %.2f  (%s)\n", c.Entry.Label(), c.Score, attr)
		}
	}
	return bw.Flush()
}

func writeContributions(w io.Writer, what string, cs []Contribution, max int) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintf(w, "    %s:\n", what)
	for i, c := range cs {
		if i == max {
			fmt.Fprintf(w, "      … and %d more\n", len(cs)-max)
			break
		}
		fmt.Fprintf(w, "      %+6.2f  %s: %s (tied to %d sets)\n", c.Weight, c.Evidence.Label(), c, c.Sets)
	}
}

// String renders a link for a person.
func (l Link) String() string {
	var s string
	switch l.Kind {
	case LinkAlias:
		s = fmt.Sprintf("shares the alias %q with %s (weight %.2f; a link, not a merge)", l.Alias, l.Other.Label(), l.Weight)
	case LinkRevoked:
		s = fmt.Sprintf("%s was revoked in its favour (weight %.2f)", l.Other.Label(), l.Weight)
	case LinkCampaign:
		s = fmt.Sprintf("campaign %s is attributed to it (weight %.2f)", l.Other.Label(), l.Weight)
	default:
		s = l.Kind + " " + l.Other.Label()
	}
	if len(l.Shared) > 0 {
		var names []string
		for _, o := range l.Shared {
			names = append(names, o.Label())
		}
		s += "; the attribution is shared with " + strings.Join(names, ", ") + " (disputed or joint)"
	}
	return s
}

// writeSeparating lists the evidence that would separate two hypotheses.
func writeSeparating(w io.Writer, xs []Expected) {
	if len(xs) == 0 {
		return
	}
	fmt.Fprintf(w, "Evidence that would separate them, if observed:\n")
	for _, x := range xs {
		fmt.Fprintf(w, "  %+6.2f  %s: for %s\n", x.Gain, x.Entry.Label(), x.For.Label())
	}
}
