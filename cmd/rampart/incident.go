package main

import (
	"context"
	json "encoding/json/v2"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

var incidentUsage = helpText("incident-usage.txt")

// incidentFlags are the flags of the incident commands, one set for all
// of them: the coordination flags and the fields a command may set.
type incidentFlags struct {
	coord                                                                               coordFlags
	name, description, detected, state, affected, sectors, level, status, determination string
	impact, joint, members, tlp, note, now, at, reference                               string
	significant, trustService, overdue, asJSON, showJoint                               bool
	limit                                                                               int
}

func (f *incidentFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.coord.register(fs, getenv)
	for name, p := range map[string]*string{
		"name": &f.name, "description": &f.description, "detected": &f.detected, "member-state": &f.state,
		"affected": &f.affected, "sectors": &f.sectors, "level": &f.level, "status": &f.status,
		"determination": &f.determination, "impact": &f.impact, "joint": &f.joint, "members": &f.members,
		"tlp": &f.tlp, "note": &f.note, "now": &f.now, "at": &f.at, "reference": &f.reference,
	} {
		fs.StringVar(p, name, "", "")
	}
	fs.IntVar(&f.limit, "limit", attribution.DefaultLimit, "")
	for name, p := range map[string]*bool{"significant": &f.significant, "trust-service": &f.trustService, "overdue": &f.overdue, "json": &f.asJSON, "joint-view": &f.showJoint} {
		fs.BoolVar(p, name, false, "")
	}
}

// incidentCommands are the incident commands and the arguments each takes.
var incidentCommands = subcommands{cmd: "incident", usage: incidentUsage, names: "create, list, show, update, report or attribute", args: map[string]arity{
	"create": exactly(0, "no arguments"), "list": exactly(0, "no arguments"), "show": exactly(1, "one incident ID"),
	"update": exactly(1, "one incident ID"), "report": exactly(2, "an incident ID and a report kind"),
	"attribute": exactly(1, "one incident ID"),
}}

func (m *Main) runIncident(ctx context.Context, args []string) error {
	var f incidentFlags
	sub, pos, fs, err := m.parseSubcommand(incidentCommands, args, &f)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if f.now != "" {
		if now, err = parseTimeFlag("now", f.now); err != nil {
			return m.usagef("%v", err)
		}
	}
	if err := m.checkIncidentFlags(sub, &f, fs); err != nil {
		return err
	}
	if sub == "list" {
		// Overdue reports are those overdue at --now, or at the start.
		f.coord.now = func() time.Time { return now }
	}
	env, err := m.openCoordination(ctx, &f.coord)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		return m.incidentCreate(ctx, env, &f, fs)
	case "list":
		return m.incidentList(ctx, env, &f, now)
	case "show":
		return m.incidentShow(ctx, env, pos[0], &f, now)
	case "update":
		return m.incidentUpdate(ctx, env, pos[0], &f, fs)
	case "attribute":
		return m.incidentAttribute(ctx, env, pos[0], &f)
	}
	return m.incidentReport(ctx, env, pos[0], pos[1], &f)
}

// checkIncidentFlags refuses flags that do not make a command, before the
// store is opened: a usage error changes nothing.
func (m *Main) checkIncidentFlags(sub string, f *incidentFlags, fs *flag.FlagSet) error {
	switch sub {
	case "create":
		if f.name == "" || f.detected == "" {
			m.errorf("incident create needs --name TEXT and --detected TIME")
			m.hintf(`rampart incident create --name "Wiper at grid operators" --detected 2026-03-10T09:30:00Z`)
			return errUsage
		}
	case "attribute":
		if f.limit < 1 || f.limit > 100 {
			return m.usagef("--limit must be from 1 to 100 (got %d)", f.limit)
		}
	case "update":
		if flagGiven(fs, "tlp") {
			return m.usagef("--tlp is set when an incident is created; a marking cannot be lowered later")
		}
		changed := 0
		fs.Visit(func(fl *flag.Flag) {
			switch fl.Name {
			case "data", "postgres", "key", "registry", "now":
			default:
				changed++
			}
		})
		if changed == 0 {
			return m.usagef("incident update needs at least one change (--level, --status, --note, ...)")
		}
	}
	return nil
}

