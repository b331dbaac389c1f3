package coord

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Service reads and writes coordination objects (incidents, alerts,
// statements and endorsements) in a node's store. Everything it writes
// goes to CollectionID; it reads from CollectionID and ReadFrom, so that
// objects peers send into other collections are seen too. Its read
// methods read everything the node holds; ReadAs returns a View that
// reads only what one reader may.
//
// Errors are *rampart.Error with ENOTFOUND, EINVALID or EFORBIDDEN where
// the caller can act on them. A Service is safe for concurrent use; it
// serialises its own writes, so two updates of one incident through the
// same Service never produce the same version twice.
type Service struct {
	Objects      rampart.ObjectService
	CollectionID string
	ReadFrom     []string
	// Organization is the node's organisation: the created_by_ref of what
	// it creates, and the only creator whose incidents it may update.
	Organization string
	// MemberState is the node's member state, the default reporting state
	// of new incidents.
	MemberState string
	// Sign, when set, signs every object before it is stored (for example
	// trust.Identity.Sign).
	Sign func(*stix.Object) (*stix.Object, error)
	// MemberStateOrgs, when set, returns the organisations of a member
	// state (the national CSIRTs the trust registry places there):
	// incidents are addressed to those of the member states they concern
	// (see address.go), so that federation carries them to those alone.
	MemberStateOrgs func(country string) []string
	// Verify, when set, checks the signature of a stored version before
	// the service builds a new, signed version on it (UpdateIncident,
	// PublishStatement): the newest version that passes is the base, and
	// newer ones that do not are ignored. Without it, a version anyone
	// with write access to a collection read had stored, unsigned, would
	// be signed in the node's name and shared with its peers, its
	// marking included. Set it together with Sign (for example with
	// trust.Verifier.Verify).
	Verify func(*stix.Object) error
	Now    func() time.Time

	mu   sync.Mutex
	defs DefinitionsOnce
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) collections() []string {
	return dedupe(append([]string{s.CollectionID}, s.ReadFrom...))
}

// put signs (when Sign is set) and stores objects in CollectionID.
func (s *Service) put(ctx context.Context, objs ...*stix.Object) ([]*stix.Object, error) {
	out := make([]*stix.Object, len(objs))
	for i, o := range objs {
		if s.Sign != nil {
			so, err := s.Sign(o)
			if err != nil {
				return nil, err
			}
			o = so
		}
		out[i] = o
	}
	if err := s.defs.Ensure(ctx, s.Objects, s.CollectionID); err != nil {
		return nil, err
	}
	if _, err := s.Objects.CreateObjects(ctx, s.CollectionID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Store signs (when Sign is set) and stores objects made elsewhere, such
// as extension definitions, and returns what was stored.
func (s *Service) Store(ctx context.Context, objs ...*stix.Object) ([]*stix.Object, error) {
	return s.put(ctx, objs...)
}

// StoreSigned stores objects as they are, for objects already signed by
// their creator (endorsements signed by another member state).
func (s *Service) StoreSigned(ctx context.Context, objs ...*stix.Object) error {
	if err := s.defs.Ensure(ctx, s.Objects, s.CollectionID); err != nil {
		return err
	}
	_, err := s.Objects.CreateObjects(ctx, s.CollectionID, objs)
	return err
}

// base returns the version of object id that a new version is built on:
// the newest that passes Verify (the newest of all without Verify). It
// returns ENOTFOUND when there is no version, EFORBIDDEN when none
// verifies.
func (s *Service) base(ctx context.Context, typ, id string) (*stix.Object, error) {
	var vs []*stix.Object
	f := rampart.ObjectFilter{Types: []string{typ}, IDs: []string{id}, Versions: []string{rampart.VersionAll}, SpecVersions: []string{"2.1"}}
	if err := s.each(ctx, f, func(o *stix.Object) { vs = append(vs, o) }); err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no %s %q", typ, id)
	}
	slices.SortFunc(vs, func(a, b *stix.Object) int { return b.Version().Compare(a.Version()) })
	if s.Verify == nil {
		return vs[0], nil
	}
	var first error
	for _, o := range vs {
		err := s.Verify(o)
		if err == nil {
			return o, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, rampart.Errorf(rampart.EFORBIDDEN, "no version of %s %q has a signature that checks (%v): this node builds only on versions its signers wrote", typ, id, first)
}

// latest returns the latest version of every object of typ in the
// collections read, keyed by id.
func (r *View) latest(ctx context.Context, typ string, ids ...string) (map[string]*stix.Object, error) {
	out := map[string]*stix.Object{}
	err := r.each(ctx, rampart.ObjectFilter{Types: []string{typ}, IDs: ids}, func(o *stix.Object) {
		if prev := out[o.ID]; prev == nil || o.Version().Compare(prev.Version()) > 0 {
			out[o.ID] = o
		}
	})
	return out, err
}

// each calls fn for every object version the filter selects in the
// collections read that the view's release lets through.
func (r *View) each(ctx context.Context, f rampart.ObjectFilter, fn func(*stix.Object)) error {
	for _, c := range r.s.collections() {
		f.CollectionID, f.AfterSeq = c, 0
		for {
			page, err := r.s.Objects.FindObjects(ctx, f)
			if err != nil {
				return err
			}
			objs, err := r.releasePage(ctx, c, page.Versions)
			if err != nil {
				return err
			}
			for _, o := range objs {
				if o != nil {
					fn(o)
				}
			}
			if !page.More || len(page.Versions) == 0 {
				break
			}
			f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
		}
	}
	return nil
}

// CreateIncident stores a new incident, created by the node's organisation
// and reported by its member state unless inc says otherwise, with a first
// timeline entry. It returns EINVALID for a bad incident.
func (s *Service) CreateIncident(ctx context.Context, inc *Incident) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inc.ID != "" {
		return rampart.Errorf(rampart.EINVALID, "a new incident has no id yet (got %q)", inc.ID)
	}
	if inc.CreatedBy == "" {
		inc.CreatedBy = s.Organization
	}
	if inc.MemberState == "" {
		inc.MemberState = s.MemberState
	}
	now := s.now()
	if len(inc.Timeline) == 0 {
		inc.Timeline = []TimelineEntry{{Time: now, Actor: inc.MemberState, Activity: "incident recorded"}}
	}
	o, err := inc.Object(now)
	if err == nil {
		o, err = addressIncident(o, inc, s.Organization, s.MemberStateOrgs)
	}
	if err != nil {
		inc.ID = ""
		return rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	_, err = s.put(ctx, o)
	return err
}

// UpdateIncident applies fn to the latest version of incident id and
// stores the result as a new version. Only the node's organisation's own
// incidents can be updated (EFORBIDDEN otherwise): another member state
// records its view in its own incident, which refers to the joint one.
func (s *Service) UpdateIncident(ctx context.Context, id string, fn func(*Incident) error) (*Incident, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.base(ctx, "incident", id)
	if err != nil {
		return nil, err
	}
	inc, err := ParseIncident(o)
	if err != nil {
		return nil, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	if inc.CreatedBy != s.Organization {
		return nil, rampart.Errorf(rampart.EFORBIDDEN, "incident %q was created by %s, not by this node's organisation %s: only its creator writes new versions; record your view in your own incident with --joint %s", id, orNone(inc.CreatedBy), orNone(s.Organization), id)
	}
	if err := fn(inc); err != nil {
		return nil, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	inc.ID = id
	o, err = inc.Object(s.now())
	if err == nil {
		o, err = addressIncident(o, inc, s.Organization, s.MemberStateOrgs)
	}
	if err != nil {
		return nil, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	if _, err := s.put(ctx, o); err != nil {
		return nil, err
	}
	return inc, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// FindIncidentByID returns the latest version of an incident, ENOTFOUND
// when there is none.
func (r *View) FindIncidentByID(ctx context.Context, id string) (*Incident, error) {
	m, err := r.latest(ctx, "incident", id)
	if err != nil {
		return nil, err
	}
	o := m[id]
	if o == nil {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no incident %q", id)
	}
	inc, err := ParseIncident(o)
	if err != nil {
		return nil, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	return inc, nil
}

// IncidentFilter selects incidents; nil fields mean "any".
type IncidentFilter struct {
	// MemberState matches the reporting or an affected member state.
	MemberState *string
	// Overdue keeps incidents with (true) or without (false) a report
	// overdue at the service's clock.
	Overdue *bool
	// Closed keeps incidents whose investigation status is (true) or is
	// not (false) "closed".
	Closed *bool
}

// FindIncidents returns the latest version of every incident that
// matches, most recently detected first. Incidents that cannot be read are
// skipped.
func (r *View) FindIncidents(ctx context.Context, f IncidentFilter) ([]*Incident, error) {
	m, err := r.latest(ctx, "incident")
	if err != nil {
		return nil, err
	}
	now := r.s.now()
	var out []*Incident
	for _, o := range m {
		inc, err := ParseIncident(o)
		if err != nil {
			continue
		}
		if f.MemberState != nil && inc.MemberState != *f.MemberState && !slices.Contains(inc.AffectedMemberStates, *f.MemberState) {
			continue
		}
		if f.Overdue != nil && (len(inc.Overdue(now)) > 0) != *f.Overdue {
			continue
		}
		if f.Closed != nil && (inc.InvestigationStatus == StatusClosed) != *f.Closed {
			continue
		}
		out = append(out, inc)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Detected.Equal(out[j].Detected) {
			return out[i].Detected.After(out[j].Detected)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// JointIncident is the shared view of an incident several member states
// handle: the joint incident and the member states' own incidents that
// refer to it (or that it lists), merged.
type JointIncident struct {
	Joint   *Incident
	Members []*Incident
	// MemberStates and Sectors hit, over all member incidents.
	MemberStates []string
	Sectors      []string
	// EULevel is the highest level any of them declares.
	EULevel string
	// Timeline merges every timeline, oldest first.
	Timeline []TimelineEntry
	// Missing lists member incidents the joint one names that this node
	// does not hold (yet: federation brings them).
	Missing []string
}

// FindJointIncident returns the joint view of incident id, which may be
// the joint incident or one of its members.
func (r *View) FindJointIncident(ctx context.Context, id string) (*JointIncident, error) {
	all, err := r.FindIncidents(ctx, IncidentFilter{})
	if err != nil {
		return nil, err
	}
	byID := map[string]*Incident{}
	for _, inc := range all {
		byID[inc.ID] = inc
	}
	joint := byID[id]
	if joint == nil {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no incident %q", id)
	}
	if joint.JointIncidentRef != "" {
		if j := byID[joint.JointIncidentRef]; j != nil {
			joint = j
		} else {
			return nil, rampart.Errorf(rampart.ENOTFOUND, "incident %q belongs to joint incident %q, which this node does not hold", id, joint.JointIncidentRef)
		}
	}
	v := &JointIncident{Joint: joint}
	members := map[string]bool{}
	for _, ref := range joint.MemberIncidentRefs {
		members[ref] = true
	}
	for _, inc := range all {
		if inc.JointIncidentRef == joint.ID {
			members[inc.ID] = true
		}
	}
	refs := make([]string, 0, len(members))
	for ref := range members {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	level := levelIndex(joint.EULevel)
	var states, sectors []string
	add := func(inc *Incident) {
		states = append(states, inc.AffectedMemberStates...)
		if inc.MemberState != "" {
			states = append(states, inc.MemberState)
		}
		sectors = append(sectors, inc.Sectors...)
		level = max(level, levelIndex(inc.EULevel))
		for _, e := range inc.Timeline {
			if e.Actor == "" {
				e.Actor = inc.MemberState
			}
			v.Timeline = append(v.Timeline, e)
		}
	}
	add(joint)
	for _, ref := range refs {
		inc := byID[ref]
		if inc == nil {
			v.Missing = append(v.Missing, ref)
			continue
		}
		v.Members = append(v.Members, inc)
		add(inc)
	}
	sort.SliceStable(v.Timeline, func(i, j int) bool { return v.Timeline[i].Time.Before(v.Timeline[j].Time) })
	v.MemberStates, v.Sectors, v.EULevel = dedupe(states), dedupe(sectors), EULevels[level]
	return v, nil
}

func levelIndex(l string) int {
	if i := slices.Index(EULevels, l); i >= 0 {
		return i
	}
	return 0
}

// AlertFilter selects alerts; nil fields mean "any".
type AlertFilter struct {
	Rule *string
	// MinSeverity keeps alerts of at least this severity.
	MinSeverity *string
	MemberState *string
	// Since keeps alerts last seen (or modified) at or after this time.
	Since *time.Time
}

// FindAlerts returns the latest version of every alert that matches,
// most recent first.
func (r *View) FindAlerts(ctx context.Context, f AlertFilter) ([]*Alert, error) {
	if f.MinSeverity != nil && !slices.Contains(Severities, *f.MinSeverity) {
		return nil, rampart.Errorf(rampart.EINVALID, "severity must be one of %s (got %q)", strings.Join(Severities, ", "), *f.MinSeverity)
	}
	m, err := r.latest(ctx, AlertType)
	if err != nil {
		return nil, err
	}
	var out []*Alert
	for _, o := range m {
		a, err := ParseAlert(o)
		if err != nil {
			continue
		}
		switch {
		case f.Rule != nil && a.Rule != *f.Rule:
			continue
		case f.MinSeverity != nil && slices.Index(Severities, a.Severity) < slices.Index(Severities, *f.MinSeverity):
			continue
		case f.MemberState != nil && !slices.Contains(a.MemberStates, *f.MemberState):
			continue
		case f.Since != nil && alertTime(a).Before(*f.Since):
			continue
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		ti, tj := alertTime(out[i]), alertTime(out[j])
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func alertTime(a *Alert) time.Time {
	if !a.LastSeen.IsZero() {
		return a.LastSeen
	}
	return a.Modified
}

// FindAlertByID returns the latest version of an alert, ENOTFOUND when
// there is none.
func (r *View) FindAlertByID(ctx context.Context, id string) (*Alert, error) {
	m, err := r.latest(ctx, AlertType, id)
	if err != nil {
		return nil, err
	}
	if m[id] == nil {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no alert %q", id)
	}
	a, err := ParseAlert(m[id])
	if err != nil {
		return nil, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	return a, nil
}

// CreateStatement stores the first (draft) version of a statement drafted
// by the node's organisation.
func (s *Service) CreateStatement(ctx context.Context, st *Statement) (*stix.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.CreatedBy == "" {
		st.CreatedBy = s.Organization
	}
	st.Status = StatementDraft
	o, err := st.Object(s.now())
	if err == nil {
		o, err = addressStatement(o, st)
	}
	if err != nil {
		return nil, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	out, err := s.put(ctx, o)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// FindStatementByID returns the latest version of a statement and the
// object it was read from; ENOTFOUND when there is none.
func (r *View) FindStatementByID(ctx context.Context, id string) (*Statement, *stix.Object, error) {
	m, err := r.latest(ctx, StatementType, id)
	if err != nil {
		return nil, nil, err
	}
	o := m[id]
	if o == nil {
		return nil, nil, rampart.Errorf(rampart.ENOTFOUND, "no statement %q", id)
	}
	st, err := ParseStatement(o)
	if err != nil {
		return nil, nil, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	return st, o, nil
}

// FindStatements returns the latest version of every statement, newest
// first.
func (r *View) FindStatements(ctx context.Context) ([]*Statement, error) {
	m, err := r.latest(ctx, StatementType)
	if err != nil {
		return nil, err
	}
	var out []*Statement
	for _, o := range m {
		if st, err := ParseStatement(o); err == nil {
			out = append(out, st)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// StatementObjects returns every version of a statement and of the
// endorsements that refer to it: what CountEndorsements and
// CheckStatements need, and what a bundle for offline checking holds.
func (r *View) StatementObjects(ctx context.Context, id string) ([]*stix.Object, error) {
	var out []*stix.Object
	err := r.each(ctx, rampart.ObjectFilter{IDs: []string{id}, Versions: []string{rampart.VersionAll}}, func(o *stix.Object) {
		out = append(out, o)
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no statement %q", id)
	}
	err = r.each(ctx, rampart.ObjectFilter{Types: []string{"opinion"}, Versions: []string{rampart.VersionAll}}, func(o *stix.Object) {
		if IsEndorsementOf(o, id) {
			out = append(out, o)
		}
	})
	return out, err
}

// PublishStatement stores the published version of a statement drafted by
// the node's organisation once the endorsements, counted with count, reach
// its quorum. It returns the quorum and, when it is not reached, an
// EINVALID error saying how many endorsements are missing and why others
// do not count.
func (s *Service) PublishStatement(ctx context.Context, id string, count func(*Statement, []*stix.Object) *Quorum) (*Statement, *Quorum, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.base(ctx, StatementType, id)
	if err != nil {
		return nil, nil, err
	}
	st, err := ParseStatement(o)
	if err != nil {
		return nil, nil, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	if st.CreatedBy != s.Organization {
		return nil, nil, rampart.Errorf(rampart.EFORBIDDEN, "statement %q was drafted by %s: only its drafter publishes it", id, st.CreatedBy)
	}
	objs, err := s.StatementObjects(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	q := count(st, objs)
	if err := st.Publish(q, s.now()); err != nil {
		msg := err.Error()
		for _, r := range q.Rejected {
			msg += fmt.Sprintf("; %s does not count: %s", r.Endorsement, r.Reason)
		}
		return nil, q, rampart.Errorf(rampart.EINVALID, "%s", msg)
	}
	o, err = st.Object(s.now())
	if err == nil {
		o, err = addressStatement(o, st)
	}
	if err != nil {
		return nil, q, rampart.Errorf(rampart.EINVALID, "%v", err)
	}
	if _, err := s.put(ctx, o); err != nil {
		return nil, q, err
	}
	return st, q, nil
}
