package coord

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// EU alert levels of a coordinated incident, from national handling to an
// EU-level crisis. They follow the layers of the EU cyber crisis blueprint:
// technical cooperation in the CSIRTs network (elevated), operational
// cooperation in EU-CyCLONe (high) and political crisis response (crisis).
const (
	EULevelNormal   = "normal"
	EULevelElevated = "elevated"
	EULevelHigh     = "high"
	EULevelCrisis   = "crisis"
)

// EULevels lists the EU alert levels, lowest first.
var EULevels = []string{EULevelNormal, EULevelElevated, EULevelHigh, EULevelCrisis}

// Determinations of the OASIS incident-core extension.
var Determinations = []string{"blocked", "confirmed", "failed", "false-positive", "low-value", "suspected"}

// Investigation statuses (an open vocabulary of incident-core; these are
// its suggested values).
const (
	StatusNew    = "new"
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Limits on an incident.
const (
	// MaxTimelineEntries is the most timeline entries one incident holds.
	MaxTimelineEntries = 10000
	// MaxTextBytes is the longest name, description or timeline text.
	MaxTextBytes = 64 << 10
)

// Incident is a coordinated incident as one member state records it: a
// STIX incident object with the OASIS incident-core extension and
// Rampart's NIS2 extension (NIS2ExtensionID). Each member state keeps its
// own incident on its own node; a joint incident (one that lists
// MemberIncidentRefs) is the shared view.
//
// An Incident read with ParseIncident remembers the object it came from,
// so that Object writes a new version that keeps every property and
// extension Rampart does not manage. An Incident is a value to edit: it is
// not safe for concurrent use.
type Incident struct {
	ID          string
	Name        string
	Description string
	CreatedBy   string
	Created     time.Time
	Modified    time.Time
	// Markings are the object_marking_refs (TLP and others).
	Markings []string

	// Incident-core: Determination (default "suspected"),
	// InvestigationStatus (default "new"), Criticality 0-100 (nil when
	// unset), IncidentTypes.
	Determination       string
	InvestigationStatus string
	Criticality         *int
	IncidentTypes       []string

	// MemberState is the member state that reports the incident (ISO
	// 3166-1 alpha-2).
	MemberState string
	// Detected is when the entity became aware of the incident: the start
	// of every NIS2 deadline.
	Detected time.Time
	// TrustServiceProvider shortens the notification deadline to 24 h.
	TrustServiceProvider bool
	// Significant marks a significant incident in the sense of NIS2
	// Art. 23(3).
	Significant bool
	// Submitted holds report submission times by report kind.
	Submitted map[string]time.Time
	// AffectedMemberStates and Sectors (STIX industry-sector-ov) hit.
	AffectedMemberStates []string
	Sectors              []string
	// CrossBorder is set when the incident affects another member state
	// than MemberState, and may be set by hand for impact beyond the
	// affected states' own networks.
	CrossBorder       bool
	CrossBorderImpact string
	// EULevel is one of EULevels ("" means normal).
	EULevel string
	// Timeline holds the actions taken, oldest first.
	Timeline []TimelineEntry
	// JointIncidentRef names the joint incident this one belongs to;
	// MemberIncidentRefs, on a joint incident, the member states' own.
	JointIncidentRef   string
	MemberIncidentRefs []string
	// AlertRefs are the early-warning alerts that led to the incident.
	AlertRefs []string

	raw jsontext.Value
}

// TimelineEntry is one action on an incident.
type TimelineEntry struct {
	Time        time.Time `json:"time"`
	Actor       string    `json:"actor,omitempty"` // who acted: a member state, an organisation or a person
	Activity    string    `json:"activity"`        // what was done, in a few words
	Description string    `json:"description,omitempty"`
}

// Deadlines returns the incident's three NIS2 deadlines.
func (inc *Incident) Deadlines() []Deadline {
	return Deadlines(inc.Detected, inc.TrustServiceProvider, inc.Submitted)
}

// Overdue returns the kinds of the reports overdue at now, in the order
// they were due.
func (inc *Incident) Overdue(now time.Time) []string {
	var out []string
	for _, d := range inc.Deadlines() {
		if d.Overdue(now) {
			out = append(out, d.Kind)
		}
	}
	return out
}

// Submit records that the report of the given kind was submitted at t. It
// returns an error for an unknown kind or a time before detection.
func (inc *Incident) Submit(kind string, t time.Time) error {
	if err := checkReportKind(kind); err != nil {
		return err
	}
	if t.Before(inc.Detected) {
		return fmt.Errorf("incident %q: %s submitted at %s, before detection at %s", inc.ID, kind, t.UTC().Format(time.RFC3339), inc.Detected.UTC().Format(time.RFC3339))
	}
	if inc.Submitted == nil {
		inc.Submitted = map[string]time.Time{}
	}
	inc.Submitted[kind] = t.UTC()
	return nil
}

// Report records that the NIS2 report of the given kind was submitted at
// t, as Submit does, and adds the submission to the timeline as done by
// actor, with the authority's reference for it when there is one. It
// returns Submit's errors.
func (inc *Incident) Report(kind string, t time.Time, actor, reference string) error {
	if err := inc.Submit(kind, t); err != nil {
		return err
	}
	desc := ""
	if reference != "" {
		desc = "reference " + reference
	}
	inc.Timeline = append(inc.Timeline, TimelineEntry{Time: t, Actor: actor, Activity: kind + " submitted", Description: desc})
	return nil
}

// crossBorder reports whether the affected states go beyond the reporting
// one.
func (inc *Incident) crossBorder() bool {
	for _, s := range inc.AffectedMemberStates {
		if s != inc.MemberState {
			return true
		}
	}
	return inc.CrossBorder
}

// Validate checks the incident's fields and returns an error naming the
// first bad one.
func (inc *Incident) Validate() error {
	who := fmt.Sprintf("incident %q", inc.ID)
	if inc.ID == "" {
		who = "incident"
	} else if typ, _, err := stix.ParseID(inc.ID); err != nil || typ != "incident" {
		return fmt.Errorf("incident id must be \"incident--UUID\" (got %q)", inc.ID)
	}
	switch {
	case strings.TrimSpace(inc.Name) == "":
		return fmt.Errorf("%s: name is required", who)
	case len(inc.Name) > MaxTextBytes || len(inc.Description) > MaxTextBytes:
		return fmt.Errorf("%s: name and description must be at most MaxTextBytes (%d bytes)", who, MaxTextBytes)
	case inc.Detected.IsZero():
		return fmt.Errorf("%s: detected (when the incident became known) is required", who)
	case inc.MemberState != "" && !validCountry(inc.MemberState):
		return fmt.Errorf("%s: member_state must be an ISO 3166-1 alpha-2 code in upper case (got %q)", who, inc.MemberState)
	case inc.Determination != "" && !slices.Contains(Determinations, inc.Determination):
		return fmt.Errorf("%s: determination must be one of %s (got %q)", who, strings.Join(Determinations, ", "), inc.Determination)
	case inc.InvestigationStatus != "" && !lowerHyphen(inc.InvestigationStatus):
		return fmt.Errorf("%s: investigation_status must be lower case words joined by '-', such as new, open or closed (got %q)", who, inc.InvestigationStatus)
	case inc.Criticality != nil && (*inc.Criticality < 0 || *inc.Criticality > 100):
		return fmt.Errorf("%s: criticality must be between 0 and 100 (got %d)", who, *inc.Criticality)
	case inc.EULevel != "" && !slices.Contains(EULevels, inc.EULevel):
		return fmt.Errorf("%s: eu_alert_level must be one of %s (got %q)", who, strings.Join(EULevels, ", "), inc.EULevel)
	case len(inc.Timeline) > MaxTimelineEntries:
		return fmt.Errorf("%s: timeline exceeds MaxTimelineEntries (%d)", who, MaxTimelineEntries)
	}
	for _, c := range inc.AffectedMemberStates {
		if !validCountry(c) {
			return fmt.Errorf("%s: affected_member_states: %q is not an ISO 3166-1 alpha-2 code in upper case", who, c)
		}
	}
	for _, s := range inc.Sectors {
		if !lowerHyphen(s) {
			return fmt.Errorf("%s: sectors: %q is not an industry sector (lower case words joined by '-', such as energy or financial-services)", who, s)
		}
	}
	for _, t := range inc.IncidentTypes {
		if !lowerHyphen(t) {
			return fmt.Errorf("%s: incident_types: %q is not lower case words joined by '-'", who, t)
		}
	}
	for kind, t := range inc.Submitted {
		if err := checkReportKind(kind); err != nil {
			return fmt.Errorf("%s: %v", who, err)
		}
		if t.Before(inc.Detected) {
			return fmt.Errorf("%s: %s submitted at %s, before detection at %s", who, kind, t.UTC().Format(time.RFC3339), inc.Detected.UTC().Format(time.RFC3339))
		}
	}
	for i, e := range inc.Timeline {
		switch {
		case e.Time.IsZero():
			return fmt.Errorf("%s: timeline[%d]: time is required", who, i)
		case strings.TrimSpace(e.Activity) == "":
			return fmt.Errorf("%s: timeline[%d]: activity is required", who, i)
		case len(e.Activity)+len(e.Description)+len(e.Actor) > MaxTextBytes:
			return fmt.Errorf("%s: timeline[%d]: text exceeds MaxTextBytes (%d bytes)", who, i, MaxTextBytes)
		}
	}
	for _, ref := range append(append([]string{inc.JointIncidentRef}, inc.MemberIncidentRefs...), inc.AlertRefs...) {
		if ref == "" {
			continue
		}
		if _, _, err := stix.ParseID(ref); err != nil {
			return fmt.Errorf("%s: %v", who, err)
		}
	}
	return nil
}

// nis2JSON is the value of extensions[NIS2ExtensionID].
type nis2JSON struct {
	ExtensionType         string                    `json:"extension_type"`
	MemberState           string                    `json:"member_state,omitempty"`
	Detected              stix.Timestamp            `json:"detected"`
	EarlyWarningDue       stix.Timestamp            `json:"early_warning_due"`
	NotificationDue       stix.Timestamp            `json:"notification_due"`
	FinalReportDue        stix.Timestamp            `json:"final_report_due"`
	EarlyWarningSubmitted stix.Timestamp            `json:"early_warning_submitted,omitzero"`
	NotificationSubmitted stix.Timestamp            `json:"notification_submitted,omitzero"`
	FinalReportSubmitted  stix.Timestamp            `json:"final_report_submitted,omitzero"`
	Overdue               []string                  `json:"overdue,omitempty"`
	TrustServiceProvider  bool                      `json:"trust_service_provider,omitzero"`
	Significant           bool                      `json:"significant,omitzero"`
	AffectedMemberStates  []string                  `json:"affected_member_states,omitempty"`
	Sectors               []string                  `json:"sectors,omitempty"`
	CrossBorder           bool                      `json:"cross_border"`
	CrossBorderImpact     string                    `json:"cross_border_impact,omitempty"`
	EULevel               string                    `json:"eu_alert_level,omitempty"`
	Timeline              []timelineJSON            `json:"timeline,omitempty"`
	JointIncidentRef      string                    `json:"joint_incident_ref,omitempty"`
	MemberIncidentRefs    []string                  `json:"member_incident_refs,omitempty"`
	AlertRefs             []string                  `json:"alert_refs,omitempty"`
	Unknown               map[string]jsontext.Value `json:",embed"`
}

type timelineJSON struct {
	Time        stix.Timestamp `json:"time"`
	Actor       string         `json:"actor,omitempty"`
	Activity    string         `json:"activity"`
	Description string         `json:"description,omitempty"`
}

// coreJSON is the part of the incident-core extension Rampart manages;
// other members are kept as they are.
type coreJSON struct {
	ExtensionType       string                    `json:"extension_type"`
	Determination       string                    `json:"determination"`
	InvestigationStatus string                    `json:"investigation_status"`
	Criticality         *int                      `json:"criticality,omitempty"`
	IncidentTypes       []string                  `json:"incident_types,omitempty"`
	Unknown             map[string]jsontext.Value `json:",embed"`
}

// incidentHeader is what ParseIncident reads besides the extensions.
type incidentHeader struct {
	Name        string                    `json:"name"`
	Description string                    `json:"description"`
	Extensions  map[string]jsontext.Value `json:"extensions"`
}

// ParseIncident reads an incident object. It returns an error for an
// object of another type or with a malformed NIS2 or incident-core
// extension; an incident without them (from another tool) is read with
// what it has, and Detected falls back to created.
func ParseIncident(o *stix.Object) (*Incident, error) {
	if o.Type != "incident" {
		return nil, fmt.Errorf("%s %q is not an incident", o.Type, o.ID)
	}
	var h incidentHeader
	if err := json.Unmarshal(o.Raw, &h); err != nil {
		return nil, fmt.Errorf("incident %q: %v", o.ID, err)
	}
	inc := &Incident{
		ID: o.ID, Name: h.Name, Description: h.Description, CreatedBy: o.CreatedByRef,
		Created: o.Created.Time(), Modified: o.Modified.Time(),
		Markings: o.ObjectMarkingRefs, Detected: o.Created.Time(),
		raw: o.Raw,
	}
	if raw, ok := h.Extensions[IncidentCoreExtensionID]; ok {
		var c coreJSON
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("incident %q: extensions[%q]: %v", o.ID, IncidentCoreExtensionID, err)
		}
		inc.Determination, inc.InvestigationStatus = c.Determination, c.InvestigationStatus
		inc.Criticality, inc.IncidentTypes = c.Criticality, c.IncidentTypes
	}
	if raw, ok := h.Extensions[NIS2ExtensionID]; ok {
		var n nis2JSON
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, fmt.Errorf("incident %q: extensions[%q]: %v", o.ID, NIS2ExtensionID, err)
		}
		inc.MemberState = n.MemberState
		if !n.Detected.IsZero() {
			inc.Detected = n.Detected.Time()
		}
		for kind, ts := range map[string]stix.Timestamp{
			ReportEarlyWarning: n.EarlyWarningSubmitted,
			ReportNotification: n.NotificationSubmitted,
			ReportFinal:        n.FinalReportSubmitted,
		} {
			if !ts.IsZero() {
				if inc.Submitted == nil {
					inc.Submitted = map[string]time.Time{}
				}
				inc.Submitted[kind] = ts.Time()
			}
		}
		inc.TrustServiceProvider, inc.Significant = n.TrustServiceProvider, n.Significant
		inc.AffectedMemberStates, inc.Sectors = n.AffectedMemberStates, n.Sectors
		inc.CrossBorder, inc.CrossBorderImpact, inc.EULevel = n.CrossBorder, n.CrossBorderImpact, n.EULevel
		for _, e := range n.Timeline {
			inc.Timeline = append(inc.Timeline, TimelineEntry{Time: e.Time.Time(), Actor: e.Actor, Activity: e.Activity, Description: e.Description})
		}
		inc.JointIncidentRef, inc.MemberIncidentRefs, inc.AlertRefs = n.JointIncidentRef, n.MemberIncidentRefs, n.AlertRefs
	}
	return inc, nil
}

