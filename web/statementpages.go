package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// The statement pages show the joint attribution statements an account
// may read, with the count of their endorsements as far as the account
// can tell (endorsements it may not read are neither counted nor named,
// as in the JSON API), and let an entitled account endorse one in the
// name of the node's organisation.
//
// Who may sign: an account of the node's own organisation (an
// administrator reads as it) that may write to the coordination
// collection. An endorsement is signed with the organisation's registry
// keys and counts toward a political quorum of member states: it commits
// the organisation, not the account. The accounts that may already act in
// its name on the coordination collection (record its incidents, triage
// its alerts) are the ones that may; a constituent's or a partner's
// account never may, whatever its grants, and nor may an account that
// only reads. Every signature is an explicit act: a form with the terms
// digest the person read and a confirmation they must tick, checked here,
// never only in the browser; nothing endorses automatically.

func (c *console) statementPages(page func(string, pageFunc)) {
	page("GET "+ConsolePath+"statements", c.statements)
	page("GET "+ConsolePath+"statements/{id}", c.statement)
	page("POST "+ConsolePath+"statements/{id}/sign", c.signStatement)
}

// statementRow is a statement in the list.
type statementRow struct {
	*coord.Statement
	Drafter string
	Invited []invitedState
	// Counted is how many endorsements count, -1 when they cannot be
	// counted (no trust registry).
	Counted     int
	QuorumClass string
}

type statementsData struct {
	Statements []statementRow
	Pager      pager
	NoRegistry bool
}

func (c *console) statements(w http.ResponseWriter, r *http.Request, v *visit) error {
	view, err := c.readCoord(r, v)
	if err != nil {
		return err
	}
	list, err := view.FindStatements(r.Context())
	if err != nil {
		return err
	}
	d := statementsData{NoRegistry: c.s.Verifier == nil}
	page, pg, err := paginate(r, list, func(p int) string { return ConsolePath + "statements?page=" + strconv.Itoa(p) })
	if err != nil {
		return err
	}
	d.Pager = pg
	var ends map[string][]*stix.Object
	if c.s.Verifier != nil && len(page) > 0 {
		if ends, err = view.FindEndorsements(r.Context()); err != nil {
			return err
		}
	}
	reg := c.registry()
	for _, st := range page {
		row := statementRow{Statement: st, Drafter: coord.OrganizationName(reg, st.CreatedBy), Counted: -1}
		var q *coord.Quorum
		if c.s.Verifier != nil {
			q = coord.CountEndorsements(st, ends[st.ID], c.s.Verifier)
			row.Counted = len(q.Counted)
			row.QuorumClass = widthClass(float64(min(row.Counted, st.Threshold)), float64(st.Threshold))
		}
		for _, id := range st.Invited {
			x := invitedState{Label: orgLabel(reg, id), Name: coord.OrganizationName(reg, id), State: "invited"}
			if q != nil {
				x.State = "missing"
				if slices.ContainsFunc(q.Counted, func(e coord.Endorser) bool { return e.Organization == id }) {
					x.State = "counted"
				}
			}
			row.Invited = append(row.Invited, x)
		}
		d.Statements = append(d.Statements, row)
	}
	return c.show(w, r, v, "statements", "Statements", "statements", d)
}

// invitedState is an invited organisation in the list: counted, missing,
// or invited when endorsements cannot be counted.
type invitedState struct {
	Label, Name, State string
}

// registry returns the trust registry the node trusts, nil without one.
func (c *console) registry() *trust.Registry {
	if c.s.Verifier == nil {
		return nil
	}
	return c.s.Verifier.Registry()
}

// orgLabel names an organisation briefly: its country code, or its name,
// or its id.
func orgLabel(reg *trust.Registry, id string) string {
	if reg != nil {
		if o := reg.Organization(id); o != nil {
			if o.Country != "" {
				return o.Country
			}
			return o.Name
		}
	}
	return short(id)
}

