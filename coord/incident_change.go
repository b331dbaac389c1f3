package coord

import "time"

// IncidentChange is a change to an incident's fields, as a person or a
// tool asks for it: a nil field is left as it is. It is what "rampart
// incident create" and "rampart incident update" set from their flags.
type IncidentChange struct {
	Name, Description, MemberState    *string
	EULevel, InvestigationStatus      *string
	Determination, CrossBorderImpact  *string
	JointIncidentRef                  *string
	AffectedMemberStates, Sectors     *[]string
	MemberIncidentRefs                *[]string
	Significant, TrustServiceProvider *bool
	Detected                          *time.Time
}

// Apply sets the fields of inc the change gives. It checks nothing: the
// service validates the incident when it is stored.
func (c *IncidentChange) Apply(inc *Incident) {
	set(&inc.Name, c.Name)
	set(&inc.Description, c.Description)
	set(&inc.MemberState, c.MemberState)
	set(&inc.EULevel, c.EULevel)
	set(&inc.InvestigationStatus, c.InvestigationStatus)
	set(&inc.Determination, c.Determination)
	set(&inc.CrossBorderImpact, c.CrossBorderImpact)
	set(&inc.JointIncidentRef, c.JointIncidentRef)
	set(&inc.AffectedMemberStates, c.AffectedMemberStates)
	set(&inc.Sectors, c.Sectors)
	set(&inc.MemberIncidentRefs, c.MemberIncidentRefs)
	set(&inc.Significant, c.Significant)
	set(&inc.TrustServiceProvider, c.TrustServiceProvider)
	set(&inc.Detected, c.Detected)
}

// set copies *src to *dst when src is not nil.
func set[T any](dst, src *T) {
	if src != nil {
		*dst = *src
	}
}
