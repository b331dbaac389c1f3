package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var incidentUsage = helpText("incident-usage.txt")

// incidentFlags are the flags of the incident commands, one set for all
// of them: the coordination flags and node.IncidentOptions.
type incidentFlags struct {
	coord coordFlags
	o     node.IncidentOptions
}

func (f *incidentFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.coord.register(fs, getenv)
	o := &f.o
	for name, p := range map[string]*string{"name": &o.Name, "description": &o.Description, "level": &o.Level, "status": &o.Status,
		"determination": &o.Determination, "impact": &o.Impact, "joint": &o.Joint, "member-state": &o.MemberState, "affected": &o.Affected,
		"sectors": &o.Sectors, "members": &o.Members, "detected": &o.Detected, "tlp": &o.TLP, "note": &o.Note, "now": &o.Now, "at": &o.At,
		"reference": &o.Reference} {
		fs.StringVar(p, name, "", "")
	}
	for name, p := range map[string]*bool{"overdue": &o.Overdue, "json": &o.JSON, "joint-view": &o.JointView,
		"significant": &o.Significant, "trust-service": &o.TrustService} {
		fs.BoolVar(p, name, false, "")
	}
	fs.IntVar(&o.Limit, "limit", node.DefaultAttributionLimit, "")
}

// incidentCommands are the incident commands and the arguments each takes.
var incidentCommands = cli.Subcommands{Cmd: "incident", Usage: incidentUsage, Names: "create, list, show, update, report or attribute", Args: map[string]cli.Arity{
	"create": cli.Exactly(0, "no arguments"), "list": cli.Exactly(0, "no arguments"), "show": cli.Exactly(1, "one incident ID"),
	"update": cli.Exactly(1, "one incident ID"), "report": cli.Exactly(2, "an incident ID and a report kind"),
	"attribute": cli.Exactly(1, "one incident ID"),
}}

func (m *Main) runIncident(ctx context.Context, args []string) error {
	var f incidentFlags
	sub, pos, fs, err := m.parseSubcommand(incidentCommands, args, &f)
	if err != nil {
		return err
	}
	// The values are checked before the store is opened: a usage error
	// changes nothing.
	fs.Visit(func(fl *flag.Flag) { f.o.Given = append(f.o.Given, fl.Name) })
	if err := f.o.Check(sub); err != nil {
		return m.configError(err)
	}
	if sub == "list" {
		// Overdue reports are those overdue at --now, or at the start.
		f.coord.now = f.o.Clock
	}
	env, err := m.openCoordination(ctx, &f.coord)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		inc, err := env.n.CreateIncident(ctx, f.o.Change(), f.o.Marking(), f.o.Note)
		if err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, inc.ID)
		for _, d := range inc.Deadlines() {
			fmt.Fprintf(m.Stderr, "rampart: %s due %s\n", d.Kind, d.Due.Format(time.RFC3339))
		}
	case "list":
		list, err := env.n.FindIncidentList(ctx, &f.o)
		return m.write(list, err, f.o.JSON)
	case "show":
		v, err := env.n.FindIncidentView(ctx, pos[0], &f.o)
		return m.write(v, err, f.o.JSON)
	case "update":
		inc, err := env.n.UpdateIncident(ctx, pos[0], f.o.Change(), f.o.Note)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s %s\n", inc.ID, inc.Modified.Format("2006-01-02T15:04:05.000Z"))
	case "attribute":
		return m.incidentAttribute(ctx, env, pos[0], &f)
	case "report":
		at := f.o.ReportedAt()
		inc, d, err := env.n.ReportIncident(ctx, pos[0], pos[1], at, f.o.Reference)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s %s %s (due %s)\n", inc.ID, d.Kind, d.State(at), d.Due.Format(time.RFC3339))
	}
	return nil
}

// incidentAttribute implements "rampart incident attribute ID": the
// ranking on stdout, progress and the summary on stderr.
func (m *Main) incidentAttribute(ctx context.Context, env *coordEnv, id string, f *incidentFlags) error {
	line := progress.NewLine(m.Stderr)
	r, err := env.n.RunIncidentAttribution(ctx, id, f.o.Limit, func(read int) {
		line.Printf("reading the knowledge: %d objects", read)
	})
	line.Clear()
	if err := m.write(r, err, f.o.JSON); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "rampart: %s\n", r.Summary())
	if hint := r.Hint(); hint != "" {
		m.Hintf("%s", hint)
	}
	return nil
}