// applyIncidentFlags sets the fields whose flags were given.
func applyIncidentFlags(inc *coord.Incident, f *incidentFlags, fs *flag.FlagSet) error {
	set := func(name string, dst *string, v string) {
		if flagGiven(fs, name) {
			*dst = v
		}
	}
	set("name", &inc.Name, f.name)
	set("description", &inc.Description, f.description)
	set("member-state", &inc.MemberState, strings.ToUpper(f.state))
	set("level", &inc.EULevel, f.level)
	set("status", &inc.InvestigationStatus, f.status)
	set("determination", &inc.Determination, f.determination)
	set("impact", &inc.CrossBorderImpact, f.impact)
	set("joint", &inc.JointIncidentRef, f.joint)
	if flagGiven(fs, "affected") {
		inc.AffectedMemberStates = splitComma(strings.ToUpper(f.affected))
	}
	if flagGiven(fs, "sectors") {
		inc.Sectors = splitComma(f.sectors)
	}
	if flagGiven(fs, "members") {
		inc.MemberIncidentRefs = splitComma(f.members)
	}
	if flagGiven(fs, "significant") {
		inc.Significant = f.significant
	}
	if flagGiven(fs, "trust-service") {
		inc.TrustServiceProvider = f.trustService
	}
	if flagGiven(fs, "detected") {
		t, err := parseTimeFlag("detected", f.detected)
		if err != nil {
			return err
		}
		inc.Detected = t
	}
	return nil
}

func (m *Main) incidentCreate(ctx context.Context, env *coordEnv, f *incidentFlags, fs *flag.FlagSet) error {
	inc := &coord.Incident{}
	if err := applyIncidentFlags(inc, f, fs); err != nil {
		return m.usagef("%v", err)
	}
	tlp := "amber"
	if f.tlp != "" {
		tlp = f.tlp
	}
	t, err := stix.ParseTLP(tlp)
	if err != nil {
		return m.usagef("--tlp: %v", err)
	}
	inc.Markings = []string{t.MarkingID()}
	if f.note != "" {
		inc.Timeline = []coord.TimelineEntry{{Time: time.Now().UTC(), Activity: f.note}}
	}
	if err := env.svc.CreateIncident(ctx, inc); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, inc.ID)
	for _, d := range inc.Deadlines() {
		fmt.Fprintf(m.Stderr, "rampart: %s due %s\n", d.Kind, d.Due.Format(time.RFC3339))
	}
	return nil
}

func (m *Main) incidentList(ctx context.Context, env *coordEnv, f *incidentFlags, now time.Time) error {
	var filter coord.IncidentFilter
	if f.overdue {
		filter.Overdue = &f.overdue
	}
	if f.state != "" {
		st := strings.ToUpper(f.state)
		filter.MemberState = &st
	}
	list, err := env.svc.FindIncidents(ctx, filter)
	if err != nil {
		return err
	}
	if f.asJSON {
		for _, inc := range list {
			m.printStored(ctx, env, inc.ID)
		}
		return nil
	}
	tw := m.table("ID\tSTATE\tDETECTED\tLEVEL\tSTATUS\tOVERDUE\tNAME")
	for _, inc := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", inc.ID, dash(inc.MemberState), inc.Detected.Format(time.RFC3339),
			dash(inc.EULevel), inc.InvestigationStatus, dash(strings.Join(inc.Overdue(now), ",")), inc.Name)
	}
	return tw.Flush()
}

func (m *Main) incidentShow(ctx context.Context, env *coordEnv, id string, f *incidentFlags, now time.Time) error {
	if f.showJoint {
		j, err := env.svc.FindJointIncident(ctx, id)
		if err != nil {
			return err
		}
		printJointIncident(m.Stdout, j, now)
		return nil
	}
	inc, err := env.svc.FindIncidentByID(ctx, id)
	if err != nil {
		return err
	}
	if f.asJSON {
		if !m.printStored(ctx, env, id) {
			// Read from another collection: print what was parsed.
			b, _ := json.Marshal(inc)
			m.printLine(b)
		}
		return nil
	}
	printIncident(m.Stdout, inc, now)
	if o, rec, err := env.n.IncidentAttribution(ctx, id); err == nil {
		var n struct {
			Abstract string `json:"abstract"`
		}
		o.Decode(&n)
		fmt.Fprintf(m.Stdout, "  latest attribution: %s\n    note %s, %s, %s\n", n.Abstract, o.ID, o.Created.Time().Format(time.RFC3339), rec.TLP)
	} else if rampart.ErrorCode(err) != rampart.ENOTFOUND {
		return err
	}
	return nil
}

// printStored prints the latest version of an object of the coordination
// collection as one JSON line, and reports whether it is there.
func (m *Main) printStored(ctx context.Context, env *coordEnv, id string) bool {
	page, err := env.n.Objects.FindObjects(ctx, rampart.ObjectFilter{CollectionID: env.svc.CollectionID, IDs: []string{id}})
	if err != nil || len(page.Versions) == 0 {
		return false
	}
	m.printLine(page.Versions[0].Object.Raw)
	return true
}