// invitedRow is an invited organisation and where its endorsement stands.
type invitedRow struct {
	ID, Name string
	// State is counted, rejected or missing.
	State       string
	Endorsement string
	Signed      time.Time
	Algorithms  string
	Reason      string
}

// objectRef is an object a statement names, with its name and TLP when
// the account may read it.
type objectRef struct {
	ID, Name string
	Badge    *badge
	// Link is where the console shows it; "" when the account may not
	// read it here.
	Link string
}

type statementData struct {
	St        *coord.Statement
	Badge     badge
	Drafter   string
	Digest    string
	Incidents []objectRef
	Set       objectRef
	Evidence  []objectRef
	// Signature is the check of the statement's own signature: the
	// drafter's keys, or why it does not check.
	Signature    *trust.Signed
	SignatureErr string
	NoRegistry   bool
	Quorum       *coord.Quorum
	QuorumClass  string
	Invited      []invitedRow
	// Others are endorsements by organisations not invited, that do not
	// count.
	Others []invitedRow
	Sign   signForm
}

// signForm is the endorsement form, or why the account cannot use it.
type signForm struct {
	// Org names the node's organisation, in whose name the account signs.
	Org string
	// Blocked says why the form is not offered; "" when it is.
	Blocked string
	// Error is why the last attempt was refused; Explanation and
	// Confirmed what it held.
	Error       string
	Explanation string
	Confirmed   bool
}

func (c *console) statement(w http.ResponseWriter, r *http.Request, v *visit) error {
	d, err := c.statementData(r, v)
	if err != nil {
		return err
	}
	return c.show(w, r, v, "statement", d.St.Name, "statements", d)
}

