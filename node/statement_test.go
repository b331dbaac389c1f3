package node

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

func TestStatementDraftSignPublish(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, true, true)
	n := an.Node
	text := filepath.Join(an.dir, "text.txt")
	if err := os.WriteFile(text, []byte("\nThe intrusions are APT-Example's.\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &coord.Statement{Name: "Grid intrusions", Text: "ignored: the file wins",
		IncidentRefs: []string{"incident--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10"}, IntrusionSetRef: "intrusion-set--bef4c620-0787-42a8-a96d-b7eb6e85917c",
		Confidence: 85, Invited: []string{auditOrgFR, auditOrgDE}, Threshold: 2}
	st, err := n.DraftStatement(ctx, d, text)
	if err != nil {
		t.Fatal(err)
	}
	if st.Text != "The intrusions are APT-Example's." || st.CreatedBy != auditOrgFR {
		t.Errorf("drafted text %q by %s; want the file's, trimmed, by %s", st.Text, st.CreatedBy, auditOrgFR)
	}
	v, err := n.FindStatement(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Statement.ID != st.ID || len(v.Objects) != 1 || v.Quorum == nil || v.Quorum.Reached || len(v.Quorum.Missing) != 2 {
		t.Fatalf("found %+v, quorum %+v", v, v.Quorum)
	}

	e, err := n.SignStatement(ctx, st.ID, st.TermsDigest(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Counts || len(e.Quorum.Counted) != 1 {
		t.Errorf("FR's endorsement: counts %v, %d counted", e.Counts, len(e.Quorum.Counted))
	}
	var se *coord.SignError
	if _, err := n.SignStatement(ctx, st.ID, "", "", false); !errors.As(err, &se) || se.Err != coord.ErrWouldNotCount {
		t.Errorf("a second endorsement by FR: %v; want ErrWouldNotCount", err)
	}

	_, q, err := n.PublishStatement(ctx, st.ID)
	if rampart.ErrorCode(err) != rampart.EINVALID || q == nil || len(q.Counted) != 1 || q.Reached {
		t.Errorf("publish with 1 of 2: %v, quorum %+v; want EINVALID and the count", err, q)
	}

	v, err = n.FindStatement(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := v.WriteBundle(&b); err != nil {
		t.Fatal(err)
	}
	bundle, err := stix.ParseBundle(b.Bytes())
	if err != nil || len(bundle.Objects) != 2 {
		t.Fatalf("bundle of the statement and FR's endorsement: %v\n%s", err, b.Bytes())
	}
	checks, err := CheckStatements(bundle.Objects, n.Registry())
	if err != nil || len(checks) != 1 || checks[0].Statement.ID != st.ID || len(checks[0].Quorum.Counted) != 1 {
		t.Fatalf("CheckStatements = %+v, %v", checks, err)
	}
	if checks, err := CheckStatements(nil, n.Registry()); len(checks) != 0 || err != nil {
		t.Errorf("CheckStatements of nothing = %+v, %v; want none", checks, err)
	}
	if _, err := n.FindStatement(ctx, "x-rampart-statement--00000000-0000-4000-8000-000000000000"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("a missing statement: %v; want ENOTFOUND", err)
	}
}

func TestStatementNeedsKeysAndMembership(t *testing.T) {
	ctx := context.Background()
	d := func() *coord.Statement {
		return &coord.Statement{Name: "x", Text: "y", Confidence: 50, Threshold: 1, Invited: []string{auditOrgFR}}
	}
	bare := openAuditNode(t, false, false).Node
	for name, err := range map[string]error{
		"draft":   errOf(bare.DraftStatement(ctx, d(), "")),
		"sign":    errOf(bare.SignStatement(ctx, "x-rampart-statement--1", "", "", false)),
		"publish": errOf(bare.PublishStatement(ctx, "x-rampart-statement--1")),
	} {
		if err == nil || !strings.Contains(err.Error(), "trust registry") {
			t.Errorf("%s without keys or registry: %v; want an error saying what is missing", name, err)
		}
	}

	// Keys of an organisation the registry does not list as a national
	// CSIRT.
	dir := t.TempDir()
	other := generateIdentity(t, "identity--99999999-9999-4999-8999-999999999999")
	keyFile := filepath.Join(dir, "other.key")
	if err := trust.WriteIdentityFile(keyFile, other); err != nil {
		t.Fatal(err)
	}
	reg := writeRegistry(t, dir, map[string]*trust.Identity{"CERT-Bund": generateIdentity(t, auditOrgDE)})
	n, err := Open(ctx, Config{DataDir: dir, Create: true, AdminPassword: "a-long-test-password", IdentityFile: keyFile, RegistryFile: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if _, err := n.DraftStatement(ctx, d(), ""); err == nil || !strings.Contains(err.Error(), "not a national CSIRT of registry version 1") {
		t.Errorf("draft by a non-member: %v", err)
	}
}
