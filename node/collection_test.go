package node

import (
	"context"
	"slices"
	"testing"

	"github.com/rampart-cti/rampart"
)

func TestCollectionNames(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx := context.Background()
	plain := &rampart.Collection{APIRoot: DefaultAPIRoot, Title: "No alias", MediaTypes: []string{"application/stix+json;version=2.1"}}
	if err := an.Collections.CreateCollection(ctx, plain); err != nil {
		t.Fatal(err)
	}
	def := an.defaultCollection(t)
	names, err := an.CollectionNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if names[def.ID] != DefaultCollection || names[plain.ID] != plain.ID || len(names) != 2 {
		t.Errorf("CollectionNames = %v; want the default collection by its alias, the other by its id", names)
	}
}

func TestAmberAudience(t *testing.T) {
	an := openAuditNode(t, true, true)
	ctx, c := context.Background(), an.defaultCollection(t)
	if to, err := an.AmberAudience(ctx, c.ID); err != nil || to != nil {
		t.Fatalf("AmberAudience of a new collection = %v, %v; want nil: every member state", to, err)
	}
	if err := an.SetAmberAudience(ctx, c.ID, []string{auditOrgDE, auditOrgFR, auditOrgDE}); err != nil {
		t.Fatal(err)
	}
	if to, err := an.AmberAudience(ctx, c.ID); err != nil || !slices.Equal(to, []string{auditOrgFR, auditOrgDE}) {
		t.Errorf("AmberAudience after narrowing = %v, %v; want FR and DE, sorted, once each", to, err)
	}
	// Narrowing again replaces the audience read, whatever its version.
	if err := an.SetAmberAudience(ctx, c.ID, []string{auditOrgDE}); err != nil {
		t.Fatal(err)
	}
	if err := an.SetAmberAudience(ctx, c.ID, nil); err != nil {
		t.Fatal(err)
	}
	if to, err := an.AmberAudience(ctx, c.ID); err != nil || to != nil {
		t.Errorf("AmberAudience after widening = %v, %v; want nil", to, err)
	}
	if err := an.SetAmberAudience(ctx, c.ID, nil); err != nil {
		t.Errorf("widening an audience that is wide already: %v", err)
	}
	if err := an.SetAmberAudience(ctx, c.ID, []string{"CERT-Bund"}); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("SetAmberAudience of a name, not an identity id: %v, want EINVALID", err)
	}
	if an.Registry() == nil || an.Registry().Organization(auditOrgDE) == nil {
		t.Error("Registry() of a node with a registry lists no CERT-Bund")
	}
}

// defaultCollection returns the collection a new node starts with.
func (an *auditNode) defaultCollection(t *testing.T) *rampart.Collection {
	t.Helper()
	c, err := an.FindCollection(context.Background(), DefaultAPIRoot, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}
