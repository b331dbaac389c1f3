package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
)

const (
	orgOwn     = "identity--0a0a0a0a-0000-4000-8000-000000000001"
	orgMinistr = "identity--0a0a0a0a-0000-4000-8000-000000000002"
	orgBank    = "identity--0a0a0a0a-0000-4000-8000-000000000003"
	orgUnknown = "identity--0a0a0a0a-0000-4000-8000-0000000000ff"
)

func testOrganizations(t *testing.T, open func(t *testing.T) Services) {
	t.Run("CRUD", func(t *testing.T) {
		s := open(t)
		clock := time.Date(2026, 12, 1, 8, 0, 0, 654321000, time.UTC)
		s.SetClock(func() time.Time { return clock })
		orgs, err := s.Organizations.FindOrganizations(ctx)
		must(t, "find organisations of a new store", err)
		if len(orgs) != 0 {
			t.Errorf("a new store has %d organisations, want none", len(orgs))
		}
		bank := &rampart.Organization{ID: orgBank, Name: "A bank", Relation: rampart.RelationPartner, Country: "DE"}
		ministry := &rampart.Organization{ID: orgMinistr, Name: "A ministry", Relation: rampart.RelationConstituent}
		own := &rampart.Organization{ID: orgOwn, Name: "Z-CERT", Relation: rampart.RelationOwn, Country: "FR"}
		for _, o := range []*rampart.Organization{ministry, own, bank} {
			must(t, "create "+o.Name, s.Organizations.CreateOrganization(ctx, o))
		}
		if !own.CreatedAt.Equal(clock) {
			t.Errorf("CreatedAt = %v, want the store clock %v", own.CreatedAt, clock)
		}
		orgs, err = s.Organizations.FindOrganizations(ctx)
		must(t, "find organisations", err)
		if diff := cmp.Diff([]*rampart.Organization{own, bank, ministry}, orgs, cmpTime); diff != "" {
			t.Errorf("organisations, own first, then by name (-want +got):\n%s", diff)
		}
		got, err := s.Organizations.FindOrganizationByID(ctx, orgBank)
		must(t, "find by id", err)
		if diff := cmp.Diff(bank, got, cmpTime); diff != "" {
			t.Errorf("organisation (-want +got):\n%s", diff)
		}
		_, err = s.Organizations.FindOrganizationByID(ctx, orgUnknown)
		wantCode(t, "unknown organisation", err, rampart.ENOTFOUND)

		wantCode(t, "same id again", s.Organizations.CreateOrganization(ctx, &rampart.Organization{ID: orgBank, Name: "B", Relation: rampart.RelationPartner}), rampart.ECONFLICT)
		wantCode(t, "a second own organisation", s.Organizations.CreateOrganization(ctx, &rampart.Organization{ID: orgUnknown, Name: "Other CERT", Relation: rampart.RelationOwn}), rampart.ECONFLICT)
		_, err = s.Organizations.FindOrganizationByID(ctx, orgUnknown)
		wantCode(t, "a refused organisation", err, rampart.ENOTFOUND)

		// Update: everything but the id and CreatedAt.
		bank2 := &rampart.Organization{ID: orgBank, Name: "The bank", Relation: rampart.RelationConstituent, Country: "AT"}
		must(t, "update", s.Organizations.UpdateOrganization(ctx, bank2))
		got, err = s.Organizations.FindOrganizationByID(ctx, orgBank)
		must(t, "find updated", err)
		want := *bank2
		want.CreatedAt = clock
		if diff := cmp.Diff(&want, got, cmpTime); diff != "" {
			t.Errorf("updated organisation (-want +got):\n%s", diff)
		}
		wantCode(t, "update to a second own", s.Organizations.UpdateOrganization(ctx, &rampart.Organization{ID: orgBank, Name: "The bank", Relation: rampart.RelationOwn}), rampart.ECONFLICT)
		wantCode(t, "update of an unknown organisation", s.Organizations.UpdateOrganization(ctx, &rampart.Organization{ID: orgUnknown, Name: "X", Relation: rampart.RelationPartner}), rampart.ENOTFOUND)
		wantCode(t, "invalid update", s.Organizations.UpdateOrganization(ctx, &rampart.Organization{ID: orgBank, Relation: rampart.RelationPartner}), rampart.EINVALID)

		// The node's own organisation may move, one at a time.
		must(t, "own becomes a partner", s.Organizations.UpdateOrganization(ctx, &rampart.Organization{ID: orgOwn, Name: "Z-CERT", Relation: rampart.RelationPartner}))
		must(t, "the ministry becomes own", s.Organizations.UpdateOrganization(ctx, &rampart.Organization{ID: orgMinistr, Name: "A ministry", Relation: rampart.RelationOwn}))
		orgs, err = s.Organizations.FindOrganizations(ctx)
		must(t, "find organisations", err)
		var ids []string
		for _, o := range orgs {
			ids = append(ids, o.ID)
		}
		if diff := cmp.Diff([]string{orgMinistr, orgBank, orgOwn}, ids); diff != "" {
			t.Errorf("organisations after the own one moved (-want +got):\n%s", diff)
		}

		must(t, "delete", s.Organizations.DeleteOrganization(ctx, orgBank))
		wantCode(t, "delete again", s.Organizations.DeleteOrganization(ctx, orgBank), rampart.ENOTFOUND)
		_, err = s.Organizations.FindOrganizationByID(ctx, orgBank)
		wantCode(t, "deleted organisation", err, rampart.ENOTFOUND)
	})

	t.Run("Invalid", func(t *testing.T) {
		s := open(t)
		for _, o := range []rampart.Organization{
			{ID: "", Name: "X", Relation: rampart.RelationPartner},
			{ID: "indicator--0a0a0a0a-0000-4000-8000-000000000001", Name: "X", Relation: rampart.RelationPartner},
			{ID: orgBank, Name: "", Relation: rampart.RelationPartner},
			{ID: orgBank, Name: "X", Relation: ""},
			{ID: orgBank, Name: "X", Relation: rampart.RelationPeer},
			{ID: orgBank, Name: "X", Relation: rampart.RelationPartner, Country: "fr"},
			{ID: orgBank, Name: "X", Relation: rampart.RelationPartner, Country: "FRA"},
		} {
			wantCode(t, fmt.Sprintf("create %+v", o), s.Organizations.CreateOrganization(ctx, &o), rampart.EINVALID)
		}
		orgs, err := s.Organizations.FindOrganizations(ctx)
		must(t, "find organisations", err)
		if len(orgs) != 0 {
			t.Errorf("invalid organisations were stored: %d", len(orgs))
		}
	})

	t.Run("OneOwnConcurrently", func(t *testing.T) {
		s := open(t)
		const writers = 8
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				errs[i] = s.Organizations.CreateOrganization(ctx, &rampart.Organization{
					ID: fmt.Sprintf("identity--0b0b0b0b-0000-4000-8000-%012d", i), Name: fmt.Sprintf("CERT %d", i), Relation: rampart.RelationOwn})
			})
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch rampart.ErrorCode(err) {
			case "":
				won++
			case rampart.ECONFLICT:
			default:
				t.Errorf("writer %d: %v, want success or ECONFLICT", i, err)
			}
		}
		orgs, err := s.Organizations.FindOrganizations(ctx)
		must(t, "find organisations", err)
		if won != 1 || len(orgs) != 1 {
			t.Errorf("%d writers created an own organisation and %d are stored, want exactly one", won, len(orgs))
		}
	})
}
