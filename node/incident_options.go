package node

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

// DefaultAttributionLimit is how many intrusion sets "incident attribute"
// ranks when not told.
const DefaultAttributionLimit = attribution.DefaultLimit

// IncidentOptions are what the incident commands are given, as text: the
// fields of an incident to set, each only when its option is named in
// Given; the marking, note and report of one; the filter of "incident
// list"; and the clock (Now) of them all. Check reads them.
type IncidentOptions struct {
	Name, Description, Level, Status, Determination, Impact, Joint string
	// MemberState is upper-cased; Affected, Sectors and Members are
	// comma-separated lists, Affected upper-cased.
	MemberState, Affected, Sectors, Members string
	Significant, TrustService               bool
	Detected, TLP, Note, Now, At, Reference string
	Overdue, JSON, JointView                bool
	// Limit is how many intrusion sets "incident attribute" ranks.
	Limit int
	// Given names the options given (as their command-line flags,
	// "level", "significant"), each once.
	Given []string

	change    coord.IncidentChange
	clock, at time.Time
	marking   stix.TLP
}

// notChanges are the options given to an incident command that change no
// field of the incident.
var notChanges = []string{"data", "postgres", "key", "registry", "now"}

// Check reads the times, marking and change the options give, and refuses
// options that do not make command sub ("create", "update", …). Its
// errors are ConfigErrors naming the flag.
func (o *IncidentOptions) Check(sub string) error {
	o.clock, o.at = time.Now().UTC(), time.Now().UTC()
	if err := readTime(&o.clock, "now", o.Now); err != nil {
		return err
	}
	switch sub {
	case "create":
		if o.Name == "" || o.Detected == "" {
			return &ConfigError{Msg: "incident create needs --name TEXT and --detected TIME",
				Hint: `rampart incident create --name "Wiper at grid operators" --detected 2026-03-10T09:30:00Z`}
		}
	case "attribute":
		if o.Limit < 1 || o.Limit > 100 {
			return configErrorf("--limit must be from 1 to 100 (got %d)", o.Limit)
		}
	case "update":
		if slices.Contains(o.Given, "tlp") {
			return configErrorf("--tlp is set when an incident is created; a marking cannot be lowered later")
		}
		if !slices.ContainsFunc(o.Given, func(name string) bool { return !slices.Contains(notChanges, name) }) {
			return configErrorf("incident update needs at least one change (--level, --status, --note, ...)")
		}
	}
	o.change = o.readChange()
	if slices.Contains(o.Given, "detected") {
		t, err := ParseTime("detected", o.Detected)
		if err != nil {
			return &ConfigError{Msg: err.Error()}
		}
		o.change.Detected = &t
	}
	if err := readTime(&o.at, "at", o.At); err != nil {
		return err
	}
	var err error
	if o.marking, err = stix.ParseTLP(cmp.Or(o.TLP, "amber")); err != nil && sub == "create" {
		return configErrorf("--tlp: %v", err)
	}
	return nil
}

// readChange returns the change of the fields whose options are given.
func (o *IncidentOptions) readChange() coord.IncidentChange {
	var c coord.IncidentChange
	text := map[string]struct {
		dst **string
		v   string
	}{"name": {&c.Name, o.Name}, "description": {&c.Description, o.Description}, "level": {&c.EULevel, o.Level},
		"status": {&c.InvestigationStatus, o.Status}, "determination": {&c.Determination, o.Determination},
		"impact": {&c.CrossBorderImpact, o.Impact}, "joint": {&c.JointIncidentRef, o.Joint},
		"member-state": {&c.MemberState, strings.ToUpper(o.MemberState)}}
	lists := map[string]struct {
		dst **[]string
		v   []string
	}{"affected": {&c.AffectedMemberStates, SplitList(strings.ToUpper(o.Affected))},
		"sectors": {&c.Sectors, SplitList(o.Sectors)}, "members": {&c.MemberIncidentRefs, SplitList(o.Members)}}
	switches := map[string]struct {
		dst **bool
		v   bool
	}{"significant": {&c.Significant, o.Significant}, "trust-service": {&c.TrustServiceProvider, o.TrustService}}
	for _, name := range o.Given {
		if f, ok := text[name]; ok {
			*f.dst = &f.v
		} else if f, ok := lists[name]; ok {
			*f.dst = &f.v
		} else if f, ok := switches[name]; ok {
			*f.dst = &f.v
		}
	}
	return c
}

// Change returns the change to an incident the checked options give.
func (o *IncidentOptions) Change() coord.IncidentChange { return o.change }

// Marking returns the TLP marking of a new incident, TLP:AMBER unless the
// checked options name another.
func (o *IncidentOptions) Marking() stix.TLP { return o.marking }

// Clock returns the time Now gives (the time of Check without it).
func (o *IncidentOptions) Clock() time.Time { return o.clock }

// ReportedAt returns when a report was submitted: At, or the time of
// Check without it.
func (o *IncidentOptions) ReportedAt() time.Time { return o.at }
