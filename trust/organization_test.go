package trust

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestResolveOrganizations(t *testing.T) {
	reg := newTestFed(t).reg
	for _, tt := range []struct {
		names   []string
		role    Role
		want    []string
		wantErr string
	}{
		{names: []string{"FR", "de", "CSIRT Italia", orgHub}, want: []string{orgFR, orgDE, orgIT, orgHub}},
		{names: []string{"it", orgFR}, role: RoleNationalCSIRT, want: []string{orgIT, orgFR}},
		{names: []string{"EU hub"}, role: RoleNationalCSIRT, wantErr: "EU hub (" + orgHub + ") is a hub, not a national-csirt"},
		{names: []string{"EU"}, wantErr: `registry version 1 has no national CSIRT of "EU", nor an organisation of that name`},
		{names: []string{"NO"}, wantErr: `has no national CSIRT of "NO"`}, // an observer is no member state's CSIRT
		{names: []string{"FR", "identity--99999999-9999-4999-8999-999999999999"}, wantErr: "identity--99999999-9999-4999-8999-999999999999 is not in registry version 1"},
	} {
		got, err := reg.ResolveOrganizations(tt.names, tt.role)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ResolveOrganizations(%q, %q) = %v, %v; want error %q", tt.names, tt.role, got, err, tt.wantErr)
			}
		case err != nil || !slices.Equal(got, tt.want):
			t.Errorf("ResolveOrganizations(%q, %q) = %v, %v; want %v", tt.names, tt.role, got, err, tt.want)
		}
	}
}

func TestResolveOrganizationAmbiguous(t *testing.T) {
	f := newTestFed(t)
	twin := f.doc.Organization(orgIT).Clone()
	twin.ID, twin.Name = "identity--66666666-6666-4666-8666-666666666666", "CERT-FR"
	id, err := GenerateIdentity(EUPQBase, twin.ID)
	if err != nil {
		t.Fatal(err)
	}
	twin.Keys = validKeys(id, t0.AddDate(-1, 0, 0), time.Time{})
	if err := f.doc.SetOrganization(twin, t0); err != nil {
		t.Fatal(err)
	}
	f.publish(t, f.auth[0], f.auth[1])
	_, err = f.reg.ResolveOrganization("CERT-FR")
	if err == nil || !strings.Contains(err.Error(), `has 2 organisations for "CERT-FR"; give the identity id`) {
		t.Errorf("ResolveOrganization(CERT-FR) with two of that name: %v", err)
	}
}

func TestOrganizationEdit(t *testing.T) {
	f := newTestFed(t)
	o := f.doc.Organization(orgFR)
	c := o.Clone()
	c.AddNodes("https://FR.node.example/", "https://fr2.node.example/")
	keys := validKeys(f.ids[orgFR], t0, t0.Add(time.Hour)) // the same ids: listed already
	if n := c.AddKeys(keys...); n != 0 {
		t.Errorf("AddKeys of listed keys added %d", n)
	}
	if n := c.AddKeys(validKeys(f.ids[orgDE], t0, time.Time{})...); n != 3 {
		t.Errorf("AddKeys of new keys added %d, want 3", n)
	}
	if !slices.Equal(c.Nodes, []string{"https://FR.node.example/", "https://fr2.node.example/"}) || len(c.Keys) != 6 {
		t.Errorf("edited copy has nodes %q and %d keys; want two nodes and 6 keys", c.Nodes, len(c.Keys))
	}
	if len(o.Nodes) != 1 || len(o.Keys) != 3 {
		t.Errorf("editing the copy changed the original: %q, %d keys", o.Nodes, len(o.Keys))
	}
}
