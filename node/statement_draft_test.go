package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/coord"
)

func TestStatementDraftCheck(t *testing.T) {
	if _, ok := AsConfigError((&StatementDraft{Confidence: -1}).Check()); !ok {
		t.Errorf("a draft without a confidence: no ConfigError")
	}
	if err := (&StatementDraft{Confidence: 0}).Check(); err != nil {
		t.Errorf("a draft of confidence 0: %v", err)
	}
}

func TestDraftStatementFrom(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, true, true)
	n := an.Node
	for _, tc := range []struct{ invite, want string }{
		{"", "--invite names no organisation"},
		{" , ", "--invite names no organisation"},
		{"CERT-FR,CERT-Nowhere", "--invite: "},
	} {
		_, err := n.DraftStatementFrom(ctx, StatementDraft{Name: "x", Text: "y", Confidence: 50, Threshold: 1, Invite: tc.invite})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("invite %q: %v; want an error beginning %q", tc.invite, err, tc.want)
		}
	}
	st, err := n.DraftStatementFrom(ctx, StatementDraft{Name: "Grid intrusions", Text: "APT-Example", Incidents: "incident--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10,",
		IntrusionSet: "intrusion-set--bef4c620-0787-42a8-a96d-b7eb6e85917c", Confidence: 85, Invite: "CERT-FR, CERT-Bund", Threshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Invited) != 2 || len(st.IncidentRefs) != 1 || st.Confidence != 85 || st.Threshold != 2 {
		t.Errorf("drafted %+v", st)
	}
	if _, err := openAuditNode(t, false, false).DraftStatementFrom(ctx, StatementDraft{Invite: "CERT-FR"}); err == nil {
		t.Errorf("a node without a registry drafted a statement")
	}

	list, err := n.FindStatementList(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("FindStatementList = %d statements, %v; want 1", len(list), err)
	}
	var b strings.Builder
	if err := list.WriteText(&b); err != nil || b.String() != st.ID+"  draft      2 of 2  Grid intrusions\n" {
		t.Errorf("WriteText = %q, %v", b.String(), err)
	}

	e, err := n.SignStatement(ctx, st.ID, st.TermsDigest(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	want := "CERT-FR (FR) endorsed terms " + st.TermsDigest() + "; 1 of 2 required endorsements count"
	if got := n.EndorsedSummary(e); got != want {
		t.Errorf("EndorsedSummary = %q; want %q", got, want)
	}

	v, err := n.FindStatement(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := v.WriteText(&b, n.Registry()); err != nil || !strings.Contains(b.String(), "Grid intrusions") || !strings.Contains(b.String(), "CERT-FR") {
		t.Errorf("WriteText = %q, %v", b.String(), err)
	}
	v.Quorum = nil
	b.Reset()
	if err := v.WriteText(&b, nil); err != nil || !strings.HasSuffix(b.String(), "  1 endorsements on this node; give --registry FILE to count them\n") {
		t.Errorf("WriteText without a registry = %q, %v", b.String(), err)
	}

	path := filepath.Join(an.dir, "statement.json")
	if err := v.WriteBundleFile(path); err != nil {
		t.Fatal(err)
	}
	if err := v.WriteBundleFile(path); err == nil {
		t.Errorf("WriteBundleFile replaced a file")
	}
	checks, err := VerifyStatementFile(path, an.Config.RegistryFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks.Checks) != 1 || checks.Failed() != 0 || checks.Err() != nil {
		t.Errorf("VerifyStatementFile: %d checks, %d failed, %v; want 1, none failed", len(checks.Checks), checks.Failed(), checks.Err())
	}
	failing := &StatementChecks{Checks: append(checks.Checks, &coord.StatementCheck{Statement: checks.Checks[0].Statement, Problems: []string{"no drafter signature"}}), Registry: checks.Registry}
	if failing.Failed() != 1 || failing.Err() == nil || failing.Err().Error() != "1 of 2 statements failed the check" {
		t.Errorf("a failing check: %d failed, %v", failing.Failed(), failing.Err())
	}
	b.Reset()
	if err := checks.WriteText(&b); err != nil || !strings.HasSuffix(b.String(), "\n1 statements checked against registry version 1\n") {
		t.Errorf("WriteText = %q, %v", b.String(), err)
	}

	empty := filepath.Join(an.dir, "empty.json")
	if err := os.WriteFile(empty, []byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyStatementFile(empty, an.Config.RegistryFile); err == nil || err.Error() != empty+" holds no "+coord.StatementType {
		t.Errorf("a file without statements: %v", err)
	}
	if _, err := VerifyStatementFile(path, filepath.Join(an.dir, "missing.json")); err == nil {
		t.Errorf("a missing registry: no error")
	}
}

func TestSignErrorHint(t *testing.T) {
	other := errors.New("disk full")
	for _, tc := range []struct {
		name          string
		err           error
		wantErr, hint string
	}{
		{"drafter", &coord.SignError{Statement: "s", Err: coord.ErrDrafterSignature}, "", "use --force to endorse it anyway"},
		{"would not count", &coord.SignError{Statement: "s", Err: coord.ErrWouldNotCount}, "", "use --force to store it anyway"},
		{"terms changed", &coord.SignError{Statement: "s", Err: coord.ErrTermsChanged}, `; read it again with "rampart statement show"`, ""},
		{"another error", other, "disk full", ""},
	} {
		hint, err := SignErrorHint(tc.err)
		if hint != tc.hint || !strings.HasSuffix(err.Error(), tc.wantErr) {
			t.Errorf("%s: %v, %q; want an error ending %q, hint %q", tc.name, err, hint, tc.wantErr, tc.hint)
		}
	}
}
