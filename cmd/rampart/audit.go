package main

import (
	"context"
	json "encoding/json/v2"
	"flag"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var auditUsage = helpText("audit-usage.txt")

// defaultAuditListLimit is how many records "audit list" prints without
// --limit.
const defaultAuditListLimit = 1000

// auditFlags are the flags of the audit commands: the store's, and the
// filters of "audit list", which the others do not take.
type auditFlags struct {
	store              storeFlags
	object, org, since string
	limit              int
	asJSON             bool
}

func (f *auditFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	if fs.Name() == "audit list" {
		fs.StringVar(&f.object, "object", "", "")
		fs.StringVar(&f.org, "org", "", "")
		fs.StringVar(&f.since, "since", "", "")
		fs.IntVar(&f.limit, "limit", defaultAuditListLimit, "")
		fs.BoolVar(&f.asJSON, "json", false, "")
	}
}

// auditCommands are the audit commands and the arguments each takes.
var auditCommands = subcommands{cmd: "audit", usage: auditUsage, names: "list, verify or checkpoint", args: map[string]arity{
	"list": exactly(0, "no arguments"), "verify": exactly(0, "no arguments"), "checkpoint": exactly(0, "no arguments"),
}}

func (m *Main) runAudit(ctx context.Context, args []string) error {
	var lf auditFlags
	sub, _, _, err := m.parseSubcommand(auditCommands, args, &lf)
	if err != nil {
		return err
	}
	f, err := m.auditFilter(&lf)
	if err != nil {
		return err
	}
	n, err := m.openNode(ctx, &lf.store)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		return m.listAudit(ctx, n, f, &lf)
	case "verify":
		return m.verifyAudit(ctx, n)
	}
	c, created, err := n.CheckpointAudit(ctx)
	switch {
	case err != nil:
		return err
	case c == nil:
		return fmt.Errorf("the audit log holds no record yet: there is nothing to checkpoint")
	case !created:
		fmt.Fprintf(m.Stdout, "record %d, the last, is checkpointed already\n", c.Seq)
	default:
		fmt.Fprintf(m.Stdout, "checkpoint at record %d\n", c.Seq)
	}
	return nil
}

// auditFilter checks the flags of "audit list" before the store is opened.
func (m *Main) auditFilter(lf *auditFlags) (rampart.AuditFilter, error) {
	var f rampart.AuditFilter
	if lf.limit < 0 {
		return f, m.usagef("audit list: --limit must be 0 (all) or more (got %d)", lf.limit)
	}
	if lf.object != "" {
		f.ObjectID = &lf.object
	}
	if lf.org != "" {
		f.Recipient = &lf.org
	}
	if lf.since != "" {
		t, err := parseTimeFlag("since", lf.since)
		if err != nil {
			return f, m.usagef("audit list: %v", err)
		}
		f.Since = &t
	}
	return f, nil
}

func (m *Main) listAudit(ctx context.Context, n *node.Node, f rampart.AuditFilter, lf *auditFlags) error {
	records, more, err := n.FindAudit(ctx, f, lf.limit)
	if err != nil {
		return err
	}
	if len(records) == 0 {
		m.hintf("no audit record matches: nothing this node shared with another organisation was recorded")
		return nil
	}
	if lf.asJSON {
		err = m.printAuditJSON(records)
	} else {
		err = m.printAuditTable(n.OrganizationNames(ctx), records)
	}
	if err == nil && more {
		m.hintf("more records follow the %d shown: give --limit 0 for all, or narrow with --since, --object or --org", lf.limit)
	}
	return err
}

func (m *Main) printAuditJSON(records []*rampart.AuditRecord) error {
	for _, r := range records {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		m.printLine(b)
	}
	return nil
}

// printAuditTable prints records as a table, organisations by name.
func (m *Main) printAuditTable(name func(string) string, records []*rampart.AuditRecord) error {
	tw := m.table("SEQ\tTIME\tOBJECT\tVERSION\tRECIPIENT\tCHANNEL\tVIA\tSEALED")
	for _, r := range records {
		via, sealed := r.Via, "no"
		if r.Sealed {
			sealed = "yes"
		}
		if r.Channel == rampart.AuditPeer {
			via = name(via)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.At.UTC().Format(time.RFC3339), r.ObjectID, r.Version,
			name(r.Recipient), r.Channel, via, sealed)
	}
	return tw.Flush()
}

func (m *Main) verifyAudit(ctx context.Context, n *node.Node) error {
	line := progress.NewLine(m.Stderr)
	rep, err := n.VerifyAudit(ctx, func(done int64) { line.Printf("verifying the audit log: %d records", done) })
	line.Clear()
	if err != nil {
		return err
	}
	if p := rep.Problem; p != nil {
		m.errorf("%s", p)
		m.hintf("the %d records and %d checkpoints before it check; keep a copy of the node's store as evidence before changing anything", rep.Records, rep.Checkpoints)
		return errReported
	}
	fmt.Fprintln(m.Stdout, rep.Summary())
	if rep.Records > 0 && n.Identity == nil {
		m.hintf(`the node has no keys, so no checkpoint signs the log: make them with "rampart org init"`)
	}
	return nil
}
