package node

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/translog"
)

func logIndicator(t *testing.T, org, name string) *stix.Object {
	t.Helper()
	ts := stix.NewTimestamp(time.Now().Add(-time.Minute)).String()
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"created_by_ref":%q,"name":%q,"pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-10-01T10:00:00Z"}`,
		stix.NewID("indicator"), ts, ts, org, name))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestTransparencyLogOfOwnSignedObjects checks what the node logs: its
// own signed objects, whoever stores them, not its unsigned ones nor
// other organisations' signed ones; and that heads and proofs verify.
func TestTransparencyLogOfOwnSignedObjects(t *testing.T) {
	ctx := context.Background()
	n := openAuditNode(t, true, true)
	coll, err := n.FindCollection(ctx, DefaultAPIRoot, "")
	if err != nil {
		t.Fatal(err)
	}
	own, err := n.Identity.Sign(logIndicator(t, auditOrgFR, "own, signed"))
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := n.de.Sign(logIndicator(t, auditOrgDE, "theirs, signed"))
	if err != nil {
		t.Fatal(err)
	}
	unsigned := logIndicator(t, auditOrgFR, "own, unsigned")
	if _, err := n.Objects.CreateObjects(ctx, coll.ID, []*stix.Object{own, theirs, unsigned}); err != nil {
		t.Fatal(err)
	}
	// The node's own alert, through coordination: signed and logged.
	if err := n.raiseForkAlert(ctx, testFork(t, n)); err != nil {
		t.Fatal(err)
	}
	size, err := n.Log.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	es, err := n.Log.Entries(ctx, 0, size)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range es {
		kinds = append(kinds, strings.SplitN(e.ObjectID, "--", 2)[0])
	}
	if got, want := strings.Join(kinds, ","), "indicator,x-rampart-alert"; got != want {
		t.Fatalf("logged %s, want %s (own signed objects only)", got, want)
	}
	if es[0].ObjectID != own.ID {
		t.Errorf("entry 0 is %s, want the own signed indicator %s", es[0].ObjectID, own.ID)
	}

	head, err := n.Log.SignedHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := head.Verify(n.Verifier); err != nil {
		t.Fatalf("the head does not verify against the registry: %v", err)
	}
	if again, _ := n.Log.SignedHead(ctx); again != head {
		t.Error("a head was signed again with nothing appended")
	}
	leaf, err := translog.EntryHash(own.Raw)
	if err != nil {
		t.Fatal(err)
	}
	p, e, err := n.Log.Inclusion(ctx, leaf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e.ObjectID != own.ID {
		t.Errorf("inclusion found %s, want %s", e.ObjectID, own.ID)
	}
	if err := p.Verify(head, leaf); err != nil {
		t.Errorf("the inclusion proof does not verify: %v", err)
	}
	if _, _, err := n.Log.Inclusion(ctx, translog.LeafHash([]byte("never logged")), 0); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("inclusion of a leaf never logged: %v, want ENOTFOUND", err)
	}

	// The registry is logged once per version.
	if err := n.Log.AppendRegistry(ctx, n.Verifier.Registry()); err != nil {
		t.Fatal(err)
	}
	if err := n.Log.AppendRegistry(ctx, n.Verifier.Registry()); err != nil {
		t.Fatal(err)
	}
	if rs, err := n.Log.FindEntries(ctx, RegistryLogID); err != nil || len(rs) != 1 || rs[0].Kind != rampart.LogRegistry {
		t.Errorf("registry entries = %v, %v; want one", rs, err)
	}
	second, err := n.Log.SignedHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := n.Log.ConsistencyProof(ctx, head.Size, second.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&translog.ConsistencyProof{First: head.Size, Second: second.Size, Path: cp}).Verify(head, second); err != nil {
		t.Errorf("the consistency proof between the two heads does not verify: %v", err)
	}
}

// testFork returns a fork of DE's log: two heads of size 1 with different
// roots.
func testFork(t *testing.T, n *auditNode) *translog.Fork {
	t.Helper()
	a, err := translog.SignHead(n.de, 1, translog.LeafHash([]byte("a")), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := translog.SignHead(n.de, 1, translog.LeafHash([]byte("b")), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &translog.Fork{Origin: auditOrgDE, A: a, B: b, Reason: "two heads of size 1", First: true}
}

// TestForkAlert checks the alert a fork raises: critical, about the
// forked log, with both heads.
func TestForkAlert(t *testing.T) {
	ctx := context.Background()
	n := openAuditNode(t, true, true)
	f := testFork(t, n)
	if err := n.raiseForkAlert(ctx, f); err != nil {
		t.Fatal(err)
	}
	as, err := n.Coord.FindAlerts(ctx, coord.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 {
		t.Fatalf("%d alerts, want 1", len(as))
	}
	a := as[0]
	if a.Rule != ForkRule || a.SubjectRef != auditOrgDE || a.Severity != coord.SeverityCritical || !strings.Contains(a.Name, "CERT-Bund") {
		t.Errorf("alert = rule %q subject %q severity %q name %q", a.Rule, a.SubjectRef, a.Severity, a.Name)
	}
	if len(a.SeverityReasons) != 3 || !strings.Contains(a.SeverityReasons[1], f.A.Object.ID) || !strings.Contains(a.SeverityReasons[2], f.B.Object.ID) {
		t.Errorf("the alert's reasons do not hold both heads: %q", a.SeverityReasons)
	}
}
