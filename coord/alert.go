package coord

import (
	json "encoding/json/v2"
	"fmt"
	"slices"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// Alert severity levels, lowest first.
const (
	SeverityLow      = "low"
	SeverityMedium   = "medium"
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// Severities lists the severity levels, lowest first.
var Severities = []string{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Alert is an early-warning alert: an x-rampart-alert object (declared by
// AlertExtensionID), raised by the engine of package coord/warning. An
// alert is about one episode of one rule: while more sightings join it,
// it keeps its id and gets new versions.
type Alert struct {
	ID        string
	Name      string
	CreatedBy string
	Created   time.Time
	Modified  time.Time
	Markings  []string

	// Rule names the rule that fired (same-indicator, same-intrusion-set,
	// same-campaign or watchlist: the Rule constants of coord/warning).
	Rule string
	// SubjectRef is what the alert is about: the sighted object, the
	// intrusion set or the campaign.
	SubjectRef string
	// Severity is one of Severities, from SeverityScore; SeverityReasons
	// say where the points came from.
	Severity        string
	SeverityScore   int
	SeverityReasons []string
	// MemberStates and Sectors of the organisations that sighted (for a
	// watchlist alert: the watchlist's member state).
	MemberStates []string
	Sectors      []string
	FirstSeen    time.Time
	LastSeen     time.Time

	SightingRefs     []string
	IndicatorRefs    []string
	IntrusionSetRefs []string
	CampaignRefs     []string

	// Window and MinStates are the rule's parameters when it fired.
	Window    time.Duration
	MinStates int

	// Watchlist names the watchlist that matched, Matches what matched.
	Watchlist string
	Matches   []WatchMatch
}

// WatchMatch is one watchlist entry an indicator matched.
type WatchMatch struct {
	Kind  string `json:"kind"`  // network, asn, domain, brand or lookalike
	Entry string `json:"entry"` // the watchlist entry
	Value string `json:"value"` // the value in the indicator's pattern
	// Reason says how a look-alike imitates the entry (homoglyphs, a
	// typo, added words, another suffix).
	Reason string `json:"reason,omitempty"`
}

type alertJSON struct {
	Type             string         `json:"type"`
	SpecVersion      string         `json:"spec_version"`
	ID               string         `json:"id"`
	Created          stix.Timestamp `json:"created"`
	Modified         stix.Timestamp `json:"modified"`
	CreatedByRef     string         `json:"created_by_ref,omitempty"`
	Markings         []string       `json:"object_marking_refs,omitempty"`
	Name             string         `json:"name"`
	Rule             string         `json:"rule"`
	SubjectRef       string         `json:"subject_ref,omitempty"`
	Severity         string         `json:"severity_level"`
	SeverityScore    int            `json:"severity_score"`
	SeverityReasons  []string       `json:"severity_reasons,omitempty"`
	MemberStates     []string       `json:"member_states,omitempty"`
	Sectors          []string       `json:"sectors,omitempty"`
	FirstSeen        stix.Timestamp `json:"first_seen,omitzero"`
	LastSeen         stix.Timestamp `json:"last_seen,omitzero"`
	SightingRefs     []string       `json:"sighting_refs,omitempty"`
	IndicatorRefs    []string       `json:"indicator_refs,omitempty"`
	IntrusionSetRefs []string       `json:"intrusion_set_refs,omitempty"`
	CampaignRefs     []string       `json:"campaign_refs,omitempty"`
	WindowSeconds    int64          `json:"window_seconds,omitzero"`
	MinStates        int            `json:"min_states,omitzero"`
	Watchlist        string         `json:"watchlist,omitempty"`
	Matches          []WatchMatch   `json:"matches,omitempty"`
	Extensions       any            `json:"extensions"`
}

// Object returns the alert as an x-rampart-alert object. Created and
// Modified must be set.
func (a *Alert) Object() (*stix.Object, error) {
	if a.Created.IsZero() || a.Modified.IsZero() {
		return nil, fmt.Errorf("alert %q: created and modified are required", a.ID)
	}
	j := alertJSON{
		Type: AlertType, SpecVersion: "2.1", ID: a.ID,
		Created: stix.NewTimestamp(a.Created), Modified: stix.NewTimestamp(a.Modified),
		CreatedByRef: a.CreatedBy, Markings: a.Markings, Name: a.Name, Rule: a.Rule, SubjectRef: a.SubjectRef,
		Severity: a.Severity, SeverityScore: a.SeverityScore, SeverityReasons: a.SeverityReasons,
		MemberStates: a.MemberStates, Sectors: a.Sectors,
		FirstSeen: timestampOrZero(a.FirstSeen), LastSeen: timestampOrZero(a.LastSeen),
		SightingRefs: a.SightingRefs, IndicatorRefs: a.IndicatorRefs,
		IntrusionSetRefs: a.IntrusionSetRefs, CampaignRefs: a.CampaignRefs,
		WindowSeconds: int64(a.Window / time.Second), MinStates: a.MinStates,
		Watchlist: a.Watchlist, Matches: a.Matches,
		Extensions: newSDOExtension(AlertExtensionID),
	}
	return marshalObject(j)
}

// ParseAlert reads an x-rampart-alert object.
func ParseAlert(o *stix.Object) (*Alert, error) {
	if o.Type != AlertType {
		return nil, fmt.Errorf("%s %q is not an %s", o.Type, o.ID, AlertType)
	}
	var j alertJSON
	if err := json.Unmarshal(o.Raw, &j); err != nil {
		return nil, fmt.Errorf("alert %q: %v", o.ID, err)
	}
	a := &Alert{
		ID: j.ID, Name: j.Name, CreatedBy: j.CreatedByRef, Created: j.Created.Time(), Modified: j.Modified.Time(),
		Markings: j.Markings, Rule: j.Rule, SubjectRef: j.SubjectRef,
		Severity: j.Severity, SeverityScore: j.SeverityScore, SeverityReasons: j.SeverityReasons,
		MemberStates: j.MemberStates, Sectors: j.Sectors, FirstSeen: j.FirstSeen.Time(), LastSeen: j.LastSeen.Time(),
		SightingRefs: j.SightingRefs, IndicatorRefs: j.IndicatorRefs,
		IntrusionSetRefs: j.IntrusionSetRefs, CampaignRefs: j.CampaignRefs,
		Window: time.Duration(j.WindowSeconds) * time.Second, MinStates: j.MinStates,
		Watchlist: j.Watchlist, Matches: j.Matches,
	}
	if j.FirstSeen.IsZero() {
		a.FirstSeen = time.Time{}
	}
	if j.LastSeen.IsZero() {
		a.LastSeen = time.Time{}
	}
	return a, nil
}

// SameContent reports whether two versions of an alert say the same
// thing (all of it but the id, the creator, the times of the versions,
// the rule's parameters and the watchlist's name), so that no new
// version is written for nothing.
func (a *Alert) SameContent(b *Alert) bool {
	return a.Rule == b.Rule && a.SubjectRef == b.SubjectRef && a.Severity == b.Severity &&
		slices.Equal(a.Markings, b.Markings) &&
		a.SeverityScore == b.SeverityScore && a.Name == b.Name &&
		slices.Equal(a.MemberStates, b.MemberStates) && slices.Equal(a.Sectors, b.Sectors) &&
		slices.Equal(a.SightingRefs, b.SightingRefs) && slices.Equal(a.IndicatorRefs, b.IndicatorRefs) &&
		slices.Equal(a.IntrusionSetRefs, b.IntrusionSetRefs) && slices.Equal(a.CampaignRefs, b.CampaignRefs) &&
		slices.Equal(a.SeverityReasons, b.SeverityReasons) && slices.Equal(a.Matches, b.Matches) &&
		a.FirstSeen.Equal(b.FirstSeen) && a.LastSeen.Equal(b.LastSeen)
}
