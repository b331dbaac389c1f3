package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
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
		return m.statementList(ctx, env)
	case "show":
		return m.statementShow(ctx, env, pos[0], f.bundle)
	case "sign":
		return m.statementSign(ctx, env, pos[0], f.terms, f.explanation, f.force)
	}
	return m.statementPublish(ctx, env, pos[0])
}

func (m *Main) statementDraft(ctx context.Context, env *coordEnv, f *statementFlags) error {
	text := f.text
	if f.textFile != "" {
		b, err := os.ReadFile(f.textFile)
		if err != nil {
			return err
		}
		text = strings.TrimSpace(string(b))
	}
	invited, err := resolveOrgs(env.reg, splitComma(f.invite), "--invite", trust.RoleNationalCSIRT)
	if err != nil {
		return err
	}
	if o := env.reg.Organization(env.id.Organization()); o == nil || o.Role != trust.RoleNationalCSIRT {
		return fmt.Errorf("the keys in %s belong to %s, which is not a national CSIRT of registry version %d: only member states draft statements", f.coord.key, env.id.Organization(), env.reg.Version())
	}
	st := &coord.Statement{Name: f.name, Text: text, IncidentRefs: splitComma(f.incidents), IntrusionSetRef: f.set,
		Confidence: f.confidence, EvidenceRefs: splitComma(f.evidence), Invited: invited, Threshold: f.threshold}
	if _, err := env.svc.CreateStatement(ctx, st); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, st.ID)
	fmt.Fprintf(m.Stderr, "rampart: draft %s: %d of %d invited member states must sign terms %s\n", st.ID, st.Threshold, len(st.Invited), st.TermsDigest())
	return nil
}

func (m *Main) statementList(ctx context.Context, env *coordEnv) error {
	list, err := env.svc.FindStatements(ctx)
	if err != nil {
		return err
	}
	for _, st := range list {
		fmt.Fprintf(m.Stdout, "%s  %-9s  %d of %d  %s\n", st.ID, st.Status, st.Threshold, len(st.Invited), st.Name)
	}
	return nil
}

func (m *Main) statementVerifier(reg *trust.Registry) *trust.Verifier {
	return trust.NewVerifier(reg, trust.DefaultPolicy())
}

func orgName(reg *trust.Registry, id string) string { return coord.OrganizationName(reg, id) }

func (m *Main) printTerms(w io.Writer, st *coord.Statement, reg *trust.Registry) {
	fmt.Fprintf(w, "statement %s  %s\n", st.ID, st.Name)
	fmt.Fprintf(w, "  drafted by %s, %s\n", orgName(reg, st.CreatedBy), st.Created.Format(time.RFC3339))
	fmt.Fprintf(w, "  status %s", st.Status)
	if !st.Published.IsZero() {
		fmt.Fprintf(w, " %s", st.Published.Format(time.RFC3339))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  attributes %s to intrusion set %s, confidence %d\n", strings.Join(st.IncidentRefs, ", "), st.IntrusionSetRef, st.Confidence)
	for _, e := range st.EvidenceRefs {
		fmt.Fprintf(w, "  evidence %s\n", e)
	}
	var inv []string
	for _, id := range st.Invited {
		inv = append(inv, orgName(reg, id))
	}
	fmt.Fprintf(w, "  needs %d of %d invited: %s\n", st.Threshold, len(st.Invited), strings.Join(inv, ", "))
	fmt.Fprintf(w, "  terms %s\n", st.TermsDigest())
	for _, line := range strings.Split(st.Text, "\n") {
		fmt.Fprintf(w, "  | %s\n", line)
	}
}

func printQuorum(w io.Writer, q *coord.Quorum, reg *trust.Registry) {
	for _, e := range q.Counted {
		fmt.Fprintf(w, "  counted      %s  %s (%s)  signed %s  %s+%s\n", e.Endorsement, e.Name, e.Country, e.Signed.Format(time.RFC3339), e.Algorithms[0], e.Algorithms[1])
	}
	for _, r := range q.Rejected {
		fmt.Fprintf(w, "  not counted  %s  by %s: %s\n", r.Endorsement, orgName(reg, r.Organization), r.Reason)
	}
	for _, id := range q.Missing {
		fmt.Fprintf(w, "  missing      %s\n", orgName(reg, id))
	}
	state := "not reached"
	if q.Reached {
		state = "reached"
	}
	fmt.Fprintf(w, "  quorum %s: %d of %d required endorsements count\n", state, len(q.Counted), q.Threshold)
}

func (m *Main) statementShow(ctx context.Context, env *coordEnv, id, bundle string) error {
	st, _, err := env.svc.FindStatementByID(ctx, id)
	if err != nil {
		return err
	}
	objs, err := env.svc.StatementObjects(ctx, id)
	if err != nil {
		return err
	}
	if bundle != "" {
		if err := writeBundleFile(bundle, objs); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "rampart: wrote %d objects to %s\n", len(objs), bundle)
		return nil
	}
	m.printTerms(m.Stdout, st, env.reg)
	if env.reg == nil {
		fmt.Fprintf(m.Stdout, "  %d endorsements on this node; give --registry FILE to count them\n", len(objs)-1)
		return nil
	}
	printQuorum(m.Stdout, coord.CountEndorsements(st, objs, m.statementVerifier(env.reg)), env.reg)
	return nil
}