// statementData reads a statement the account may read, the objects it
// names, its signature and the count of its endorsements.
func (c *console) statementData(r *http.Request, v *visit) (*statementData, error) {
	ctx := r.Context()
	view, err := c.readCoord(r, v)
	if err != nil {
		return nil, err
	}
	st, so, err := view.FindStatementByID(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	reg := c.registry()
	d := &statementData{St: st, Badge: badgeOf(tlpOfMarkings(st.Markings)), Drafter: coord.OrganizationName(reg, st.CreatedBy),
		Digest: st.TermsDigest(), NoRegistry: c.s.Verifier == nil}
	objs, err := c.s.readableObjects(ctx, v.account, append(append([]string{st.IntrusionSetRef}, st.IncidentRefs...), st.EvidenceRefs...))
	if err != nil {
		return nil, err
	}
	ref := func(id string) objectRef {
		x := objectRef{ID: id, Name: short(id)}
		if o := objs[id]; o != nil {
			var n struct {
				Name string `json:"name"`
			}
			if o.Decode(&n) == nil && n.Name != "" {
				x.Name = n.Name
			}
			b := badgeOf(stix.Restriction(o))
			x.Badge, x.Link = &b, objectURL(id)
		}
		return x
	}
	d.Set = ref(st.IntrusionSetRef)
	for _, id := range st.IncidentRefs {
		x := ref(id)
		// Incidents are the coordination collection's: shown on their
		// own page when the account may read them there.
		if inc, err := view.FindIncidentByID(ctx, id); err == nil {
			b := badgeOf(tlpOfMarkings(inc.Markings))
			x.Name, x.Badge, x.Link = inc.Name, &b, ConsolePath+"incidents/"+id
		}
		d.Incidents = append(d.Incidents, x)
	}
	for _, id := range st.EvidenceRefs {
		d.Evidence = append(d.Evidence, ref(id))
	}
	if c.s.Verifier != nil {
		if d.Signature, err = c.s.Verifier.Verify(so); err != nil {
			d.SignatureErr = err.Error()
		}
		// Endorsements the account may not read are not counted, nor
		// named: the quorum is as far as the account can tell.
		objs, err := view.StatementObjects(ctx, st.ID)
		if err != nil {
			return nil, err
		}
		d.Quorum = coord.CountEndorsements(st, objs, c.s.Verifier)
		d.QuorumClass = widthClass(float64(min(len(d.Quorum.Counted), st.Threshold)), float64(st.Threshold))
		d.Invited, d.Others = invitedRows(d.Quorum, reg)
	}
	d.Sign.Org, d.Sign.Blocked, err = c.signBlocked(r, v, st, d.Quorum)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// invitedRows lists the invited organisations with their endorsement's
// state, and the endorsements of organisations not invited.
func invitedRows(q *coord.Quorum, reg *trust.Registry) (invited, others []invitedRow) {
	for _, id := range q.Invited {
		row := invitedRow{ID: id, Name: coord.OrganizationName(reg, id), State: "missing"}
		for _, e := range q.Counted {
			if e.Organization == id {
				row.State, row.Endorsement, row.Signed, row.Algorithms = "counted", e.Endorsement, e.Signed, e.Algorithms[0]+" + "+e.Algorithms[1]
			}
		}
		if row.State == "missing" {
			for _, x := range q.Rejected {
				if x.Organization == id {
					row.State, row.Endorsement, row.Reason = "rejected", x.Endorsement, x.Reason
				}
			}
		}
		invited = append(invited, row)
	}
	for _, x := range q.Rejected {
		if !slices.Contains(q.Invited, x.Organization) {
			others = append(others, invitedRow{ID: x.Organization, Name: coord.OrganizationName(reg, x.Organization),
				State: "rejected", Endorsement: x.Endorsement, Reason: x.Reason})
		}
	}
	return invited, others
}

// signBlocked returns the name of the node's organisation and why the
// account may not endorse the statement in its name now ("" when it
// may).
func (c *console) signBlocked(r *http.Request, v *visit, st *coord.Statement, q *coord.Quorum) (org, blocked string, err error) {
	if c.s.Identity == nil || c.s.Verifier == nil {
		return "", "This node has no keys or no trust registry, so it cannot endorse statements: make its organisation's keys with \"rampart org init\", have the registry authority add them, and start the node with --registry FILE.", nil
	}
	own := c.s.Identity.Organization()
	org = coord.OrganizationName(c.registry(), own)
	ok, why, err := c.mayEndorse(r, v)
	switch {
	case err != nil:
		return org, "", err
	case !ok:
		return org, why, nil
	case st.Status == coord.StatementPublished:
		return org, "The statement is published: it takes no more endorsements.", nil
	case !slices.Contains(st.Invited, own):
		return org, org + " is not invited to endorse this statement: its endorsement would not count.", nil
	}
	if q != nil {
		for _, e := range q.Counted {
			if e.Organization == own {
				return org, org + " has endorsed these terms already (" + e.Endorsement + ").", nil
			}
		}
	}
	return org, "", nil
}

// mayEndorse reports whether the account may sign in the name of the
// node's organisation (see the top of this file) and, if not, why.
func (c *console) mayEndorse(r *http.Request, v *visit) (bool, string, error) {
	a := v.account
	if !a.CanWrite(c.s.Coord.CollectionID) {
		return false, "Only accounts of the node's organisation that may write to the coordination collection endorse statements; yours may only read it.", nil
	}
	rd, err := c.s.reader(r.Context(), a)
	if err != nil {
		return false, "", err
	}
	own := a.Admin || a.Organization == "" || a.Organization == c.s.Identity.Organization()
	if rd != nil {
		own = rd.Relation == rampart.RelationOwn
	}
	if !own {
		return false, "Only accounts of the node's own organisation endorse statements in its name; yours belongs to another organisation.", nil
	}
	return true, "", nil
}

// maxExplanationBytes bounds the explanation of an endorsement.
const maxExplanationBytes = 2000

func (c *console) signStatement(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := c.s.authorize(r, v.account, accessWrite); err != nil {
		return err
	}
	if c.s.Identity == nil || c.s.Verifier == nil {
		return rampart.Errorf(rampart.EUNAVAILABLE, "this node has no keys or no trust registry, so it cannot endorse statements: make its organisation's keys with \"rampart org init\" and start the node with --registry FILE")
	}
	if ok, why, err := c.mayEndorse(r, v); err != nil {
		return err
	} else if !ok {
		return rampart.Errorf(rampart.EFORBIDDEN, "%s", why)
	}
	d, err := c.statementData(r, v)
	if err != nil {
		return err
	}
	f := r.PostForm
	d.Sign.Explanation = strings.TrimSpace(f.Get("explanation"))
	d.Sign.Confirmed = f.Get("endorse") == "yes"
	terms := f.Get("terms")
	refuse := func(status int, msg string) error {
		d.Sign.Error = msg
		c.render(w, r, status, "statement", page{Title: d.St.Name, Section: "statements", Account: v.account, CSRF: v.session.csrf, Now: v.now, Data: d})
		return nil
	}
	switch {
	case d.Sign.Blocked != "":
		return refuse(http.StatusConflict, "Not signed. "+d.Sign.Blocked)
	case terms == "":
		return refuse(http.StatusBadRequest, "The form does not say which terms you read: reload the page, read the terms and sign again.")
	case !d.Sign.Confirmed:
		return refuse(http.StatusBadRequest, "Not signed: tick “I endorse these terms on behalf of "+d.Sign.Org+"” to sign. Signing commits your organisation.")
	case !utf8.ValidString(d.Sign.Explanation) || len(d.Sign.Explanation) > maxExplanationBytes:
		return refuse(http.StatusBadRequest, "The explanation must be text of at most "+strconv.Itoa(maxExplanationBytes)+" bytes.")
	}
	e, err := c.s.Coord.SignStatement(r.Context(), coord.SignRequest{Statement: d.St.ID, Terms: terms, Explanation: d.Sign.Explanation,
		Signer: c.s.Identity, Verifier: c.s.Verifier})
	var se *coord.SignError
	switch {
	case errors.As(err, &se) && se.Err == coord.ErrTermsChanged:
		return refuse(http.StatusConflict, "Not signed: the terms changed since you read them (they are now "+se.Terms+", you read "+se.Given+"). Read them again below before signing.")
	case errors.As(err, &se):
		return refuse(http.StatusBadRequest, sentence(se.Error()))
	case err != nil:
		return err
	}
	c.s.logger().Info("console: statement endorsed", "statement", d.St.ID, "endorsement", e.Endorsement.ID,
		"organization", c.s.Identity.Organization(), "account", v.account.Name)
	return done(w, r, ConsolePath+"statements/"+d.St.ID, "Endorsed on behalf of "+d.Sign.Org+": the endorsement counts toward the quorum.")
}

// sentence makes a message start with a capital and end with a full
// stop, for a page.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// readableObjects returns the latest version of each object of ids that
// the account may read, from the collections it may read, by id.
func (s *Server) readableObjects(ctx context.Context, a *rampart.Account, ids []string) (map[string]*stix.Object, error) {
	out := map[string]*stix.Object{}
	ids = dedupeStrings(ids)
	if len(ids) == 0 {
		return out, nil
	}
	readable, err := s.readable(ctx, a)
	if err != nil {
		return nil, err
	}
	rd, err := s.reader(ctx, a)
	if err != nil {
		return nil, err
	}
	for _, coll := range readable {
		for lo := 0; lo < len(ids); lo += rampart.MaxFilterIDs {
			f := rampart.ObjectFilter{CollectionID: coll, IDs: ids[lo:min(lo+rampart.MaxFilterIDs, len(ids))]}
			for {
				page, err := s.Objects.FindObjects(ctx, f)
				if err != nil {
					return nil, err
				}
				objs, err := s.releaseVersions(ctx, rd, coll, page.Versions)
				if err != nil {
					return nil, err
				}
				for _, o := range objs {
					if o != nil && (out[o.ID] == nil || o.Version().Compare(out[o.ID].Version()) > 0) {
						out[o.ID] = o
					}
				}
				if !page.More || len(page.Versions) == 0 {
					break
				}
				f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
			}
		}
	}
	return out, nil
}