func printJointIncident(w io.Writer, j *coord.JointIncident, now time.Time) {
	fmt.Fprintf(w, "joint incident %s  %s\n", j.Joint.ID, j.Joint.Name)
	fmt.Fprintf(w, "  member states: %s; sectors: %s; EU alert level: %s\n", strings.Join(j.MemberStates, ", "), dash(strings.Join(j.Sectors, ", ")), j.EULevel)
	for _, inc := range j.Members {
		fmt.Fprintf(w, "  member incident %s (%s)  %s  overdue: %s\n", inc.ID, dash(inc.MemberState), inc.Name, dash(strings.Join(inc.Overdue(now), ",")))
	}
	for _, ref := range j.Missing {
		fmt.Fprintf(w, "  member incident %s: not on this node yet\n", ref)
	}
	fmt.Fprintln(w, "  timeline:")
	for _, e := range j.Timeline {
		printTimelineEntry(w, e)
	}
}

func printIncident(w io.Writer, inc *coord.Incident, now time.Time) {
	fmt.Fprintf(w, "incident %s  %s\n", inc.ID, inc.Name)
	if inc.Description != "" {
		fmt.Fprintf(w, "  %s\n", inc.Description)
	}
	fmt.Fprintf(w, "  reported by %s (%s), detected %s\n", dash(inc.MemberState), dash(inc.CreatedBy), inc.Detected.Format(time.RFC3339))
	fmt.Fprintf(w, "  status %s, determination %s, EU alert level %s", inc.InvestigationStatus, inc.Determination, dash(inc.EULevel))
	if inc.Significant {
		fmt.Fprint(w, ", significant")
	}
	fmt.Fprintln(w)
	if len(inc.AffectedMemberStates) > 0 || len(inc.Sectors) > 0 {
		fmt.Fprintf(w, "  affected member states: %s; sectors: %s; cross-border: %v\n", dash(strings.Join(inc.AffectedMemberStates, ", ")), dash(strings.Join(inc.Sectors, ", ")), inc.CrossBorder)
	}
	if inc.CrossBorderImpact != "" {
		fmt.Fprintf(w, "  cross-border impact: %s\n", inc.CrossBorderImpact)
	}
	if inc.JointIncidentRef != "" {
		fmt.Fprintf(w, "  part of joint incident %s\n", inc.JointIncidentRef)
	}
	for _, ref := range inc.MemberIncidentRefs {
		fmt.Fprintf(w, "  member incident %s\n", ref)
	}
	fmt.Fprintf(w, "  NIS2 deadlines at %s:\n", now.Format(time.RFC3339))
	for _, d := range inc.Deadlines() {
		state := d.State(now)
		if !d.Submitted.IsZero() {
			state += " " + d.Submitted.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "    %-13s due %s  %s\n", d.Kind, d.Due.Format(time.RFC3339), strings.ToUpper(state))
	}
	if len(inc.Timeline) > 0 {
		fmt.Fprintln(w, "  timeline:")
		for _, e := range inc.Timeline {
			printTimelineEntry(w, e)
		}
	}
}

func printTimelineEntry(w io.Writer, e coord.TimelineEntry) {
	fmt.Fprintf(w, "    %s  %s  %s", e.Time.Format(time.RFC3339), dash(e.Actor), e.Activity)
	if e.Description != "" {
		fmt.Fprintf(w, " (%s)", e.Description)
	}
	fmt.Fprintln(w)
}

func (m *Main) incidentUpdate(ctx context.Context, env *coordEnv, id string, f *incidentFlags, fs *flag.FlagSet) error {
	inc, err := env.svc.UpdateIncident(ctx, id, func(inc *coord.Incident) error {
		if err := applyIncidentFlags(inc, f, fs); err != nil {
			return err
		}
		if f.note != "" {
			inc.Timeline = append(inc.Timeline, coord.TimelineEntry{Time: time.Now().UTC(), Actor: inc.MemberState, Activity: f.note})
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s %s\n", inc.ID, inc.Modified.Format("2006-01-02T15:04:05.000Z"))
	return nil
}

func (m *Main) incidentReport(ctx context.Context, env *coordEnv, id, kind string, f *incidentFlags) error {
	at := time.Now().UTC()
	if f.at != "" {
		var err error
		if at, err = parseTimeFlag("at", f.at); err != nil {
			return m.usagef("%v", err)
		}
	}
	inc, err := env.svc.UpdateIncident(ctx, id, func(inc *coord.Incident) error {
		return inc.Report(kind, at, inc.MemberState, f.reference)
	})
	if err != nil {
		return err
	}
	for _, d := range inc.Deadlines() {
		if d.Kind == kind {
			fmt.Fprintf(m.Stdout, "%s %s %s (due %s)\n", inc.ID, kind, d.State(at), d.Due.Format(time.RFC3339))
		}
	}
	return nil
}
