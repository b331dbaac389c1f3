package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/trust"
)

// StatementDraft is what "rampart statement draft" is given, as text:
// Incidents, Evidence and Invite are comma-separated lists, Invite naming
// member states as the trust registry knows them (country, name or
// identity id); TextFile, when set, names a file holding the text.
type StatementDraft struct {
	Name, Text, TextFile, Incidents, IntrusionSet, Evidence, Invite string
	// Confidence is from 0 to 100; negative when not given.
	Confidence, Threshold int
}

// Check refuses a draft without a confidence, a ConfigError.
func (d *StatementDraft) Check() error {
	if d.Confidence < 0 {
		return configErrorf("statement draft needs --confidence N (0 to 100)")
	}
	return nil
}

// DraftStatementFrom drafts the statement d describes, inviting the
// national CSIRTs it names, as DraftStatement does. Its errors are
// DraftStatement's, and one naming --invite when it names no organisation
// or one the node's trust registry does not hold as a national CSIRT.
func (n *Node) DraftStatementFrom(ctx context.Context, d StatementDraft) (*coord.Statement, error) {
	reg := n.Registry()
	if reg == nil {
		return nil, fmt.Errorf("drafting a statement needs the organisation's keys and the trust registry")
	}
	items := SplitList(d.Invite)
	if len(items) == 0 {
		return nil, fmt.Errorf("--invite names no organisation")
	}
	invited, err := reg.ResolveOrganizations(items, trust.RoleNationalCSIRT)
	if err != nil {
		return nil, fmt.Errorf("--invite: %v", err)
	}
	return n.DraftStatement(ctx, &coord.Statement{Name: d.Name, Text: d.Text, IncidentRefs: SplitList(d.Incidents),
		IntrusionSetRef: d.IntrusionSet, Confidence: d.Confidence, EvidenceRefs: SplitList(d.Evidence), Invited: invited,
		Threshold: d.Threshold}, d.TextFile)
}

// StatementList is a list of statements, as "rampart statement list"
// prints it.
type StatementList []*coord.Statement

// FindStatementList returns every statement the node holds.
func (n *Node) FindStatementList(ctx context.Context) (StatementList, error) {
	return n.Coord.FindStatements(ctx)
}

// WriteText writes the statements one a line: id, status, how many of
// how many invited must sign, and name. It returns the error of w.
func (l StatementList) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, st := range l {
		fmt.Fprintf(&b, "%s  %-9s  %d of %d  %s\n", st.ID, st.Status, st.Threshold, len(st.Invited), st.Name)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// EndorsedSummary says what the node's organisation endorsed and how many
// endorsements now count, as "rampart statement sign" reports it.
func (n *Node) EndorsedSummary(e *coord.Endorsed) string {
	return fmt.Sprintf("%s endorsed terms %s; %d of %d required endorsements count",
		coord.OrganizationName(n.Registry(), n.Identity.Organization()), e.Statement.TermsDigest(), len(e.Quorum.Counted), e.Quorum.Threshold)
}

// SignErrorHint returns what to do about an error of SignStatement, and
// the error as a person reads it: for a refusal --force overrides, a hint
// naming --force and the refusal; for terms that changed since they were
// read, no hint and the error saying to read them again; for any other
// error, no hint and the error as it is.
func SignErrorHint(err error) (string, error) {
	se, ok := errors.AsType[*coord.SignError](err)
	switch {
	case !ok:
		return "", err
	case se.Err == coord.ErrDrafterSignature:
		return "use --force to endorse it anyway", se
	case se.Err == coord.ErrWouldNotCount:
		return "use --force to store it anyway", se
	case se.Err == coord.ErrTermsChanged:
		return "", fmt.Errorf("%v; read it again with \"rampart statement show\"", se)
	}
	return "", err
}
