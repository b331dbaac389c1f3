package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
)

var statementUsage = helpText("statement-usage.txt")

// statementFlags are the flags of the statement commands, one set for all
// of them.
type statementFlags struct {
	coord                      coordFlags
	draft                      node.StatementDraft
	terms, explanation, bundle string
	force                      bool
}

func (f *statementFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.coord.register(fs, getenv)
	d := &f.draft
	for name, p := range map[string]*string{"name": &d.Name, "text": &d.Text, "text-file": &d.TextFile, "incidents": &d.Incidents,
		"intrusion-set": &d.IntrusionSet, "evidence": &d.Evidence, "invite": &d.Invite, "terms": &f.terms, "explanation": &f.explanation,
		"bundle": &f.bundle} {
		fs.StringVar(p, name, "", "")
	}
	fs.IntVar(&d.Confidence, "confidence", -1, "")
	fs.IntVar(&d.Threshold, "threshold", 0, "")
	fs.BoolVar(&f.force, "force", false, "")
}

// statementCommands are the statement commands and the arguments each takes.
var statementCommands = cli.Subcommands{Cmd: "statement", Usage: statementUsage, Names: "draft, show, sign, publish, verify or list", Args: map[string]cli.Arity{
	"draft": cli.Exactly(0, "no arguments"), "list": cli.Exactly(0, "no arguments"), "verify": cli.Exactly(1, "one FILE"),
	"show": cli.Exactly(1, "one statement ID"), "sign": cli.Exactly(1, "one statement ID"), "publish": cli.Exactly(1, "one statement ID"),
}}

func (m *Main) runStatement(ctx context.Context, args []string) error {
	var f statementFlags
	sub, pos, _, err := m.parseSubcommand(statementCommands, args, &f)
	if err != nil {
		return err
	}
	switch {
	case sub == "verify":
		return m.statementVerify(pos[0], f.coord.registry)
	case sub == "draft":
		if err := f.draft.Check(); err != nil {
			return m.configError(err)
		}
	}
	env, err := m.openCoordination(ctx, &f.coord)
	if err != nil {
		return err
	}
	if needKey := sub == "draft" || sub == "sign" || sub == "publish"; needKey && (env.id == nil || env.reg == nil) {
		return fmt.Errorf("statement %s needs the organisation's keys and the trust registry: the node has none (rampart org init; rampart serve --registry FILE), so give --key FILE and --registry FILE", sub)
	}
	switch sub {
	case "draft":
		st, err := env.n.DraftStatementFrom(ctx, f.draft)
		if err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, st.ID)
		fmt.Fprintf(m.Stderr, "rampart: draft %s: %d of %d invited member states must sign terms %s\n", st.ID, st.Threshold, len(st.Invited), st.TermsDigest())
		return nil
	case "list":
		list, err := env.n.FindStatementList(ctx)
		return m.write(list, err, false)
	case "show":
		return m.statementShow(ctx, env, pos[0], f.bundle)
	case "sign":
		return m.statementSign(ctx, env, pos[0], &f)
	}
	st, q, err := env.n.PublishStatement(ctx, pos[0])
	if err != nil {
		if q != nil {
			q.WriteText(m.Stderr, env.reg)
		}
		return err
	}
	fmt.Fprintf(m.Stdout, "%s published %s with %d of %d required endorsements\n", st.ID, st.Published.Format(time.RFC3339), len(q.Counted), q.Threshold)
	return nil
}

func (m *Main) statementShow(ctx context.Context, env *coordEnv, id, bundle string) error {
	v, err := env.n.FindStatement(ctx, id)
	switch {
	case err != nil:
		return err
	case bundle == "":
		return v.WriteText(m.Stdout, env.reg)
	}
	if err := v.WriteBundleFile(bundle); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "rampart: wrote %d objects to %s\n", len(v.Objects), bundle)
	return nil
}

func (m *Main) statementSign(ctx context.Context, env *coordEnv, id string, f *statementFlags) error {
	e, err := env.n.SignStatement(ctx, id, f.terms, f.explanation, f.force)
	if err != nil {
		hint, err := node.SignErrorHint(err)
		if hint != "" {
			m.Errorf("%s", err)
			m.Hintf("%s", hint)
			return cli.ErrReported
		}
		return err
	}
	if e.DrafterErr != nil {
		m.Warnf("the statement's own signature does not check: %v", e.DrafterErr)
	}
	if !e.Counts {
		m.Hintf("stored because of --force, but this endorsement does not count toward the quorum: %s", e.Reason)
	}
	fmt.Fprintln(m.Stdout, e.Endorsement.ID)
	fmt.Fprintf(m.Stderr, "rampart: %s\n", env.n.EndorsedSummary(e))
	return nil
}

func (m *Main) statementVerify(path, regPath string) error {
	if regPath == "" {
		return m.Usagef("statement verify needs --registry FILE")
	}
	c, err := node.VerifyStatementFile(path, regPath)
	if err := m.write(c, err, false); err != nil {
		return err
	}
	return c.Err()
}
