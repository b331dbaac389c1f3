package main

import (
	"cmp"
	"context"
	json "encoding/json/v2"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

var incidentUsage = helpText("incident-usage.txt")

// incidentFlags are the flags of the incident commands, one set for all
// of them: the coordination flags, the change to an incident's fields,
// and what the other commands take.
type incidentFlags struct {
	coord                                   coordFlags
	change                                  coord.IncidentChange
	detected, tlp, note, now, at, reference string
	overdue, asJSON, showJoint              bool
	limit                                   int
	clock, reportAt                         time.Time // --now and --at, read
	marking                                 stix.TLP  // --tlp, read
}

func (f *incidentFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.coord.register(fs, getenv)
	c, text := &f.change, func(s string) string { return s }
	for name, p := range map[string]**string{"name": &c.Name, "description": &c.Description, "level": &c.EULevel,
		"status": &c.InvestigationStatus, "determination": &c.Determination, "impact": &c.CrossBorderImpact, "joint": &c.JointIncidentRef} {
		fs.Var(changeOf(p, text), name, "")
	}
	fs.Var(changeOf(&c.MemberState, strings.ToUpper), "member-state", "")
	fs.Var(changeOf(&c.AffectedMemberStates, func(s string) []string { return splitComma(strings.ToUpper(s)) }), "affected", "")
	fs.Var(changeOf(&c.Sectors, splitComma), "sectors", "")
	fs.Var(changeOf(&c.MemberIncidentRefs, splitComma), "members", "")
	fs.Var(changeBool(&c.Significant), "significant", "")
	fs.Var(changeBool(&c.TrustServiceProvider), "trust-service", "")
	for name, p := range map[string]*string{"detected": &f.detected, "tlp": &f.tlp, "note": &f.note, "now": &f.now, "at": &f.at, "reference": &f.reference} {
		fs.StringVar(p, name, "", "")
	}
	fs.IntVar(&f.limit, "limit", attribution.DefaultLimit, "")
	for name, p := range map[string]*bool{"overdue": &f.overdue, "json": &f.asJSON, "joint-view": &f.showJoint} {
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
	if err := m.checkIncidentFlags(sub, &f, fs); err != nil {
		return err
	}
	if sub == "list" {
		// Overdue reports are those overdue at --now, or at the start.
		f.coord.now = func() time.Time { return f.clock }
	}
	env, err := m.openCoordination(ctx, &f.coord)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		inc, err := env.n.CreateIncident(ctx, f.change, f.marking, f.note)
		if err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, inc.ID)
		for _, d := range inc.Deadlines() {
			fmt.Fprintf(m.Stderr, "rampart: %s due %s\n", d.Kind, d.Due.Format(time.RFC3339))
		}
	case "list":
		return m.incidentList(ctx, env, &f)
	case "show":
		return m.incidentShow(ctx, env, pos[0], &f)
	case "update":
		inc, err := env.n.UpdateIncident(ctx, pos[0], f.change, f.note)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s %s\n", inc.ID, inc.Modified.Format("2006-01-02T15:04:05.000Z"))
	case "attribute":
		return m.incidentAttribute(ctx, env, pos[0], &f)
	case "report":
		inc, d, err := env.n.ReportIncident(ctx, pos[0], pos[1], f.reportAt, f.reference)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s %s %s (due %s)\n", inc.ID, d.Kind, d.State(f.reportAt), d.Due.Format(time.RFC3339))
	}
	return nil
}

// checkIncidentFlags reads the times and the marking the flags give and
// refuses flags that do not make a command, before the store is opened:
// a usage error changes nothing.
func (m *Main) checkIncidentFlags(sub string, f *incidentFlags, fs *flag.FlagSet) error {
	f.clock, f.reportAt = time.Now().UTC(), time.Now().UTC()
	if err := readTimeFlag(&f.clock, "now", f.now, f.now != ""); err != nil {
		return m.usagef("%v", err)
	}
	switch sub {
	case "create":
		if f.change.Name == nil || *f.change.Name == "" || f.detected == "" {
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
			if !slices.Contains([]string{"data", "postgres", "key", "registry", "now"}, fl.Name) {
				changed++
			}
		})
		if changed == 0 {
			return m.usagef("incident update needs at least one change (--level, --status, --note, ...)")
		}
	}
	var detected time.Time
	if err := readTimeFlag(&detected, "detected", f.detected, flagGiven(fs, "detected")); err != nil {
		return m.usagef("%v", err)
	} else if !detected.IsZero() {
		f.change.Detected = &detected
	}
	if err := readTimeFlag(&f.reportAt, "at", f.at, f.at != ""); err != nil {
		return m.usagef("%v", err)
	}
	var err error
	if f.marking, err = stix.ParseTLP(cmp.Or(f.tlp, "amber")); err != nil && sub == "create" {
		return m.usagef("--tlp: %v", err)
	}
	return nil
}

// readTimeFlag sets *dst to the time v gives when the flag is given.
func readTimeFlag(dst *time.Time, name, v string, given bool) error {
	if !given {
		return nil
	}
	t, err := parseTimeFlag(name, v)
	if err == nil {
		*dst = t
	}
	return err
}

func (m *Main) incidentList(ctx context.Context, env *coordEnv, f *incidentFlags) error {
	var filter coord.IncidentFilter
	if p := f.change.MemberState; p != nil && *p != "" {
		filter.MemberState = p
	}
	if f.overdue {
		filter.Overdue = &f.overdue
	}
	list, err := env.svc.FindIncidents(ctx, filter)
	if err != nil {
		return err
	}
	if f.asJSON {
		for _, inc := range list {
			if raw, _ := env.n.CoordinationObject(ctx, inc.ID); raw != nil {
				m.printLine(raw)
			}
		}
		return nil
	}
	tw := m.table("ID\tSTATE\tDETECTED\tLEVEL\tSTATUS\tOVERDUE\tNAME")
	for _, inc := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", inc.ID, dash(inc.MemberState), inc.Detected.Format(time.RFC3339),
			dash(inc.EULevel), inc.InvestigationStatus, dash(strings.Join(inc.Overdue(f.clock), ",")), inc.Name)
	}
	return tw.Flush()
}

func (m *Main) incidentShow(ctx context.Context, env *coordEnv, id string, f *incidentFlags) error {
	if f.showJoint {
		j, err := env.svc.FindJointIncident(ctx, id)
		if err != nil {
			return err
		}
		return j.WriteText(m.Stdout, f.clock)
	}
	inc, err := env.svc.FindIncidentByID(ctx, id)
	if err != nil {
		return err
	}
	if f.asJSON {
		raw, _ := env.n.CoordinationObject(ctx, id)
		if raw == nil {
			// Read from another collection: print what was parsed.
			raw, _ = json.Marshal(inc)
		}
		m.printLine(raw)
		return nil
	}
	if err := inc.WriteText(m.Stdout, f.clock); err != nil {
		return err
	}
	a, err := env.n.LatestAttribution(ctx, id)
	if a != nil {
		fmt.Fprintf(m.Stdout, "  latest attribution: %s\n    note %s, %s, %s\n", a.Abstract, a.NoteID, a.Created.Format(time.RFC3339), a.TLP)
	}
	return err
}
