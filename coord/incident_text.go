package coord

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText writes the incident for a person, as "rampart incident show"
// prints it: who reported it and when, its state, what it affects, its
// NIS2 deadlines as they stand at now, and its timeline. It returns the
// error of w.
func (inc *Incident) WriteText(w io.Writer, now time.Time) error {
	var b strings.Builder
	fmt.Fprintf(&b, "incident %s  %s\n", inc.ID, inc.Name)
	if inc.Description != "" {
		fmt.Fprintf(&b, "  %s\n", inc.Description)
	}
	fmt.Fprintf(&b, "  reported by %s (%s), detected %s\n", orDash(inc.MemberState), orDash(inc.CreatedBy), inc.Detected.Format(time.RFC3339))
	fmt.Fprintf(&b, "  status %s, determination %s, EU alert level %s", inc.InvestigationStatus, inc.Determination, orDash(inc.EULevel))
	if inc.Significant {
		b.WriteString(", significant")
	}
	b.WriteString("\n")
	if len(inc.AffectedMemberStates) > 0 || len(inc.Sectors) > 0 {
		fmt.Fprintf(&b, "  affected member states: %s; sectors: %s; cross-border: %v\n", joinOrDash(inc.AffectedMemberStates), joinOrDash(inc.Sectors), inc.CrossBorder)
	}
	if inc.CrossBorderImpact != "" {
		fmt.Fprintf(&b, "  cross-border impact: %s\n", inc.CrossBorderImpact)
	}
	if inc.JointIncidentRef != "" {
		fmt.Fprintf(&b, "  part of joint incident %s\n", inc.JointIncidentRef)
	}
	for _, ref := range inc.MemberIncidentRefs {
		fmt.Fprintf(&b, "  member incident %s\n", ref)
	}
	fmt.Fprintf(&b, "  NIS2 deadlines at %s:\n", now.Format(time.RFC3339))
	for _, d := range inc.Deadlines() {
		state := d.State(now)
		if !d.Submitted.IsZero() {
			state += " " + d.Submitted.Format(time.RFC3339)
		}
		fmt.Fprintf(&b, "    %-13s due %s  %s\n", d.Kind, d.Due.Format(time.RFC3339), strings.ToUpper(state))
	}
	if len(inc.Timeline) > 0 {
		b.WriteString("  timeline:\n")
		writeTimeline(&b, inc.Timeline)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the joint view for a person, as "rampart incident show
// --joint-view" prints it: the member states and sectors hit, each member
// incident with the reports it has overdue at now, those the node does not
// hold yet, and the merged timeline. It returns the error of w.
func (j *JointIncident) WriteText(w io.Writer, now time.Time) error {
	var b strings.Builder
	fmt.Fprintf(&b, "joint incident %s  %s\n", j.Joint.ID, j.Joint.Name)
	fmt.Fprintf(&b, "  member states: %s; sectors: %s; EU alert level: %s\n", strings.Join(j.MemberStates, ", "), joinOrDash(j.Sectors), j.EULevel)
	for _, inc := range j.Members {
		fmt.Fprintf(&b, "  member incident %s (%s)  %s  overdue: %s\n", inc.ID, orDash(inc.MemberState), inc.Name, orDash(strings.Join(inc.Overdue(now), ",")))
	}
	for _, ref := range j.Missing {
		fmt.Fprintf(&b, "  member incident %s: not on this node yet\n", ref)
	}
	b.WriteString("  timeline:\n")
	writeTimeline(&b, j.Timeline)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeTimeline writes one line per entry: time, actor, activity and,
// in parentheses, its description.
func writeTimeline(b *strings.Builder, entries []TimelineEntry) {
	for _, e := range entries {
		fmt.Fprintf(b, "    %s  %s  %s", e.Time.Format(time.RFC3339), orDash(e.Actor), e.Activity)
		if e.Description != "" {
			fmt.Fprintf(b, " (%s)", e.Description)
		}
		b.WriteString("\n")
	}
}

// orDash returns s, or "-" for an empty value in a text rendering.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// joinOrDash joins a list with commas, "-" when it is empty.
func joinOrDash(l []string) string { return orDash(strings.Join(l, ", ")) }
