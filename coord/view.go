package coord

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Release decides what a reader may read of one page of objects read from
// the collection collectionID: it returns a slice as long as objs holding
// each object the reader may read and nil in place of the others, as
// rampart.AccessService.Release does.
type Release func(ctx context.Context, collectionID string, objs []*stix.Object) ([]*stix.Object, error)

// View reads the coordination objects of a Service as one reader may read
// them: every page the service reads goes through the view's Release, so
// an incident, alert, statement or endorsement the reader may not read is
// absent, exactly as if the node did not hold it, and so is everything
// drawn from it (a joint incident's members, their states and timeline
// entries, a statement's endorsements). The view reads the latest version
// of incidents, alerts and statements, as the Service does, and Release
// decides on that version: an object whose latest version is withheld is
// absent, whatever its earlier versions, as in a TAXII listing.
//
// A View has no methods that write: writes go through the Service, which
// reads the versions it builds on unfiltered. A View is safe for
// concurrent use when its Release is.
type View struct {
	s       *Service
	release Release
}

// ReadAs returns a view of the service for the reader that release
// stands for; a nil release reads everything, as the Service's own read
// methods do.
func (s *Service) ReadAs(release Release) *View {
	return &View{s: s, release: release}
}

// releasePage applies the view's Release to a page of versions read from the
// collection collectionID.
func (r *View) releasePage(ctx context.Context, collectionID string, vs []*rampart.ObjectVersion) ([]*stix.Object, error) {
	objs := make([]*stix.Object, len(vs))
	for i, v := range vs {
		objs[i] = v.Object
	}
	if r.release == nil || len(objs) == 0 {
		return objs, nil
	}
	out, err := r.release(ctx, collectionID, objs)
	if err != nil {
		return nil, err
	}
	if len(out) != len(objs) {
		// Which of them is which cannot be told: release none.
		return nil, fmt.Errorf("release of %d objects from collection %q returned %d", len(objs), collectionID, len(out))
	}
	return out, nil
}

// each reads as every reader may: the versions a write builds on are
// chosen before any reader's rights apply.
func (s *Service) each(ctx context.Context, f rampart.ObjectFilter, fn func(*stix.Object)) error {
	return s.ReadAs(nil).each(ctx, f, fn)
}

// FindIncidentByID is ReadAs(nil).FindIncidentByID: the latest version of
// an incident, whoever may read it; ENOTFOUND when there is none.
func (s *Service) FindIncidentByID(ctx context.Context, id string) (*Incident, error) {
	return s.ReadAs(nil).FindIncidentByID(ctx, id)
}

// FindIncidents is ReadAs(nil).FindIncidents: every incident that
// matches, whoever may read it.
func (s *Service) FindIncidents(ctx context.Context, f IncidentFilter) ([]*Incident, error) {
	return s.ReadAs(nil).FindIncidents(ctx, f)
}

// FindJointIncident is ReadAs(nil).FindJointIncident: the joint view of
// incident id over every incident the node holds.
func (s *Service) FindJointIncident(ctx context.Context, id string) (*JointIncident, error) {
	return s.ReadAs(nil).FindJointIncident(ctx, id)
}

// FindAlerts is ReadAs(nil).FindAlerts: every alert that matches, whoever
// may read it.
func (s *Service) FindAlerts(ctx context.Context, f AlertFilter) ([]*Alert, error) {
	return s.ReadAs(nil).FindAlerts(ctx, f)
}

// FindAlertByID is ReadAs(nil).FindAlertByID: the latest version of an
// alert, whoever may read it; ENOTFOUND when there is none.
func (s *Service) FindAlertByID(ctx context.Context, id string) (*Alert, error) {
	return s.ReadAs(nil).FindAlertByID(ctx, id)
}

// FindStatementByID is ReadAs(nil).FindStatementByID: the latest version
// of a statement and its object, whoever may read it; ENOTFOUND when there
// is none.
func (s *Service) FindStatementByID(ctx context.Context, id string) (*Statement, *stix.Object, error) {
	return s.ReadAs(nil).FindStatementByID(ctx, id)
}

// FindStatements is ReadAs(nil).FindStatements: every statement, whoever
// may read it.
func (s *Service) FindStatements(ctx context.Context) ([]*Statement, error) {
	return s.ReadAs(nil).FindStatements(ctx)
}

// StatementObjects is ReadAs(nil).StatementObjects: every version of a
// statement and of its endorsements, whoever may read them.
func (s *Service) StatementObjects(ctx context.Context, id string) ([]*stix.Object, error) {
	return s.ReadAs(nil).StatementObjects(ctx, id)
}
