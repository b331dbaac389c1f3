package web

import (
	"crypto/rand"
	"net/http"
	"strings"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/passhash"
)

// accountRow is an account as the list shows it: its organisation by
// name, its grants by collection name.
type accountRow struct {
	*rampart.Account
	Path    string
	OrgName string
	Grants  []grantRow
	Tokens  int
}

type grantRow struct {
	Collection string
	Access     string
}

// orgOption is an organisation an account may belong to; ID "" is the
// node's own.
type orgOption struct {
	ID, Name string
}

// accountForm is what the form that makes an account was sent with.
type accountForm struct {
	Name, Organization string
	Admin              bool
}

type accountsData struct {
	Accounts []accountRow
	Orgs     []orgOption
	Form     accountForm
	Refusal  *refusal
}

// accessWords are the access a grant gives, as the grant form names it.
var accessWords = map[string]string{"none": "no access", "visible": "visible only", "read": "read", "write": "write", "readwrite": "read and write"}

// accessOf returns the grant form's value for a grant.
func accessOf(g rampart.Grant) string {
	switch {
	case g.Read && g.Write:
		return "readwrite"
	case g.Read:
		return "read"
	case g.Write:
		return "write"
	}
	return "visible"
}

// collectionNames returns, by collection id, how people know each
// collection: its title and its alias.
func (c *console) collectionNames(r *http.Request) ([]*rampart.Collection, map[string]string, error) {
	colls, err := c.s.Collections.FindCollections(r.Context(), rampart.CollectionFilter{})
	if err != nil {
		return nil, nil, err
	}
	names := make(map[string]string, len(colls))
	for _, cl := range colls {
		name := cl.Title
		if name == "" {
			name = cl.ID
		}
		if cl.Alias != "" && cl.Alias != name {
			name += " (" + cl.Alias + ")"
		}
		names[cl.ID] = name
	}
	return colls, names, nil
}

// orgOptions lists the organisations an account may be moved to, the
// node's own first.
func orgOptions(orgs []*rampart.Organization, name func(string) string) []orgOption {
	out := []orgOption{{ID: "", Name: name("") + " (this node's)"}}
	for _, o := range orgs {
		if o.Relation != rampart.RelationOwn {
			out = append(out, orgOption{ID: o.ID, Name: o.Name + " (" + string(o.Relation) + ")"})
		}
	}
	return out
}

func (c *console) adminAccounts(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showAccounts(w, r, v, accountForm{}, nil)
}

func (c *console) showAccounts(w http.ResponseWriter, r *http.Request, v *visit, form accountForm, f *refusal) error {
	ctx := r.Context()
	accts, err := c.s.Accounts.FindAccounts(ctx)
	if err != nil {
		return err
	}
	_, colls, err := c.collectionNames(r)
	if err != nil {
		return err
	}
	orgs, err := c.organisations(ctx)
	if err != nil {
		return err
	}
	name := c.orgNamer(orgs)
	d := accountsData{Orgs: orgOptions(orgs, name), Form: form, Refusal: f}
	for _, a := range accts {
		row := accountRow{Account: a, Path: adminPath("accounts", a.Name), OrgName: name(a.Organization)}
		toks, err := c.s.Accounts.FindTokens(ctx, a.Name)
		if err != nil && rampart.ErrorCode(err) != rampart.ENOTFOUND { // deleted meanwhile
			return err
		}
		row.Tokens = len(toks)
		for _, g := range a.Grants {
			cn := colls[g.CollectionID]
			if cn == "" {
				cn = g.CollectionID
			}
			row.Grants = append(row.Grants, grantRow{cn, accessWords[accessOf(g)]})
		}
		d.Accounts = append(d.Accounts, row)
	}
	return c.showAdmin(w, r, v, f.status(), "admin_accounts", "Accounts", d)
}

// secretData is a password or token shown once, in the answer to the
// form that made it: it is never put in a URL, a log or a later page.
type secretData struct {
	Title   string
	Account string
	// Kind is "password" or "token".
	Kind    string
	Secret  string
	TokenID string
	Label   string
	// SignedOut says the account's sessions were ended.
	SignedOut bool
	// Self says the account is the one signed in.
	Self bool
	Back string
}

func (c *console) showSecret(w http.ResponseWriter, r *http.Request, v *visit, d secretData) error {
	d.Back = adminPath("accounts", d.Account)
	d.Self = d.Account == v.account.Name
	return c.showAdmin(w, r, v, http.StatusOK, "admin_secret", d.Title, d)
}

// newPassword returns a password for an account, as "rampart user add"
// makes one: 26 random characters, 130 bits.
func newPassword() string { return rand.Text() }

func (c *console) createAccount(w http.ResponseWriter, r *http.Request, v *visit) error {
	form := accountForm{Name: strings.TrimSpace(r.PostForm.Get("name")), Organization: r.PostForm.Get("organization"), Admin: r.PostForm.Get("admin") == "on"}
	a := &rampart.Account{Name: form.Name, Admin: form.Admin, Organization: form.Organization}
	password := newPassword()
	if err := c.s.Accounts.CreateAccount(r.Context(), a, password); err != nil {
		if f := refused(err); f != nil {
			return c.showAccounts(w, r, v, form, f)
		}
		return err
	}
	c.s.logger().Info("console: account created", "account", a.Name, "admin", a.Admin, "by", v.account.Name)
	return c.showSecret(w, r, v, secretData{Title: "Account created", Account: a.Name, Kind: "password", Secret: password})
}

