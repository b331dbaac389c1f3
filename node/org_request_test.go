package node

import (
	"context"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
)

func TestOrgRequestCheck(t *testing.T) {
	for _, tc := range []struct {
		r    OrgRequest
		want string
	}{
		{OrgRequest{Op: "init", OrgInit: OrgInit{Name: "CERT-FR", Country: "fr"}}, ""},
		{OrgRequest{Op: "init"}, "org init needs --name NAME"},
		{OrgRequest{Op: "add", OrgInit: OrgInit{ID: auditOrgDE}, Relation: rampart.RelationPartner}, "org add needs --name NAME"},
		{OrgRequest{Op: "add", OrgInit: OrgInit{ID: auditOrgDE, Name: "CERT-Bund"}}, `org add needs --relation constituent or --relation partner (got "")`},
		{OrgRequest{Op: "add", OrgInit: OrgInit{ID: auditOrgDE, Name: "CERT-Bund"}, Relation: "friend"}, `(got "friend")`},
		{OrgRequest{Op: "add", OrgInit: OrgInit{ID: auditOrgDE, Name: "CERT-Bund"}, Relation: rampart.RelationConstituent}, ""},
		{OrgRequest{Op: "remove", OrgInit: OrgInit{ID: auditOrgDE}}, ""},
	} {
		r := tc.r
		err := r.Check()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v: %v, want none", tc.r, err)
			}
			if r.Country != strings.ToUpper(tc.r.Country) {
				t.Errorf("%+v: country %q, want it in upper case", tc.r, r.Country)
			}
			continue
		}
		if _, ok := AsConfigError(err); !ok || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want a ConfigError with %q", tc.r, err, tc.want)
		}
	}
}

func TestAddOrganization(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx := context.Background()
	r := OrgRequest{Op: "add", OrgInit: OrgInit{ID: auditOrgDE, Name: "CERT-Bund", Country: "de"}, Relation: rampart.RelationPartner}
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	o, err := an.AddOrganization(ctx, r)
	if err != nil || o.ID != auditOrgDE || o.Relation != rampart.RelationPartner || o.Country != "DE" {
		t.Fatalf("AddOrganization = %+v, %v; want CERT-Bund, a partner in DE", o, err)
	}
	got, err := an.Organizations.FindOrganizationByID(ctx, auditOrgDE)
	if err != nil || got.Name != "CERT-Bund" || got.Relation != rampart.RelationPartner {
		t.Errorf("stored %+v, %v; want CERT-Bund, a partner", got, err)
	}
	if _, err := an.AddOrganization(ctx, r); rampart.ErrorCode(err) != rampart.ECONFLICT {
		t.Errorf("added twice: %v, want ECONFLICT", err)
	}
}