func (m *Main) statementSign(ctx context.Context, env *coordEnv, id, terms, explanation string, force bool) error {
	e, err := env.svc.SignStatement(ctx, coord.SignRequest{Statement: id, Terms: terms, Explanation: explanation,
		Signer: env.id, Verifier: m.statementVerifier(env.reg), Force: force})
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
		orgName(env.reg, env.id.Organization()), e.Statement.TermsDigest(), len(e.Quorum.Counted), e.Quorum.Threshold)
	return nil
}

func (m *Main) statementPublish(ctx context.Context, env *coordEnv, id string) error {
	v := m.statementVerifier(env.reg)
	st, q, err := env.svc.PublishStatement(ctx, id, func(st *coord.Statement, objs []*stix.Object) *coord.Quorum {
		return coord.CountEndorsements(st, objs, v)
	})
	if err != nil {
		if q != nil {
			printQuorum(m.Stderr, q, env.reg)
		}
		return err
	}
	fmt.Fprintf(m.Stdout, "%s published %s with %d of %d required endorsements\n", st.ID, st.Published.Format(time.RFC3339), len(q.Counted), q.Threshold)
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
	objs, err := readStatementBundle(path)
	if err != nil {
		return err
	}
	checks, err := coord.CheckStatements(objs, m.statementVerifier(reg))
	if err != nil {
		return err
	}
	if len(checks) == 0 {
		return fmt.Errorf("%s holds no %s", path, coord.StatementType)
	}
	failed := 0
	for _, c := range checks {
		m.printTerms(m.Stdout, c.Statement, reg)
		if c.Drafter != nil {
			fmt.Fprintf(m.Stdout, "  drafter's signature ok: %s (%s) %s+%s\n", c.Drafter.Organization.Name, c.Drafter.Organization.Country, c.Drafter.Algorithms[0], c.Drafter.Algorithms[1])
		}
		printQuorum(m.Stdout, c.Quorum, reg)
		for _, p := range c.Problems {
			fmt.Fprintf(m.Stdout, "  PROBLEM: %s\n", p)
		}
		if !c.OK() {
			failed++
		}
	}
	fmt.Fprintf(m.Stdout, "%d statements checked against registry version %d\n", len(checks), reg.Version())
	if failed > 0 {
		m.errorf("%s of %d statements failed the check", strconv.Itoa(failed), len(checks))
		return errReported
	}
	return nil
}

// writeBundleFile writes objs as a bundle to a new file, readable by its
// owner only when outputMode says so.
func writeBundleFile(path string, objs []*stix.Object) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, outputMode(objs))
	if err != nil {
		return err
	}
	bw := stix.NewBundleWriter(f, "")
	for _, o := range objs {
		if err := bw.Write(o); err != nil {
			f.Close()
			return err
		}
	}
	if err := bw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readStatementBundle reads the objects of a bundle (or one object). A
// bundle with an unreadable object is refused whole: a check that skipped
// an endorsement could count wrong.
func readStatementBundle(path string) ([]*stix.Object, error) {
	objs, _, _, err := readSignedInput(path)
	if err != nil {
		return nil, err
	}
	return objs, nil
}
