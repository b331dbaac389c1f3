package coord

import (
	"context"
	"sync"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// Ids of the extension-definitions that declare what coordination adds to
// STIX. They never change: a new version of a definition is a new
// modified, not a new id.
const (
	// NIS2ExtensionID is the property extension on incident objects that
	// carries what NIS2 Art. 23 needs (deadlines, submissions, affected
	// member states and sectors, timeline, EU alert level).
	NIS2ExtensionID = "extension-definition--add082c3-bffd-4e62-81a6-61003b882f8d"
	// AlertExtensionID declares the x-rampart-alert object (new-sdo).
	AlertExtensionID = "extension-definition--06028f9a-cb03-4104-92dc-f7b3d9cb1c48"
	// StatementExtensionID declares the x-rampart-statement object
	// (new-sdo).
	StatementExtensionID = "extension-definition--dbfc9e2a-c1c2-438c-a9ba-bb679769b9c0"
	// EndorsementExtensionID is the property extension on opinion objects
	// that makes an opinion a member state's endorsement of one version of
	// a statement's terms.
	EndorsementExtensionID = "extension-definition--7cd0d41a-338d-4582-83f2-cde16f6cc82f"

	// IncidentCoreExtensionID is the OASIS incident-core extension
	// (determination, investigation status, criticality, incident types).
	IncidentCoreExtensionID = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
)

// Object types coordination defines.
const (
	AlertType     = "x-rampart-alert"
	StatementType = "x-rampart-statement"
)

// rampartIdentityID is the identity of the Rampart project, which
// publishes Rampart's extension definitions (trust publishes the same
// identity object with its signature extension).
const rampartIdentityID = "identity--a7b08d7a-2a56-41fe-8f80-55c94479f85d"

const definitionsTime = `"created": "2026-11-20T00:00:00.000Z", "modified": "2026-11-20T00:00:00.000Z"`

var extensionDefinitionsJSON = []string{`{
  "type": "extension-definition", "spec_version": "2.1",
  "id": "` + NIS2ExtensionID + `",
  "created_by_ref": "` + rampartIdentityID + `", ` + definitionsTime + `,
  "name": "Rampart NIS2 incident",
  "description": "What a coordinated incident needs under NIS2 (Directive (EU) 2022/2555) Art. 23: the time the entity became aware (detected), the deadlines of the early warning (24 hours), the incident notification (72 hours; 24 hours for trust service providers) and the final report (one month after the notification), their submissions, the deadlines overdue when this version was written, the reporting member state, the affected member states and sectors, cross-border impact, a timeline of actions, and an EU-level alert level. docs/COORDINATION.md in the Rampart repository describes each property.",
  "schema": "Properties: member_state (ISO 3166-1 alpha-2), detected (timestamp), early_warning_due, notification_due, final_report_due (timestamps), early_warning_submitted, notification_submitted, final_report_submitted (timestamps, optional), overdue (list of early-warning, notification, final-report), trust_service_provider (boolean), significant (boolean), affected_member_states (list of ISO 3166-1 alpha-2), sectors (list of industry-sector-ov), cross_border (boolean), cross_border_impact (string), eu_alert_level (normal, elevated, high, crisis), timeline (list of {time, actor, activity, description}), joint_incident_ref (incident id), member_incident_refs (incident ids), alert_refs (x-rampart-alert ids).",
  "version": "1.0.0",
  "extension_types": ["property-extension"]
}`, `{
  "type": "extension-definition", "spec_version": "2.1",
  "id": "` + AlertExtensionID + `",
  "created_by_ref": "` + rampartIdentityID + `", ` + definitionsTime + `,
  "name": "Rampart early-warning alert",
  "description": "An x-rampart-alert says that a rule of the early-warning engine fired: the same indicator, or indicators tied to the same intrusion set or campaign, sighted by organisations in several member states within a time window, or a peer's indicator matching a member state's watchlist. A new version (new modified) is written when more states, sectors or sightings join the same episode.",
  "schema": "Properties: name (string), rule (same-indicator, same-intrusion-set, same-campaign, watchlist), subject_ref (the sighted object, intrusion set or campaign), severity_level (low, medium, high, critical), severity_score (integer), severity_reasons (list of strings), member_states (list of ISO 3166-1 alpha-2), sectors (list of industry-sector-ov), first_seen, last_seen (timestamps), sighting_refs (sighting ids), indicator_refs (indicator ids), intrusion_set_refs, campaign_refs, window_seconds (integer), min_states (integer), watchlist (string), matches (list of {kind, entry, value}).",
  "version": "1.0.0",
  "extension_types": ["new-sdo"]
}`, `{
  "type": "extension-definition", "spec_version": "2.1",
  "id": "` + StatementExtensionID + `",
  "created_by_ref": "` + rampartIdentityID + `", ` + definitionsTime + `,
  "name": "Rampart joint attribution statement",
  "description": "An x-rampart-statement is a joint attribution statement drafted by one member state: it names incidents, the attributed intrusion set, a confidence and evidence, and invites member states of the federation's trust registry to endorse it. Each endorsement is an opinion signed by the endorsing organisation (extension ` + EndorsementExtensionID + `) over the SHA-256 of the statement's terms. The drafter publishes a new version with status published only once threshold of the invited states have endorsed the same terms.",
  "schema": "Properties: name (string), statement (string), incident_refs (incident ids), intrusion_set_ref (intrusion-set id), confidence (the common property: confidence in the attribution, 0-100), evidence_refs (ids), invited_refs (identity ids of invited organisations), threshold (integer), status (draft or published), published (timestamp), endorsement_refs (opinion ids counted toward the quorum), terms_digest (string).",
  "version": "1.0.0",
  "extension_types": ["new-sdo"]
}`, `{
  "type": "extension-definition", "spec_version": "2.1",
  "id": "` + EndorsementExtensionID + `",
  "created_by_ref": "` + rampartIdentityID + `", ` + definitionsTime + `,
  "name": "Rampart statement endorsement",
  "description": "Makes an opinion an endorsement of a joint attribution statement: statement_ref names the statement and terms_digest is the base64url SHA-256 of the RFC 8785 canonical form of its terms (id, name, statement, incident_refs, intrusion_set_ref, confidence, evidence_refs, invited_refs, threshold). The opinion must be signed by its creator with the Rampart object signature.",
  "schema": "Properties: statement_ref (x-rampart-statement id), terms_digest (string).",
  "version": "1.0.0",
  "extension_types": ["property-extension"]
}`, `{
  "type": "extension-definition", "spec_version": "2.1",
  "id": "` + TriageExtensionID + `",
  "created_by_ref": "` + rampartIdentityID + `", ` + definitionsTime + `,
  "name": "Rampart alert triage",
  "description": "An x-rampart-triage is one step of the triage of an early-warning alert at a node: the alert acknowledged, assigned to an analyst, or closed, by an account of the node. It is addressed to the node's organisation alone.",
  "schema": "Properties: alert_ref (x-rampart-alert id), status (open, acknowledged, closed), assignee (account name, optional), actor (the account that made the step), comment (string, optional).",
  "version": "1.0.0",
  "extension_types": ["new-sdo"]
}`}

// ExtensionDefinitions returns the extension-definition objects that
// declare NIS2ExtensionID, AlertExtensionID, StatementExtensionID,
// EndorsementExtensionID and TriageExtensionID, and the identity that
// publishes them, so that a node can store and serve them and other tools
// can resolve the ids. The Objects are new on each call.
func ExtensionDefinitions() []*stix.Object {
	var out []*stix.Object
	for _, s := range extensionDefinitionsJSON {
		o, err := stix.ParseObject([]byte(s))
		if err != nil {
			return nil // the built-in JSON is broken: a bug that tests catch
		}
		out = append(out, o)
	}
	for _, o := range trust.ExtensionDefinition() {
		if o.ID == rampartIdentityID {
			out = append(out, o)
		}
	}
	return out
}

// DefinitionsOnce stores the extension definitions in a collection the
// first time coordination (the Service, the early-warning engine) writes
// there, so that every object Rampart writes can be resolved by the tools
// that read it, and collections that never hold coordination objects are
// left as they are. The zero value is ready to use; a DefinitionsOnce is
// safe for concurrent use.
type DefinitionsOnce struct {
	mu   sync.Mutex
	done map[string]bool
}

// Ensure stores ExtensionDefinitions in the collection collectionID
// unless this DefinitionsOnce already has; it returns the store's error,
// and tries again on the next call after one.
func (d *DefinitionsOnce) Ensure(ctx context.Context, objects rampart.ObjectService, collectionID string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done[collectionID] {
		return nil
	}
	// Storing a version a collection already holds changes nothing.
	if _, err := objects.CreateObjects(ctx, collectionID, ExtensionDefinitions()); err != nil {
		return err
	}
	if d.done == nil {
		d.done = map[string]bool{}
	}
	d.done[collectionID] = true
	return nil
}
