package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rampart-cti/rampart"
)

func testAccounts(t *testing.T, open func(t *testing.T) Services) {
	s := open(t)
	coll := setup(t, s)
	other := &rampart.Collection{APIRoot: "api", Title: "other"}
	must(t, "create collection", s.Collections.CreateCollection(ctx, other))
	const pw = "correct horse battery staple"

	t.Run("create", func(t *testing.T) {
		must(t, "create admin", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "admin", Admin: true}, pw))
		must(t, "create user", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "user1",
			Grants: []rampart.Grant{{CollectionID: coll, Read: true}}}, pw))
		wantCode(t, "duplicate name", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "admin"}, pw), rampart.ECONFLICT)
		wantCode(t, "empty name", s.Accounts.CreateAccount(ctx, &rampart.Account{}, pw), rampart.EINVALID)
		wantCode(t, "short password", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "user2"}, "elevenchars"), rampart.EINVALID)
		wantCode(t, "grant on a missing collection", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "user3",
			Grants: []rampart.Grant{{CollectionID: "12345678-1234-1234-1234-123456789012", Read: true}}}, pw), rampart.ENOTFOUND)
		if _, err := s.Accounts.FindAccountByName(ctx, "user3"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
			t.Errorf("a failed CreateAccount left the account behind (%v)", err)
		}
		wantCode(t, "twelve characters", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "user2"}, "twelve chars"), "")

		a, err := s.Accounts.FindAccountByName(ctx, "user1")
		must(t, "find user1", err)
		if a.Name != "user1" || a.Admin || a.CreatedAt.IsZero() || !cmp.Equal(a.Grants, []rampart.Grant{{CollectionID: coll, Read: true}}) {
			t.Errorf("user1 = %+v", a)
		}
		_, err = s.Accounts.FindAccountByName(ctx, "nobody")
		wantCode(t, "unknown account", err, rampart.ENOTFOUND)
		all, err := s.Accounts.FindAccounts(ctx)
		must(t, "find accounts", err)
		var names []string
		for _, a := range all {
			names = append(names, a.Name)
			if a.Name == "user1" && len(a.Grants) != 1 {
				t.Errorf("FindAccounts: user1 has grants %+v", a.Grants)
			}
		}
		if diff := cmp.Diff([]string{"admin", "user1", "user2"}, names); diff != "" {
			t.Errorf("FindAccounts names (-want +got):\n%s", diff)
		}
	})

	t.Run("authenticate", func(t *testing.T) {
		a, err := s.Accounts.Authenticate(ctx, "admin", pw)
		must(t, "authenticate admin", err)
		if a.Name != "admin" || !a.Admin {
			t.Errorf("Authenticate returned %+v", a)
		}
		_, errWrong := s.Accounts.Authenticate(ctx, "admin", pw+"!")
		wantCode(t, "wrong password", errWrong, rampart.EUNAUTHORIZED)
		_, errUnknown := s.Accounts.Authenticate(ctx, "nobody", pw)
		wantCode(t, "unknown name", errUnknown, rampart.EUNAUTHORIZED)
		if rampart.ErrorMessage(errWrong) != rampart.ErrorMessage(errUnknown) {
			t.Errorf("messages differ for a wrong password (%q) and an unknown name (%q): they reveal which names exist",
				rampart.ErrorMessage(errWrong), rampart.ErrorMessage(errUnknown))
		}
		must(t, "set password", s.Accounts.SetPassword(ctx, "admin", "another long password"))
		_, err = s.Accounts.Authenticate(ctx, "admin", pw)
		wantCode(t, "old password", err, rampart.EUNAUTHORIZED)
		_, err = s.Accounts.Authenticate(ctx, "admin", "another long password")
		wantCode(t, "new password", err, "")
		wantCode(t, "set short password", s.Accounts.SetPassword(ctx, "admin", "short"), rampart.EINVALID)
		wantCode(t, "set password of nobody", s.Accounts.SetPassword(ctx, "nobody", pw), rampart.ENOTFOUND)
	})

	// Caches of verified passwords compare the stamp on every use: it must
	// change with the password, and every way of reading an account must
	// give the same one.
	t.Run("password stamp", func(t *testing.T) {
		stamps := func() (found, listed, authed string) {
			a, err := s.Accounts.FindAccountByName(ctx, "user2")
			must(t, "find user2", err)
			all, err := s.Accounts.FindAccounts(ctx)
			must(t, "find accounts", err)
			for _, b := range all {
				if b.Name == "user2" {
					listed = b.PasswordStamp
				}
			}
			b, err := s.Accounts.Authenticate(ctx, "user2", "twelve chars")
			must(t, "authenticate user2", err)
			return a.PasswordStamp, listed, b.PasswordStamp
		}
		found, listed, authed := stamps()
		if found == "" || found != listed || found != authed {
			t.Fatalf("stamps: FindAccountByName %q, FindAccounts %q, Authenticate %q; want one non-empty stamp", found, listed, authed)
		}
		must(t, "set the same password again", s.Accounts.SetPassword(ctx, "user2", "twelve chars"))
		again, _, _ := stamps()
		if again == found {
			t.Errorf("stamp %q unchanged after SetPassword: a cache would keep accepting the old password", again)
		}
		if strings.Contains(strings.ToLower(again), "argon") || strings.Contains(again, "$") {
			t.Errorf("stamp %q looks like the password hash itself", again)
		}
	})

	t.Run("tokens", func(t *testing.T) {
		tok, err := s.Accounts.CreateToken(ctx, "user1", "siem")
		must(t, "create token", err)
		tok2, err := s.Accounts.CreateToken(ctx, "user1", "siem 2")
		must(t, "create second token", err)
		if tok == tok2 || !strings.HasPrefix(tok, "rmp_") {
			t.Errorf("tokens %q, %q: want distinct rmp_ tokens", tok, tok2)
		}
		for _, tk := range []string{tok, tok2} {
			a, err := s.Accounts.AuthenticateToken(ctx, tk)
			must(t, "authenticate token", err)
			if a.Name != "user1" || len(a.Grants) != 1 {
				t.Errorf("token account = %+v", a)
			}
		}
		for _, bad := range []string{"", "rmp_", tok[:len(tok)-1] + "x", "Bearer " + tok, strings.ToUpper(tok)} {
			_, err := s.Accounts.AuthenticateToken(ctx, bad)
			wantCode(t, "bad token "+bad, err, rampart.EUNAUTHORIZED)
		}
		_, err = s.Accounts.CreateToken(ctx, "nobody", "x")
		wantCode(t, "token for nobody", err, rampart.ENOTFOUND)
	})

	t.Run("token list and revoke", func(t *testing.T) {
		tok, err := s.Accounts.CreateToken(ctx, "user2", "pull")
		must(t, "create token", err)
		_, err = s.Accounts.CreateToken(ctx, "user2", "twin")
		must(t, "create token", err)
		_, err = s.Accounts.CreateToken(ctx, "user2", "twin")
		must(t, "create token", err)
		list, err := s.Accounts.FindTokens(ctx, "user2")
		must(t, "find tokens", err)
		var labels []string
		var pull *rampart.Token
		for _, tk := range list {
			labels = append(labels, tk.Label)
			if len(tk.ID) != 12 || strings.Contains(tok, tk.ID) || tk.Account != "user2" || tk.CreatedAt.IsZero() {
				t.Errorf("token %+v: want a 12-digit ID that is no part of a token, its account and its creation time", tk)
			}
			if tk.Label == "pull" {
				pull = tk
			}
		}
		if diff := cmp.Diff([]string{"pull", "twin", "twin"}, labels, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" || pull == nil {
			t.Fatalf("FindTokens labels (-want +got):\n%s", diff)
		}
		_, err = s.Accounts.FindTokens(ctx, "nobody")
		wantCode(t, "tokens of nobody", err, rampart.ENOTFOUND)
		if other, err := s.Accounts.FindTokens(ctx, "admin"); err != nil || len(other) != 0 {
			t.Errorf("FindTokens(admin) = %v, %v; want none: tokens of user2 are not admin's", other, err)
		}

		// Revoked by ID: refused at once; the account's other tokens work.
		_, err = s.Accounts.DeleteToken(ctx, "admin", pull.ID)
		wantCode(t, "revoke another account's token", err, rampart.ENOTFOUND)
		got, err := s.Accounts.DeleteToken(ctx, "user2", strings.ToUpper(pull.ID))
		must(t, "revoke by ID", err)
		if got.ID != pull.ID || got.Label != "pull" {
			t.Errorf("DeleteToken returned %+v, want %+v", got, pull)
		}
		_, err = s.Accounts.AuthenticateToken(ctx, tok)
		wantCode(t, "revoked token", err, rampart.EUNAUTHORIZED)
		_, err = s.Accounts.DeleteToken(ctx, "user2", pull.ID)
		wantCode(t, "revoke again", err, rampart.ENOTFOUND)

		// A label names one token, or it is ambiguous.
		_, err = s.Accounts.DeleteToken(ctx, "user2", "twin")
		wantCode(t, "revoke by an ambiguous label", err, rampart.ECONFLICT)
		if msg := rampart.ErrorMessage(err); !strings.Contains(msg, "by its ID") {
			t.Errorf("ambiguous label: %q does not say what to do", msg)
		}
		list, err = s.Accounts.FindTokens(ctx, "user2")
		must(t, "find tokens", err)
		if len(list) != 2 {
			t.Fatalf("after an ambiguous revocation %d tokens are left, want 2", len(list))
		}
		must(t, "revoke a twin by ID", errOf(s.Accounts.DeleteToken(ctx, "user2", list[0].ID)))
		must(t, "revoke the other twin by label", errOf(s.Accounts.DeleteToken(ctx, "user2", "twin")))
		_, err = s.Accounts.DeleteToken(ctx, "user2", "twin")
		wantCode(t, "revoke a label no token has", err, rampart.ENOTFOUND)
		_, err = s.Accounts.DeleteToken(ctx, "nobody", "twin")
		wantCode(t, "revoke a token of nobody", err, rampart.ENOTFOUND)
	})

	t.Run("grants", func(t *testing.T) {
		must(t, "grant write", s.Accounts.SetGrant(ctx, "user1", rampart.Grant{CollectionID: other.ID, Write: true}))
		must(t, "grant read+write", s.Accounts.SetGrant(ctx, "user1", rampart.Grant{CollectionID: coll, Read: true, Write: true}))
		a, err := s.Accounts.FindAccountByName(ctx, "user1")
		must(t, "find", err)
		want := []rampart.Grant{{CollectionID: coll, Read: true, Write: true}, {CollectionID: other.ID, Write: true}}
		if coll > other.ID {
			want[0], want[1] = want[1], want[0]
		}
		if diff := cmp.Diff(want, a.Grants); diff != "" {
			t.Errorf("grants (-want +got):\n%s", diff)
		}
		if !a.CanRead(coll) || a.CanRead(other.ID) || !a.CanWrite(other.ID) {
			t.Errorf("permissions wrong for %+v", a.Grants)
		}
		must(t, "visible-only grant", s.Accounts.SetGrant(ctx, "user1", rampart.Grant{CollectionID: other.ID}))
		a, err = s.Accounts.FindAccountByName(ctx, "user1")
		must(t, "find", err)
		if len(a.Grants) != 2 || !a.CanSee(other.ID) || a.CanRead(other.ID) || a.CanWrite(other.ID) {
			t.Errorf("after a grant without access: %+v", a.Grants)
		}
		must(t, "remove grant", s.Accounts.DeleteGrant(ctx, "user1", other.ID))
		a, err = s.Accounts.FindAccountByName(ctx, "user1")
		must(t, "find", err)
		if len(a.Grants) != 1 || a.Grants[0].CollectionID != coll || a.CanSee(other.ID) {
			t.Errorf("after removing a grant: %+v", a.Grants)
		}
		wantCode(t, "remove a missing grant", s.Accounts.DeleteGrant(ctx, "user1", other.ID), rampart.ENOTFOUND)
		wantCode(t, "remove a grant of nobody", s.Accounts.DeleteGrant(ctx, "nobody", coll), rampart.ENOTFOUND)
		wantCode(t, "grant for nobody", s.Accounts.SetGrant(ctx, "nobody", rampart.Grant{CollectionID: coll, Read: true}), rampart.ENOTFOUND)
		wantCode(t, "grant on a missing collection", s.Accounts.SetGrant(ctx, "user1", rampart.Grant{CollectionID: "12345678-1234-1234-1234-123456789012", Read: true}), rampart.ENOTFOUND)
	})

	t.Run("organization", func(t *testing.T) {
		must(t, "create organisation", s.Organizations.CreateOrganization(ctx, &rampart.Organization{ID: orgBank, Name: "A bank", Relation: rampart.RelationPartner}))
		a, err := s.Accounts.FindAccountByName(ctx, "user1")
		must(t, "find", err)
		if a.Organization != "" {
			t.Errorf("an account created without an organisation belongs to %q, want the node's own (\"\")", a.Organization)
		}
		must(t, "create an account of the organisation", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "banker", Organization: orgBank}, pw))
		wantCode(t, "account of an unknown organisation", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "stranger", Organization: orgUnknown}, pw), rampart.ENOTFOUND)
		if _, err := s.Accounts.FindAccountByName(ctx, "stranger"); rampart.ErrorCode(err) != rampart.ENOTFOUND {
			t.Errorf("a refused CreateAccount left the account behind (%v)", err)
		}
		// Every way of reading an account says its organisation.
		a, err = s.Accounts.FindAccountByName(ctx, "banker")
		must(t, "find banker", err)
		if a.Organization != orgBank {
			t.Errorf("FindAccountByName: organisation %q, want %q", a.Organization, orgBank)
		}
		a, err = s.Accounts.Authenticate(ctx, "banker", pw)
		must(t, "authenticate banker", err)
		if a.Organization != orgBank {
			t.Errorf("Authenticate: organisation %q, want %q", a.Organization, orgBank)
		}
		tok, err := s.Accounts.CreateToken(ctx, "banker", "siem")
		must(t, "create token", err)
		a, err = s.Accounts.AuthenticateToken(ctx, tok)
		must(t, "authenticate token", err)
		if a.Organization != orgBank {
			t.Errorf("AuthenticateToken: organisation %q, want %q", a.Organization, orgBank)
		}
		orgOf := func() map[string]string {
			all, err := s.Accounts.FindAccounts(ctx)
			must(t, "find accounts", err)
			m := make(map[string]string)
			for _, a := range all {
				m[a.Name] = a.Organization
			}
			return m
		}
		if got := orgOf(); got["banker"] != orgBank || got["user1"] != "" {
			t.Errorf("FindAccounts: organisations %v", got)
		}

		must(t, "move user1 to the bank", s.Accounts.SetOrganization(ctx, "user1", orgBank))
		if got := orgOf()["user1"]; got != orgBank {
			t.Errorf("after SetOrganization: user1 belongs to %q, want %q", got, orgBank)
		}
		wantCode(t, "move to an unknown organisation", s.Accounts.SetOrganization(ctx, "user1", orgUnknown), rampart.ENOTFOUND)
		wantCode(t, "move an unknown account", s.Accounts.SetOrganization(ctx, "nobody", orgBank), rampart.ENOTFOUND)
		if got := orgOf()["user1"]; got != orgBank {
			t.Errorf("after a refused SetOrganization: user1 belongs to %q, want %q still", got, orgBank)
		}

		// An organisation with accounts stays.
		wantCode(t, "delete an organisation with accounts", s.Organizations.DeleteOrganization(ctx, orgBank), rampart.ECONFLICT)
		must(t, "move user1 back to the node's own", s.Accounts.SetOrganization(ctx, "user1", ""))
		wantCode(t, "delete an organisation with one account", s.Organizations.DeleteOrganization(ctx, orgBank), rampart.ECONFLICT)
		must(t, "delete banker", s.Accounts.DeleteAccount(ctx, "banker"))
		must(t, "delete the organisation without accounts", s.Organizations.DeleteOrganization(ctx, orgBank))
		if got := orgOf()["user1"]; got != "" {
			t.Errorf("user1 belongs to %q, want the node's own", got)
		}
	})

	t.Run("delete", func(t *testing.T) {
		tok, err := s.Accounts.CreateToken(ctx, "user1", "doomed")
		must(t, "create token", err)
		must(t, "delete", s.Accounts.DeleteAccount(ctx, "user1"))
		wantCode(t, "delete again", s.Accounts.DeleteAccount(ctx, "user1"), rampart.ENOTFOUND)
		_, err = s.Accounts.AuthenticateToken(ctx, tok)
		wantCode(t, "token of a deleted account", err, rampart.EUNAUTHORIZED)
		// A new account of the same name inherits nothing.
		must(t, "re-create", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "user1"}, pw))
		_, err = s.Accounts.AuthenticateToken(ctx, tok)
		wantCode(t, "old token on the new account", err, rampart.EUNAUTHORIZED)
		a, err := s.Accounts.FindAccountByName(ctx, "user1")
		must(t, "find", err)
		if len(a.Grants) != 0 {
			t.Errorf("re-created account has the old grants %+v", a.Grants)
		}
		// Same name, same password: still another stamp, so that a cache
		// does not take the new account's login for the old one's.
		must(t, "delete again", s.Accounts.DeleteAccount(ctx, "user1"))
		must(t, "re-create again", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "user1"}, pw))
		b, err := s.Accounts.FindAccountByName(ctx, "user1")
		must(t, "find", err)
		if b.PasswordStamp == a.PasswordStamp {
			t.Errorf("an account made again with the same password has the same stamp %q", b.PasswordStamp)
		}
	})
}