// Object returns the next version of the incident as a STIX object,
// modified at now (or a millisecond after the version it was read from,
// if now is not later), with the overdue deadlines as of now. A new
// incident gets an id and created = now. Properties and extensions
// Rampart does not manage are kept from the version the incident was read
// from, except the object signature, which the new version no longer
// matches (sign it again).
func (inc *Incident) Object(now time.Time) (*stix.Object, error) {
	now = now.UTC().Truncate(time.Millisecond)
	if inc.ID == "" {
		inc.ID = stix.NewID("incident")
	}
	if inc.Created.IsZero() {
		inc.Created = now
	}
	if inc.Determination == "" {
		inc.Determination = "suspected"
	}
	if inc.InvestigationStatus == "" {
		inc.InvestigationStatus = StatusNew
	}
	if err := inc.Validate(); err != nil {
		return nil, err
	}
	modified := now
	if !inc.Modified.IsZero() && !modified.After(inc.Modified) {
		modified = inc.Modified.Add(time.Millisecond)
	}
	if modified.Before(inc.Created) {
		modified = inc.Created
	}

	members, err := objectMembers(inc.raw)
	if err != nil {
		return nil, fmt.Errorf("incident %q: %v", inc.ID, err)
	}
	exts, err := extensionMembers(members)
	if err != nil {
		return nil, fmt.Errorf("incident %q: %v", inc.ID, err)
	}
	core := coreJSON{ExtensionType: stix.ExtensionProperty, Determination: inc.Determination,
		InvestigationStatus: inc.InvestigationStatus, Criticality: inc.Criticality, IncidentTypes: inc.IncidentTypes}
	if old, ok := exts[IncidentCoreExtensionID]; ok {
		var prev coreJSON
		if json.Unmarshal(old, &prev) == nil {
			core.Unknown = prev.Unknown
		}
	}
	if exts[IncidentCoreExtensionID], err = json.Marshal(core, json.Deterministic(true)); err != nil {
		return nil, err
	}
	n := nis2JSON{
		ExtensionType: stix.ExtensionProperty, MemberState: inc.MemberState,
		Detected: stix.NewTimestamp(inc.Detected), TrustServiceProvider: inc.TrustServiceProvider,
		Significant: inc.Significant, AffectedMemberStates: inc.AffectedMemberStates, Sectors: inc.Sectors,
		CrossBorder: inc.crossBorder(), CrossBorderImpact: inc.CrossBorderImpact, EULevel: inc.EULevel,
		JointIncidentRef: inc.JointIncidentRef, MemberIncidentRefs: inc.MemberIncidentRefs, AlertRefs: inc.AlertRefs,
		Overdue: inc.Overdue(modified),
	}
	for _, d := range inc.Deadlines() {
		due, sub := stix.NewTimestamp(d.Due), timestampOrZero(d.Submitted)
		switch d.Kind {
		case ReportEarlyWarning:
			n.EarlyWarningDue, n.EarlyWarningSubmitted = due, sub
		case ReportNotification:
			n.NotificationDue, n.NotificationSubmitted = due, sub
		case ReportFinal:
			n.FinalReportDue, n.FinalReportSubmitted = due, sub
		}
	}
	if old, ok := exts[NIS2ExtensionID]; ok {
		var prev nis2JSON
		if json.Unmarshal(old, &prev) == nil {
			n.Unknown = prev.Unknown
		}
	}
	for _, e := range inc.Timeline {
		n.Timeline = append(n.Timeline, timelineJSON{Time: stix.NewTimestamp(e.Time), Actor: e.Actor, Activity: e.Activity, Description: e.Description})
	}
	if exts[NIS2ExtensionID], err = json.Marshal(n, json.Deterministic(true)); err != nil {
		return nil, err
	}
	delete(exts, trust.ExtensionID)

	set := func(name string, v any) error {
		b, err := json.Marshal(v, json.Deterministic(true))
		if err != nil {
			return err
		}
		members[name] = b
		return nil
	}
	for _, kv := range []struct {
		name string
		v    any
	}{
		{"type", "incident"}, {"spec_version", "2.1"}, {"id", inc.ID},
		{"created", stix.NewTimestamp(inc.Created)}, {"modified", stix.NewTimestamp(modified)},
		{"name", inc.Name}, {"extensions", exts},
	} {
		if err := set(kv.name, kv.v); err != nil {
			return nil, err
		}
	}
	setOrDelete(members, "description", inc.Description)
	setOrDelete(members, "created_by_ref", inc.CreatedBy)
	if len(inc.Markings) > 0 {
		set("object_marking_refs", inc.Markings)
	} else {
		delete(members, "object_marking_refs")
	}
	o, err := newObject(members)
	if err != nil {
		return nil, err
	}
	inc.Modified, inc.raw, inc.CrossBorder = modified, o.Raw, n.CrossBorder
	return o, nil
}

func timestampOrZero(t time.Time) stix.Timestamp {
	if t.IsZero() {
		return stix.Timestamp{}
	}
	return stix.NewTimestamp(t)
}
