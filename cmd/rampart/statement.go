package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

var statementUsage = helpText("statement-usage.txt")

// statementFlags are the flags of the statement commands, one set for all
// of them.
type statementFlags struct {
	coord                                                                              coordFlags
	name, text, textFile, incidents, set, evidence, invite, terms, explanation, bundle string
	confidence, threshold                                                              int
	force                                                                              bool
}

func (f *statementFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.coord.register(fs, getenv)
	for name, p := range map[string]*string{"name": &f.name, "text": &f.text, "text-file": &f.textFile, "incidents": &f.incidents,
		"intrusion-set": &f.set, "evidence": &f.evidence, "invite": &f.invite, "terms": &f.terms, "explanation": &f.explanation, "bundle": &f.bundle} {
		fs.StringVar(p, name, "", "")
	}
	fs.IntVar(&f.confidence, "confidence", -1, "")
	fs.IntVar(&f.threshold, "threshold", 0, "")
	fs.BoolVar(&f.force, "force", false, "")
}

// statementCommands are the statement commands and the arguments each takes.
var statementCommands = subcommands{cmd: "statement", usage: statementUsage, names: "draft, show, sign, publish, verify or list", args: map[string]arity{
	"draft": exactly(0, "no arguments"), "list": exactly(0, "no arguments"), "verify": exactly(1, "one FILE"),
	"show": exactly(1, "one statement ID"), "sign": exactly(1, "one statement ID"), "publish": exactly(1, "one statement ID"),
}}

func (m *Main) runStatement(ctx context.Context, args []string) error {
	var f statementFlags
	sub, pos, _, err := m.parseSubcommand(statementCommands, args, &f)
	if err != nil {
		return err
	}
	if sub == "verify" {
		return m.statementVerify(pos[0], f.coord.registry)
	}
	if sub == "draft" && f.confidence < 0 {
		return m.usagef("statement draft needs --confidence N (0 to 100)")
	}
	env, err := m.openCoordination(ctx, &f.coord)
	if err != nil {
		return err
	}
	if needKey := sub == "draft" || sub == "sign" || sub == "publish"; needKey && (env.id == nil || env.reg == nil) {
		m.errorf("statement %s needs the organisation's keys and the trust registry: the node has none (rampart org init; rampart serve --registry FILE), so give --key FILE and --registry FILE", sub)
		return errReported
	}
	switch sub {
	case "draft":
		return m.statementDraft(ctx, env, &f)
	case "list":
		list, err := env.svc.FindStatements(ctx)
		for _, st := range list {
			fmt.Fprintf(m.Stdout, "%s  %-9s  %d of %d  %s\n", st.ID, st.Status, st.Threshold, len(st.Invited), st.Name)
		}
		return err
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

func (m *Main) statementDraft(ctx context.Context, env *coordEnv, f *statementFlags) error {
	invited, err := resolveOrgs(env.reg, splitComma(f.invite), "--invite", trust.RoleNationalCSIRT)
	if err != nil {
		return err
	}
	st, err := env.n.DraftStatement(ctx, &coord.Statement{Name: f.name, Text: f.text, IncidentRefs: splitComma(f.incidents),
		IntrusionSetRef: f.set, Confidence: f.confidence, EvidenceRefs: splitComma(f.evidence), Invited: invited, Threshold: f.threshold}, f.textFile)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, st.ID)
	fmt.Fprintf(m.Stderr, "rampart: draft %s: %d of %d invited member states must sign terms %s\n", st.ID, st.Threshold, len(st.Invited), st.TermsDigest())
	return nil
}

func (m *Main) statementShow(ctx context.Context, env *coordEnv, id, bundle string) error {
	v, err := env.n.FindStatement(ctx, id)
	if err != nil {
		return err
	}
	if bundle != "" {
		if err := writeBundleFile(bundle, v); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "rampart: wrote %d objects to %s\n", len(v.Objects), bundle)
		return nil
	}
	if err := v.Statement.WriteTerms(m.Stdout, env.reg); err != nil {
		return err
	}
	if v.Quorum == nil {
		fmt.Fprintf(m.Stdout, "  %d endorsements on this node; give --registry FILE to count them\n", len(v.Objects)-1)
		return nil
	}
	return v.Quorum.WriteText(m.Stdout, env.reg)
}

func (m *Main) statementSign(ctx context.Context, env *coordEnv, id string, f *statementFlags) error {
	e, err := env.n.SignStatement(ctx, id, f.terms, f.explanation, f.force)
	var se *coord.SignError
	switch {
	case errors.As(err, &se) && se.Err == coord.ErrDrafterSignature:
		m.errorf("%s", se)
		m.hintf("use --force to endorse it anyway")
		return errReported
	case errors.As(err, &se) && se.Err == coord.ErrWouldNotCount:
		m.errorf("%s", se)
		m.hintf("use --force to store it anyway")
		return errReported
	case errors.As(err, &se) && se.Err == coord.ErrTermsChanged:
		return fmt.Errorf("%v; read it again with \"rampart statement show\"", se)
	case err != nil:
		return err
	}
	if e.DrafterErr != nil {
		m.warnf("the statement's own signature does not check: %v", e.DrafterErr)
	}
	if !e.Counts {
		m.hintf("stored because of --force, but this endorsement does not count toward the quorum: %s", e.Reason)
	}
	fmt.Fprintln(m.Stdout, e.Endorsement.ID)
	fmt.Fprintf(m.Stderr, "rampart: %s endorsed terms %s; %d of %d required endorsements count\n",
		coord.OrganizationName(env.reg, env.id.Organization()), e.Statement.TermsDigest(), len(e.Quorum.Counted), e.Quorum.Threshold)
	return nil
}

func (m *Main) statementVerify(path, regPath string) error {
	if regPath == "" {
		return m.usagef("statement verify needs --registry FILE")
	}
	reg, err := readRegistryFile(regPath)
	if err != nil {
		return err
	}
	// A bundle with an unreadable object is refused whole: a check that
	// skipped an endorsement could count wrong.
	objs, _, _, err := readSignedInput(path)
	if err != nil {
		return err
	}
	checks, err := node.CheckStatements(objs, reg)
	if err != nil {
		return err
	}
	if len(checks) == 0 {
		return fmt.Errorf("%s holds no %s", path, coord.StatementType)
	}
	failed := 0
	for _, c := range checks {
		if err := c.WriteText(m.Stdout, reg); err != nil {
			return err
		}
		if !c.OK() {
			failed++
		}
	}
	fmt.Fprintf(m.Stdout, "%d statements checked against registry version %d\n", len(checks), reg.Version())
	if failed > 0 {
		m.errorf("%d of %d statements failed the check", failed, len(checks))
		return errReported
	}
	return nil
}

// writeBundleFile writes a statement and its endorsements as a bundle to
// a new file, readable by its owner only when outputMode says so.
func writeBundleFile(path string, v *node.StatementView) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, outputMode(v.Objects))
	if err != nil {
		return err
	}
	if err := v.WriteBundle(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
