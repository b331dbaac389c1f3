package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var auditUsage = helpText("audit-usage.txt")

// auditFlags are the flags of the audit commands: the store's, and the
// query of "audit list", which the others do not take.
type auditFlags struct {
	store  storeFlags
	q      node.AuditQuery
	asJSON bool
}

func (f *auditFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	if fs.Name() == "audit list" {
		for name, p := range map[string]*string{"object": &f.q.Object, "org": &f.q.Org, "since": &f.q.Since} {
			fs.StringVar(p, name, "", "")
		}
		fs.IntVar(&f.q.Limit, "limit", node.DefaultAuditListLimit, "")
		fs.BoolVar(&f.asJSON, "json", false, "")
	}
}

// auditCommands are the audit commands and the arguments each takes.
var auditCommands = cli.Subcommands{Cmd: "audit", Usage: auditUsage, Names: "list, verify or checkpoint", Args: map[string]cli.Arity{
	"list": cli.Exactly(0, "no arguments"), "verify": cli.Exactly(0, "no arguments"), "checkpoint": cli.Exactly(0, "no arguments"),
}}

func (m *Main) runAudit(ctx context.Context, args []string) error {
	var f auditFlags
	sub, _, _, err := m.parseSubcommand(auditCommands, args, &f)
	if err != nil {
		return err
	}
	if err := f.q.Check(); err != nil {
		return m.configError(err)
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		return m.listAudit(ctx, n, &f)
	case "verify":
		return m.verifyAudit(ctx, n)
	}
	text, err := n.CheckpointAuditText(ctx)
	if err == nil {
		fmt.Fprintln(m.Stdout, text)
	}
	return err
}

func (m *Main) listAudit(ctx context.Context, n *node.Node, f *auditFlags) error {
	l, err := n.FindAuditList(ctx, &f.q)
	switch {
	case err != nil:
		return err
	case len(l.Records) == 0:
		m.Hintf("no audit record matches: nothing this node shared with another organisation was recorded")
		return nil
	}
	if err := m.write(l, nil, f.asJSON); err != nil {
		return err
	}
	if l.More {
		m.Hintf("more records follow the %d shown: give --limit 0 for all, or narrow with --since, --object or --org", f.q.Limit)
	}
	return nil
}

func (m *Main) verifyAudit(ctx context.Context, n *node.Node) error {
	line := progress.NewLine(m.Stderr)
	rep, err := n.VerifyAudit(ctx, func(done int64) { line.Printf("verifying the audit log: %d records", done) })
	line.Clear()
	if err != nil {
		return err
	}
	if p := rep.Problem; p != nil {
		m.Errorf("%s", p)
		m.Hintf("the %d records and %d checkpoints before it check; keep a copy of the node's store as evidence before changing anything", rep.Records, rep.Checkpoints)
		return cli.ErrReported
	}
	fmt.Fprintln(m.Stdout, rep.Summary())
	if rep.Records > 0 && n.Identity == nil {
		m.Hintf(`the node has no keys, so no checkpoint signs the log: make them with "rampart org init"`)
	}
	return nil
}
