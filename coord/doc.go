// Package coord is how member states respond together: coordinated
// incidents with their NIS2 deadlines and EU alert levels, joint
// attribution statements that count only once a quorum of member states
// has signed them, and the alerts of cross-border early warning.
//
// Everything it produces is STIX, stored in the node's collections so that
// TAXII and federation carry it like any object, and declared by the
// extension definitions ExtensionDefinitions returns:
//
//   - incidents are STIX incident objects with the OASIS incident-core
//     extension and Rampart's NIS2 extension (NIS2ExtensionID);
//   - alerts are x-rampart-alert objects (AlertExtensionID);
//   - statements are x-rampart-statement objects (StatementExtensionID);
//     each member state's endorsement is an opinion on the statement,
//     carrying EndorsementExtensionID and signed with the member state's
//     registry keys (package trust).
//
// docs/COORDINATION.md describes every property and rule.
//
// Two packages below this one do the rest: coord/warning is the
// early-warning engine that raises alerts, with its rules, watchlists and
// settings; coord/webhook pushes alerts to webhooks with an HMAC
// signature.
//
// Reach first for:
//
//   - Service: incidents (CreateIncident, UpdateIncident, FindIncidents,
//     FindJointIncident), alerts (FindAlerts) and statements
//     (CreateStatement, StatementObjects, PublishStatement) over a node's
//     rampart.ObjectService; ReadAs gives the View one reader may read.
//   - Deadlines and Incident.Overdue: the NIS2 Art. 23(4) deadlines (early
//     warning 24 h, notification 72 h, final report one month after the
//     notification), computed from the detection time and flagged against
//     any clock.
//   - Endorse, CountEndorsements, Statement.Publish and CheckStatements:
//     the quorum rules of joint statements, with the reason for every
//     endorsement that does not count (not a member, not invited,
//     duplicate signer, revoked key, other terms, ...).
//
// Signing is never automatic: Endorse returns an unsigned opinion, and
// only a member state's own keys (trust.Identity.Sign, run by a person
// through "rampart statement sign") make it count.
package coord
