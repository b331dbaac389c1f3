package node

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
)

func TestGrantAccess(t *testing.T) {
	for _, tc := range []struct {
		read, write bool
		want        string
	}{{true, true, "rw"}, {true, false, "r"}, {false, true, "w"}, {false, false, "visible"}} {
		if got := grantAccess(rampart.Grant{Read: tc.read, Write: tc.write}); got != tc.want {
			t.Errorf("read %v write %v: %q, want %q", tc.read, tc.write, got, tc.want)
		}
	}
}

func TestAccountsAndTokens(t *testing.T) {
	ctx := context.Background()
	n := openAuditNode(t, true, true).Node
	const operator = "identity--33333333-3333-4333-8333-333333333333"
	if err := n.Organizations.CreateOrganization(ctx, &rampart.Organization{ID: operator, Name: "Grid operator", Relation: rampart.RelationConstituent}); err != nil {
		t.Fatal(err)
	}
	if err := n.Accounts.CreateAccount(ctx, &rampart.Account{Name: "siem", Organization: operator}, "a-long-test-password"); err != nil {
		t.Fatal(err)
	}
	if err := n.SetGrant(ctx, "siem", DefaultAPIRoot, DefaultCollection, true, false, false); err != nil {
		t.Fatal(err)
	}
	got, err := n.AccountSummaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []AccountSummary{
		{Name: AdminName, Admin: true, Organization: "(own)"},
		{Name: "siem", Organization: "Grid operator", Grants: []string{DefaultCollection + ":r"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AccountSummaries (-want +got):\n%s", diff)
	}
	if err := n.SetGrant(ctx, "siem", DefaultAPIRoot, DefaultCollection, false, false, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := n.AccountSummaries(ctx); len(got) != 2 || len(got[1].Grants) != 0 {
		t.Errorf("after revoking: %+v", got)
	}
	if err := n.SetGrant(ctx, "siem", DefaultAPIRoot, "no-such-collection", true, false, false); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("grant on a missing collection: %v; want ENOTFOUND", err)
	}

	tok, id, err := n.CreateToken(ctx, "siem", "pull")
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := n.Accounts.FindTokens(ctx, "siem")
	if err != nil || len(tokens) != 1 || tokens[0].ID != id || tokens[0].Label != "pull" || tok == "" || tok == id {
		t.Errorf("token %q id %q; stored %+v, %v", tok, id, tokens, err)
	}
	if _, _, err := n.CreateToken(ctx, "nobody", "x"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
		t.Errorf("token for nobody: %v; want ENOTFOUND", err)
	}
}
