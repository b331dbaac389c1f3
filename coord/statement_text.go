package coord

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

// WriteTerms writes the statement for a person, as "rampart statement
// show" prints it: who drafted it, its status, what it attributes, who is
// invited (named from reg, which may be nil), the digest of its terms and
// its text. It returns the error of w.
func (s *Statement) WriteTerms(w io.Writer, reg *trust.Registry) error {
	var b strings.Builder
	fmt.Fprintf(&b, "statement %s  %s\n", s.ID, s.Name)
	fmt.Fprintf(&b, "  drafted by %s, %s\n", OrganizationName(reg, s.CreatedBy), s.Created.Format(time.RFC3339))
	fmt.Fprintf(&b, "  status %s", s.Status)
	if !s.Published.IsZero() {
		fmt.Fprintf(&b, " %s", s.Published.Format(time.RFC3339))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "  attributes %s to intrusion set %s, confidence %d\n", strings.Join(s.IncidentRefs, ", "), s.IntrusionSetRef, s.Confidence)
	for _, e := range s.EvidenceRefs {
		fmt.Fprintf(&b, "  evidence %s\n", e)
	}
	var inv []string
	for _, id := range s.Invited {
		inv = append(inv, OrganizationName(reg, id))
	}
	fmt.Fprintf(&b, "  needs %d of %d invited: %s\n", s.Threshold, len(s.Invited), strings.Join(inv, ", "))
	fmt.Fprintf(&b, "  terms %s\n", s.TermsDigest())
	for line := range strings.SplitSeq(s.Text, "\n") {
		fmt.Fprintf(&b, "  | %s\n", line)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the count for a person: each endorsement that counts,
// each that does not and why, each invited organisation (named from reg,
// which may be nil) that has not endorsed, and whether the quorum is
// reached. It returns the error of w.
func (q *Quorum) WriteText(w io.Writer, reg *trust.Registry) error {
	var b strings.Builder
	for _, e := range q.Counted {
		fmt.Fprintf(&b, "  counted      %s  %s (%s)  signed %s  %s+%s\n", e.Endorsement, e.Name, e.Country, e.Signed.Format(time.RFC3339), e.Algorithms[0], e.Algorithms[1])
	}
	for _, r := range q.Rejected {
		fmt.Fprintf(&b, "  not counted  %s  by %s: %s\n", r.Endorsement, OrganizationName(reg, r.Organization), r.Reason)
	}
	for _, id := range q.Missing {
		fmt.Fprintf(&b, "  missing      %s\n", OrganizationName(reg, id))
	}
	state := "not reached"
	if q.Reached {
		state = "reached"
	}
	fmt.Fprintf(&b, "  quorum %s: %d of %d required endorsements count\n", state, len(q.Counted), q.Threshold)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the check for a person, as "rampart statement verify"
// prints it: the statement's terms, its drafter's signature when it
// verifies, the count of its endorsements and every problem found. It
// returns the error of w.
func (c *StatementCheck) WriteText(w io.Writer, reg *trust.Registry) error {
	if err := c.Statement.WriteTerms(w, reg); err != nil {
		return err
	}
	var b strings.Builder
	if d := c.Drafter; d != nil {
		fmt.Fprintf(&b, "  drafter's signature ok: %s (%s) %s+%s\n", d.Organization.Name, d.Organization.Country, d.Algorithms[0], d.Algorithms[1])
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if err := c.Quorum.WriteText(w, reg); err != nil {
		return err
	}
	b.Reset()
	for _, p := range c.Problems {
		fmt.Fprintf(&b, "  PROBLEM: %s\n", p)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
