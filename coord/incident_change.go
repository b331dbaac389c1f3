package coord

import "time"

// IncidentChange is a change to an incident's fields, as a person or a
// tool asks for it: a nil field is left as it is. "rampart incident
// create" and "update" set it from their flags; it is the body of the
// JSON API's POST and PATCH /api/v1/incidents, whose member names its
// tags give.
type IncidentChange struct {
	Name                 *string    `json:"name"`
	Description          *string    `json:"description"`
	Detected             *time.Time `json:"detected"`
	MemberState          *string    `json:"member_state"`
	AffectedMemberStates *[]string  `json:"affected_member_states"`
	Sectors              *[]string  `json:"sectors"`
	Significant          *bool      `json:"significant"`
	TrustServiceProvider *bool      `json:"trust_service_provider"`
	CrossBorder          *bool      `json:"cross_border"`
	CrossBorderImpact    *string    `json:"cross_border_impact"`
	EULevel              *string    `json:"eu_alert_level"`
	Determination        *string    `json:"determination"`
	InvestigationStatus  *string    `json:"investigation_status"`
	Criticality          *int       `json:"criticality"`
	IncidentTypes        *[]string  `json:"incident_types"`
	JointIncidentRef     *string    `json:"joint_incident_ref"`
	MemberIncidentRefs   *[]string  `json:"member_incident_refs"`
	AlertRefs            *[]string  `json:"alert_refs"`
}

// Apply sets the fields of inc the change gives. It checks nothing: the
// service validates the incident when it is stored.
func (c *IncidentChange) Apply(inc *Incident) {
	set(&inc.Name, c.Name)
	set(&inc.Description, c.Description)
	set(&inc.Detected, c.Detected)
	set(&inc.MemberState, c.MemberState)
	set(&inc.AffectedMemberStates, c.AffectedMemberStates)
	set(&inc.Sectors, c.Sectors)
	set(&inc.Significant, c.Significant)
	set(&inc.TrustServiceProvider, c.TrustServiceProvider)
	set(&inc.CrossBorder, c.CrossBorder)
	set(&inc.CrossBorderImpact, c.CrossBorderImpact)
	set(&inc.EULevel, c.EULevel)
	set(&inc.Determination, c.Determination)
	set(&inc.InvestigationStatus, c.InvestigationStatus)
	set(&inc.IncidentTypes, c.IncidentTypes)
	set(&inc.JointIncidentRef, c.JointIncidentRef)
	set(&inc.MemberIncidentRefs, c.MemberIncidentRefs)
	set(&inc.AlertRefs, c.AlertRefs)
	if c.Criticality != nil {
		v := *c.Criticality // the change keeps its own
		inc.Criticality = &v
	}
}

// set copies *src to *dst when src is not nil.
func set[T any](dst, src *T) {
	if src != nil {
		*dst = *src
	}
}
