// Package access applies rampart.Policy to every reader of a node: an
// account over TAXII or the JSON API, a peer node over the node link. It
// looks up the objects each object refers to (derived objects are as
// strict as what they are about), records in the audit log what leaves
// for another organisation, and logs what an administrator reads beyond
// its organisation's rights.
package access

import (
	"context"
	"fmt"

	"log/slog"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Service is a node's rampart.AccessService. Set its fields, then use it;
// it is safe for concurrent use.
type Service struct {
	Objects rampart.ObjectService
	// Collections lists where the objects an object refers to are looked
	// up: every collection of the node.
	Collections   rampart.CollectionService
	Organizations rampart.OrganizationService
	// Audit, when set, records what is released to another organisation.
	Audit rampart.AuditService
	// Policy returns the distribution model in force (the node's
	// organisation may be set while it runs).
	Policy func(context.Context) rampart.Policy
	Logger *slog.Logger
}

var _ rampart.AccessService = (*Service)(nil)

func (a *Service) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Reader returns who the account reads as. An account with no
// organisation is of the node's own; an administrator reads as the node's
// own organisation, with every right.
func (a *Service) Reader(ctx context.Context, acct *rampart.Account) (rampart.Reader, error) {
	own := a.Policy(ctx).Organization
	r := rampart.Reader{Organization: own, Relation: rampart.RelationOwn, Admin: acct.Admin, Name: acct.Name}
	if acct.Admin || acct.Organization == "" || acct.Organization == own {
		return r, nil
	}
	o, err := a.Organizations.FindOrganizationByID(ctx, acct.Organization)
	if err != nil {
		if rampart.ErrorCode(err) == rampart.ENOTFOUND {
			return rampart.Reader{}, rampart.Errorf(rampart.EFORBIDDEN, "account %q belongs to organisation %s, which this node does not know", acct.Name, acct.Organization)
		}
		return rampart.Reader{}, err
	}
	r.Organization, r.Relation = o.ID, o.Relation
	return r, nil
}

// Release returns what r may read of objs, from collection collectionID.
func (a *Service) Release(ctx context.Context, r rampart.Reader, collectionID string, objs []*stix.Object) ([]*stix.Object, error) {
	out := make([]*stix.Object, len(objs))
	if len(objs) == 0 {
		return out, nil
	}
	refs, err := rampart.FindReferences(ctx, a.Objects, a.Collections, objs)
	if err != nil {
		return nil, err
	}
	policy := a.Policy(ctx)
	var audit []*rampart.AuditRecord
	beyond := 0
	foreign := r.Relation != rampart.RelationOwn
	for i, o := range objs {
		d := policy.Decide(o, r, refs(o)...)
		if !d.Allow {
			continue
		}
		out[i] = o
		if d.AdminOnly {
			beyond++
		}
		if foreign && o.Type != rampart.SealedType {
			rec := &rampart.AuditRecord{ObjectID: o.ID, Version: o.Version().String(), Recipient: r.Organization,
				Channel: rampart.AuditAccount, Via: r.Name}
			if r.Relation == rampart.RelationPeer {
				rec.Channel, rec.Via = rampart.AuditPeer, r.Organization
			}
			audit = append(audit, rec)
		}
	}
	if len(audit) > 0 && a.Audit != nil {
		if _, err := a.Audit.AppendAudit(ctx, audit); err != nil {
			return nil, fmt.Errorf("record what was served to %s: %w", r.Name, err)
		}
	}
	if beyond > 0 {
		a.logger().Info("administrator read objects its organisation may not read", "account", r.Name, "collection", collectionID, "objects", beyond)
	}
	return out, nil
}
