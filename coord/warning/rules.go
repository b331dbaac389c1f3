package warning

import (
	json "encoding/json/v2"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

// Early-warning rules, as named in an alert's rule property.
const (
	// RuleSameIndicator: the same indicator (or any other sighted object)
	// sighted by organisations in at least MinStates member states within
	// Window.
	RuleSameIndicator = "same-indicator"
	// RuleSameIntrusionSet: at least two different indicators tied to the
	// same intrusion set (an "indicates" relationship, directly or through
	// a campaign attributed to it), sighted in at least MinStates member
	// states within Window.
	RuleSameIntrusionSet = "same-intrusion-set"
	// RuleSameCampaign: the same for indicators tied to one campaign.
	RuleSameCampaign = "same-campaign"
	// RuleWatchlist: a peer published an indicator that matches a member
	// state's watchlist.
	RuleWatchlist = "watchlist"
)

// Defaults of the early-warning rules.
const (
	DefaultMinStates = 2
	DefaultWindow    = 24 * time.Hour
	DefaultRetention = 30 * 24 * time.Hour
)

// Rules are the parameters of the early-warning rules.
type Rules struct {
	// MinStates is how many member states must have sighted (default 2).
	MinStates int
	// Window is the longest time between the sightings that make an alert
	// (default 24 h).
	Window time.Duration
	// Retention is how long sightings are remembered, counted from their
	// time (default 30 days); older ones no longer raise or extend alerts.
	Retention time.Duration
	// Marking is the TLP level of cross-border alerts: clear, green, amber
	// (default) or amber+strict. It is a floor: an alert drawn from
	// anything marked more strictly (a TLP:RED or addressed sighting, say)
	// takes that marking. Watchlist alerts are always TLP:RED, as they
	// reveal what a member state watches.
	Marking string
}

// rulesJSON is how Rules are written in a settings file: durations as
// text such as "24h" or "30d".
type rulesJSON struct {
	MinStates int    `json:"min_states,omitzero"`
	Window    string `json:"window,omitempty"`
	Retention string `json:"retention,omitempty"`
	Marking   string `json:"marking,omitempty"`
}

// MarshalJSON writes the rules with durations as text.
func (r Rules) MarshalJSON() ([]byte, error) {
	j := rulesJSON{MinStates: r.MinStates, Marking: r.Marking}
	if r.Window != 0 {
		j.Window = fmtDuration(r.Window)
	}
	if r.Retention != 0 {
		j.Retention = fmtDuration(r.Retention)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads rules written by MarshalJSON; durations are Go
// durations ("36h", "90m") or whole days ("30d").
func (r *Rules) UnmarshalJSON(b []byte) error {
	var j rulesJSON
	if err := json.Unmarshal(b, &j, json.RejectUnknownMembers(true)); err != nil {
		return err
	}
	*r = Rules{MinStates: j.MinStates, Marking: j.Marking}
	var err error
	if j.Window != "" {
		if r.Window, err = ParseDuration(j.Window); err != nil {
			return fmt.Errorf("window: %v", err)
		}
	}
	if j.Retention != "" {
		if r.Retention, err = ParseDuration(j.Retention); err != nil {
			return fmt.Errorf("retention: %v", err)
		}
	}
	return nil
}

// ParseDuration reads a Go duration ("36h", "90m") or a whole number of
// days ("30d").
func ParseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 36500 {
			return 0, fmt.Errorf("%q is not a number of days such as 30d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a duration such as 24h, 90m or 30d", s)
	}
	return v, nil
}

// DefaultRules returns the default parameters.
func DefaultRules() Rules {
	return Rules{MinStates: DefaultMinStates, Window: DefaultWindow, Retention: DefaultRetention, Marking: "amber"}
}

// withDefaults fills unset parameters.
func (r Rules) withDefaults() Rules {
	d := DefaultRules()
	if r.MinStates == 0 {
		r.MinStates = d.MinStates
	}
	if r.Window == 0 {
		r.Window = d.Window
	}
	if r.Retention == 0 {
		r.Retention = d.Retention
	}
	if r.Marking == "" {
		r.Marking = d.Marking
	}
	return r
}

// Validate checks the parameters (after defaults are applied) and returns
// an error naming the first bad one.
func (r Rules) Validate() error {
	r = r.withDefaults()
	switch {
	case r.MinStates < 2:
		return fmt.Errorf("early-warning rules: min_states must be at least 2: one state's own sightings are not cross-border (got %d)", r.MinStates)
	case r.Window < time.Minute:
		return fmt.Errorf("early-warning rules: window must be at least 1m (got %s)", r.Window)
	case r.Retention < r.Window:
		return fmt.Errorf("early-warning rules: retention (%s) must be at least the window (%s)", r.Retention, r.Window)
	}
	if _, err := alertMarking(r.Marking); err != nil {
		return fmt.Errorf("early-warning rules: marking: %v", err)
	}
	return nil
}

// alertMarking returns the marking-definition id of a TLP level name
// allowed for cross-border alerts.
func alertMarking(name string) (string, error) {
	t, err := stix.ParseTLP(name)
	if err != nil {
		return "", err
	}
	switch t {
	case stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict:
		return t.MarkingID(), nil
	}
	return "", fmt.Errorf("cross-border alerts are shared with the federation, so they may be TLP clear, green, amber or amber+strict (got %q)", name)
}

// RuleDescription describes one rule in force, for people.
type RuleDescription struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Describe returns the rules in force with their parameters, in words.
func (r Rules) Describe() []RuleDescription {
	r = r.withDefaults()
	return []RuleDescription{
		{RuleSameIndicator, fmt.Sprintf("the same indicator (or other sighted object) sighted by organisations in at least %d member states within %s", r.MinStates, fmtDuration(r.Window))},
		{RuleSameIntrusionSet, fmt.Sprintf("at least two indicators tied to the same intrusion set (indicates, directly or through a campaign attributed to it) sighted in at least %d member states within %s", r.MinStates, fmtDuration(r.Window))},
		{RuleSameCampaign, fmt.Sprintf("at least two indicators tied to the same campaign sighted in at least %d member states within %s", r.MinStates, fmtDuration(r.Window))},
		{RuleWatchlist, "a peer publishes an indicator whose pattern names a network, ASN, domain or brand on a member state's watchlist (alert marked TLP:RED)"},
		{"severity", "1 point for 2 member states, 2 for 3-4, 3 for 5 or more (watchlist: 2); +1 when a sector of high criticality (NIS2 Annex I) is hit; +1 when tied to an intrusion set; 0-1 low, 2 medium, 3 high, 4+ critical"},
		{"sightings", fmt.Sprintf("remembered for %s; alerts marked TLP:%s", fmtDuration(r.Retention), strings.ToUpper(r.Marking))},
	}
}

// fmtDuration prints whole hours and days plainly ("24h", "30d").
func fmtDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}

// criticalSectors maps STIX industry-sector-ov values to the NIS2 Annex I
// sectors of high criticality they belong to. Defence and education are
// outside NIS2; government maps to public administration.
var criticalSectors = map[string]string{
	"energy":                     "energy",
	"utilities":                  "energy",
	"infrastructure-nuclear":     "energy",
	"transportation":             "transport",
	"aviation":                   "transport",
	"financial-services":         "banking and financial market infrastructures",
	"healthcare":                 "health",
	"pharmaceuticals":            "health",
	"infrastructure-water":       "drinking water and waste water",
	"infrastructure-dams":        "drinking water and waste water",
	"telecommunications":         "digital infrastructure",
	"infrastructure":             "digital infrastructure",
	"technology":                 "ICT service management",
	"government":                 "public administration",
	"government-national":        "public administration",
	"government-regional":        "public administration",
	"government-public-services": "public administration",
	"aerospace":                  "space",
}

// CriticalSector returns the NIS2 Annex I sector a STIX industry sector
// belongs to, and false for sectors outside Annex I.
func CriticalSector(sector string) (string, bool) {
	s, ok := criticalSectors[sector]
	return s, ok
}

// scoreAlert computes a cross-border alert's severity: points for the
// number of member states, for sectors of high criticality and for an
// attribution to an intrusion set. base replaces the states' points when
// positive (watchlist alerts).
func scoreAlert(states, sectors []string, sets []string, base int, names func(string) string) (int, []string) {
	var score int
	var reasons []string
	switch n := len(states); {
	case base > 0:
		score = base
	case n >= 5:
		score = 3
		reasons = append(reasons, fmt.Sprintf("+3 sighted in %d member states", n))
	case n >= 3:
		score = 2
		reasons = append(reasons, fmt.Sprintf("+2 sighted in %d member states", n))
	case n >= 2:
		score = 1
		reasons = append(reasons, fmt.Sprintf("+1 sighted in %d member states", n))
	}
	var crit []string
	for _, s := range sectors {
		if a, ok := criticalSectors[s]; ok && !slices.Contains(crit, a) {
			crit = append(crit, a)
		}
	}
	if len(crit) > 0 {
		sort.Strings(crit)
		score++
		reasons = append(reasons, "+1 sector of high criticality (NIS2 Annex I): "+strings.Join(crit, ", "))
	}
	if len(sets) > 0 {
		var ns []string
		for _, s := range sets {
			ns = append(ns, names(s))
		}
		score++
		reasons = append(reasons, "+1 tied to intrusion set "+strings.Join(ns, ", "))
	}
	return score, reasons
}

// severityOf maps a score to a level: 0-1 low, 2 medium, 3 high, 4 and
// more critical.
func severityOf(score int) string {
	switch {
	case score >= 4:
		return coord.SeverityCritical
	case score == 3:
		return coord.SeverityHigh
	case score == 2:
		return coord.SeverityMedium
	}
	return coord.SeverityLow
}