func testLastAdmin(t *testing.T, open func(t *testing.T) Services) {
	const pw = "correct horse battery staple"
	t.Run("Sequential", func(t *testing.T) {
		s := open(t)
		must(t, "create admin", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "root", Admin: true}, pw))
		must(t, "create user", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "user"}, pw))
		err := s.Accounts.DeleteAccount(ctx, "root")
		wantCode(t, "delete the only administrator", err, rampart.ECONFLICT)
		if msg := rampart.ErrorMessage(err); !strings.Contains(msg, "last administrator") || !strings.Contains(msg, "create another administrator first") {
			t.Errorf("message %q does not say why, nor what to do", msg)
		}
		if _, err := s.Accounts.FindAccountByName(ctx, "root"); err != nil {
			t.Errorf("the refused deletion removed the administrator: %v", err)
		}
		must(t, "delete a user while one administrator is left", s.Accounts.DeleteAccount(ctx, "user"))
		must(t, "create another admin", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: "root2", Admin: true}, pw))
		must(t, "delete one of two administrators", s.Accounts.DeleteAccount(ctx, "root"))
		wantCode(t, "delete the administrator left", s.Accounts.DeleteAccount(ctx, "root2"), rampart.ECONFLICT)
		wantCode(t, "delete an unknown account", s.Accounts.DeleteAccount(ctx, "root"), rampart.ENOTFOUND)
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := open(t)
		const admins = 4
		for i := range admins {
			must(t, "create admin", s.Accounts.CreateAccount(ctx, &rampart.Account{Name: fmt.Sprintf("admin%d", i), Admin: true}, pw))
		}
		errs := make([]error, admins)
		var wg sync.WaitGroup
		for i := range admins {
			wg.Go(func() { errs[i] = s.Accounts.DeleteAccount(ctx, fmt.Sprintf("admin%d", i)) })
		}
		wg.Wait()
		deleted := 0
		for i, err := range errs {
			switch rampart.ErrorCode(err) {
			case "":
				deleted++
			case rampart.ECONFLICT:
			default:
				t.Errorf("delete admin%d: %v, want success or ECONFLICT", i, err)
			}
		}
		all, err := s.Accounts.FindAccounts(ctx)
		must(t, "find accounts", err)
		if deleted != admins-1 || len(all) != 1 || !all[0].Admin {
			t.Errorf("%d of %d administrators deleted at once, %d accounts left; want all but one deleted", deleted, admins, len(all))
		}
	})
}

// errOf returns the error of a call that also returns a value.
func errOf[T any](_ T, err error) error { return err }