type accountData struct {
	Account     *rampart.Account
	Path        string
	OrgName     string
	Orgs        []orgOption
	Collections []collectionAccess
	Tokens      []*rampart.Token
	Self        bool
	Refusal     *refusal
}

// collectionAccess is what an account may do with one collection.
type collectionAccess struct {
	ID, Name, APIRoot string
	// Access is the grant form's value: "none" without a grant.
	Access string
}

func (c *console) adminAccount(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showAccount(w, r, v, nil)
}

func (c *console) showAccount(w http.ResponseWriter, r *http.Request, v *visit, f *refusal) error {
	ctx := r.Context()
	a, err := c.s.Accounts.FindAccountByName(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	colls, names, err := c.collectionNames(r)
	if err != nil {
		return err
	}
	orgs, err := c.organisations(ctx)
	if err != nil {
		return err
	}
	name := c.orgNamer(orgs)
	d := accountData{Account: a, Path: adminPath("accounts", a.Name), OrgName: name(a.Organization), Orgs: orgOptions(orgs, name),
		Self: a.Name == v.account.Name, Refusal: f}
	for _, cl := range colls {
		ca := collectionAccess{ID: cl.ID, Name: names[cl.ID], APIRoot: cl.APIRoot, Access: "none"}
		for _, g := range a.Grants {
			if g.CollectionID == cl.ID {
				ca.Access = accessOf(g)
			}
		}
		d.Collections = append(d.Collections, ca)
	}
	if d.Tokens, err = c.s.Accounts.FindTokens(ctx, a.Name); err != nil {
		return err
	}
	return c.showAdmin(w, r, v, f.status(), "admin_account", a.Name, d)
}

// changeAccount makes a change to the account of the request, then shows
// its page again: with a notice when done, with why when refused.
func (c *console) changeAccount(w http.ResponseWriter, r *http.Request, v *visit, notice string, fn func(name string) error) error {
	name := r.PathValue("name")
	if err := fn(name); err != nil {
		if f := refused(err); f != nil {
			return c.showAccount(w, r, v, f)
		}
		return err
	}
	return done(w, r, adminPath("accounts", name), notice)
}

func (c *console) deleteAccount(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := r.PathValue("name")
	// The last administrator is refused by the account service itself,
	// atomically, as "rampart user delete" is.
	if err := c.s.Accounts.DeleteAccount(r.Context(), name); err != nil {
		if f := refused(err); f != nil {
			return c.showAccount(w, r, v, f)
		}
		return err
	}
	c.sessions.endAccount(name)
	c.s.logger().Info("console: account deleted", "account", name, "by", v.account.Name)
	return done(w, r, adminPath("accounts"), "Account "+name+" deleted, with its grants and tokens.")
}

func (c *console) moveAccount(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.changeAccount(w, r, v, "Organisation changed.", func(name string) error {
		return c.s.Accounts.SetOrganization(r.Context(), name, r.PostForm.Get("organization"))
	})
}

func (c *console) grantAccount(w http.ResponseWriter, r *http.Request, v *visit) error {
	coll, access := r.PostForm.Get("collection"), r.PostForm.Get("access")
	return c.changeAccount(w, r, v, "Access saved.", func(name string) error {
		if _, ok := accessWords[access]; !ok {
			return rampart.Errorf(rampart.EINVALID, "access must be none, visible, read, write or readwrite (got %q)", access)
		}
		if access == "none" {
			err := c.s.Accounts.DeleteGrant(r.Context(), name, coll)
			if rampart.ErrorCode(err) == rampart.ENOTFOUND {
				// No grant to remove: the account has no access, as asked.
				if _, ferr := c.s.Accounts.FindAccountByName(r.Context(), name); ferr != nil {
					return ferr
				}
				return nil
			}
			return err
		}
		g := rampart.Grant{CollectionID: coll, Read: access == "read" || access == "readwrite", Write: access == "write" || access == "readwrite"}
		return c.s.Accounts.SetGrant(r.Context(), name, g)
	})
}

func (c *console) resetPassword(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := r.PathValue("name")
	password := newPassword()
	if err := c.s.Accounts.SetPassword(r.Context(), name, password); err != nil {
		return err
	}
	// A new password signs the account out everywhere.
	c.sessions.endAccount(name)
	c.s.logger().Info("console: password reset", "account", name, "by", v.account.Name)
	return c.showSecret(w, r, v, secretData{Title: "New password", Account: name, Kind: "password", Secret: password, SignedOut: true})
}

func (c *console) createToken(w http.ResponseWriter, r *http.Request, v *visit) error {
	name, label := r.PathValue("name"), strings.TrimSpace(r.PostForm.Get("label"))
	tok, err := c.s.Accounts.CreateToken(r.Context(), name, label)
	if err != nil {
		if f := refused(err); f != nil {
			return c.showAccount(w, r, v, f)
		}
		return err
	}
	id := passhash.TokenID(passhash.HashToken(tok))
	c.s.logger().Info("console: token created", "account", name, "token", id, "by", v.account.Name)
	return c.showSecret(w, r, v, secretData{Title: "Token created", Account: name, Kind: "token", Secret: tok, TokenID: id, Label: label})
}

func (c *console) revokeToken(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	return c.changeAccount(w, r, v, "Token "+id+" revoked: it is refused from now on.", func(name string) error {
		t, err := c.s.Accounts.DeleteToken(r.Context(), name, id)
		if err == nil {
			c.s.logger().Info("console: token revoked", "account", name, "token", t.ID, "by", v.account.Name)
		}
		return err
	})
}
