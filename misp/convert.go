package misp

import (
	"bytes"
	"context"
	json "encoding/json/v2"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// Resolver finds what a MISP event refers to among the objects a node
// already holds. A Converter with a nil Resolver creates every galaxy
// object itself and knows no organisation but the creator.
type Resolver interface {
	// FindSDO returns the id of an existing object of STIX type typ
	// (intrusion-set, attack-pattern, malware, tool, threat-actor) whose
	// name or alias is name or one of aliases, or whose external id (an
	// ATT&CK id, "T1059") is externalID; "" when there is none.
	FindSDO(ctx context.Context, typ, name string, aliases []string, externalID string) (string, error)
	// KnownOrganisation reports whether the identity id names an
	// organisation the node knows, so that objects may be addressed to it.
	KnownOrganisation(ctx context.Context, id string) bool
}

// Summary counts what a conversion produced.
type Summary struct {
	Events      int // events converted
	Attributes  int // loose attributes read (deleted ones excluded)
	Indicators  int // indicators made of to_ids attributes
	Observables int // observed-data made of the other attributes
	Custom      int // x-misp-attribute objects, for types STIX has no observable for
	Objects     int // MISP objects converted
	Sightings   int
	Galaxies    int // galaxy clusters linked
	Failures    []*Failure
	Notes       []string // what was kept in a custom form, once per attribute type
}

// Add adds o's counts and failures to s.
func (s *Summary) Add(o Summary) {
	s.Events += o.Events
	s.Attributes += o.Attributes
	s.Indicators += o.Indicators
	s.Observables += o.Observables
	s.Custom += o.Custom
	s.Objects += o.Objects
	s.Sightings += o.Sightings
	s.Galaxies += o.Galaxies
	s.Failures = append(s.Failures, o.Failures...)
	for _, n := range o.Notes {
		if !slices.Contains(s.Notes, n) {
			s.Notes = append(s.Notes, n)
		}
	}
}

func (s Summary) String() string {
	return fmt.Sprintf("%d events, %d attributes (%d indicators, %d observables, %d custom), %d objects, %d sightings, %d galaxy clusters, %d failed",
		s.Events, s.Attributes, s.Indicators, s.Observables, s.Custom, s.Objects, s.Sightings, s.Galaxies, len(s.Failures))
}

// Converter maps MISP events to STIX 2.1 objects following misp-stix's
// conventions (docs/MISP.md has the table). Ids come from the MISP uuids,
// so converting a changed event again gives new versions of the same
// objects, never duplicates. A Converter remembers the identities and
// galaxy objects it has emitted; it is not safe for concurrent use.
type Converter struct {
	resolver Resolver
	emitted  map[string]bool   // identities and galaxy SDOs already emitted
	found    map[string]string // galaxy cluster key → resolved id
	buf      bytes.Buffer      // the JSON of the object put is making
}

// maxKeptBuffer is the largest buffer put keeps for the next object (a
// report of a large event needs more, once).
const maxKeptBuffer = 1 << 20

// NewConverter returns a Converter that looks galaxies and organisations
// up through r (nil: none are looked up).
func NewConverter(r Resolver) *Converter {
	return &Converter{resolver: r, emitted: map[string]bool{}, found: map[string]string{}}
}

const tsLayout = "2006-01-02T15:04:05.000Z"

// identityTime is the created and modified time of the identities made of
// MISP organisations, the same whichever event names them, so that they
// are stored once.
const identityTime = "1970-01-01T00:00:00.000Z"

func stamp(t time.Time) string { return t.UTC().Format(tsLayout) }

// eventCtx is what the conversion of one event carries along.
type eventCtx struct {
	ctx      context.Context
	ev       *Event
	pos      int
	file     string
	creator  string   // identity id
	created  string   // the event's time
	markings []string // the event's TLP marking
	tlp      stix.TLP
	dist     string
	labels   []string
	refs     []string
	ids      map[string]string // MISP attribute/object uuid → STIX id
	inRefs   map[string]bool   // ids in refs
	indic    []string          // indicators, for event-level galaxy relationships
	emit     func(*stix.Object) error
	sum      *Summary
}

// ref adds ids to the report's object_refs, each once.
func (e *eventCtx) ref(ids ...string) {
	for _, id := range ids {
		if !e.inRefs[id] {
			e.inRefs[id] = true
			e.refs = append(e.refs, id)
		}
	}
}

func (e *eventCtx) fail(it string, err error) {
	e.sum.Failures = append(e.sum.Failures, &Failure{File: e.file, Event: e.pos, EventUUID: e.ev.UUID, Item: it, Err: err})
}

// Convert maps ev to STIX objects and gives each to emit, referenced
// objects before those that refer to them, the report or grouping last.
// file and pos say where ev came from, for failures. An attribute or
// object that cannot be converted is listed in the summary's Failures and
// the rest goes on; the error is emit's or ctx's, which stop the event.
// Items of ev without a uuid, or sharing one, are given derived uuids in
// place, so that ev maps back to what was stored.
func (c *Converter) Convert(ctx context.Context, ev *Event, file string, pos int, emit func(*stix.Object) error) (Summary, error) {
	var sum Summary
	e := &eventCtx{ctx: ctx, ev: ev, pos: pos, file: file, emit: emit, sum: &sum, ids: map[string]string{}, inRefs: map[string]bool{}}
	if ev.UUID == "" {
		ev.UUID = uuid5("event", ev.Info, ev.Date, string(ev.Timestamp))
	}
	t, ok := ev.Timestamp.Time()
	if !ok {
		if d, err := time.Parse("2006-01-02", ev.Date); err == nil {
			t = d
		} else {
			t = time.Unix(0, 0)
		}
	}
	e.created = stamp(t)
	org := ev.Orgc
	if org == nil {
		org = ev.Org
	}
	if org == nil || org.UUID == "" {
		org = &Org{Name: "MISP (organisation not given)", UUID: uuid5("misp-org", "unknown")}
	}
	if err := c.identity(e, org, true); err != nil {
		return sum, err
	}
	e.dist = string(ev.Distribution)
	e.labels, e.tlp, _ = splitTags(ev.Tag)
	if e.tlp != stix.TLPUnmarked {
		e.markings = []string{e.tlp.MarkingID()}
	}
	uuids := make(map[string]bool, len(ev.Attribute))
	for i := range ev.Attribute {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		a := &ev.Attribute[i]
		if a.Deleted {
			continue
		}
		if a.UUID == "" {
			a.UUID = uuid5(ev.UUID, "attribute", a.Type, a.Value)
		}
		if uuids[a.UUID] {
			// Two attributes under one uuid would be one STIX object:
			// the later gets a uuid of its own.
			old := a.UUID
			a.UUID = uuid5(ev.UUID, "duplicate", old, fmt.Sprint(i))
			sum.Notes = append(sum.Notes, fmt.Sprintf("event %s: attribute %d reuses uuid %s: converted as %s", ev.UUID, i, old, a.UUID))
		}
		uuids[a.UUID] = true
		sum.Attributes++
		if err := c.attribute(e, a); err != nil {
			if fe, ok := err.(*emitError); ok {
				return sum, fe.err
			}
			e.fail(item("attribute", a.index(i), a.UUID), err)
		}
	}
	for i := range ev.Object {
		o := &ev.Object[i]
		if o.Deleted {
			continue
		}
		if o.UUID == "" {
			o.UUID = uuid5(ev.UUID, "object", o.Name, fmt.Sprint(i))
		}
		if err := c.object(e, o); err != nil {
			if fe, ok := err.(*emitError); ok {
				return sum, fe.err
			}
			at := i
			if o.at > 0 {
				at = o.at - 1
			}
			e.fail(item("object", at, o.UUID), err)
			continue
		}
		sum.Objects++
	}
	for i := range ev.Object {
		if err := c.references(e, &ev.Object[i]); err != nil {
			return sum, err
		}
	}
	if err := c.sightings(e, ev.Sighting, "", ""); err != nil {
		return sum, err
	}
	for _, g := range ev.Galaxy {
		ids, err := c.galaxy(e, g, e.indic, "event")
		if err != nil {
			if fe, ok := err.(*emitError); ok {
				return sum, fe.err
			}
			e.fail("galaxy "+g.Type, err)
		}
		e.ref(ids...)
	}
	if err := c.report(e); err != nil {
		return sum, err
	}
	sum.Events++
	return sum, nil
}

// emitError is emit's error, which stops the conversion, told apart from
// an item's.
type emitError struct{ err error }

func (e *emitError) Unwrap() error { return e.err }

func (e *emitError) Error() string { return e.err.Error() }

// put parses v as a STIX object, addresses it as the distribution says and
// emits it.
func (c *Converter) put(e *eventCtx, v any, dist string, sg *SharingGroup) (*stix.Object, error) {
	// The JSON is written to one buffer, which ParseObject copies from:
	// a slice of its own for every object was one copy too many.
	c.buf.Reset()
	if err := json.MarshalWrite(&c.buf, v); err != nil {
		return nil, fmt.Errorf("encode: %v", err)
	}
	o, err := stix.ParseObject(c.buf.Bytes())
	if c.buf.Cap() > maxKeptBuffer {
		c.buf = bytes.Buffer{}
	}
	if err != nil {
		return nil, err
	}
	if orgs := c.recipients(e, dist, sg); len(orgs) > 0 {
		if o, err = stix.WithRecipients(o, orgs...); err != nil {
			return nil, err
		}
	}
	if err := e.emit(o); err != nil {
		return nil, &emitError{err}
	}
	return o, nil
}

// emitSCO emits a cyber-observable once per Converter: its id is its
// value's, shared by every attribute that names it.
func (c *Converter) emitSCO(e *eventCtx, o *stix.Object) error {
	if c.emitted[o.ID] {
		return nil
	}
	c.emitted[o.ID] = true
	if err := e.emit(o); err != nil {
		return &emitError{err}
	}
	return nil
}

// identity emits the identity of a MISP organisation once per Converter.
func (c *Converter) identity(e *eventCtx, org *Org, creator bool) error {
	if org == nil || org.UUID == "" {
		return nil
	}
	u, err := normUUID(org.UUID)
	if err != nil || u == "" {
		return nil
	}
	id := "identity--" + u
	if creator {
		e.creator = id
	}
	if c.emitted[id] {
		return nil
	}
	c.emitted[id] = true
	if c.resolver != nil && c.resolver.KnownOrganisation(e.ctx, id) {
		return nil // the node has its identity, maybe signed: keep it
	}
	name := org.Name
	if name == "" {
		name = u
	}
	// One version for every import of every event of the organisation:
	// its time is fixed, not the event's.
	v := map[string]any{"type": "identity", "spec_version": "2.1", "id": id, "created": identityTime,
		"modified": identityTime, "name": name, "identity_class": "organization"}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	o, err := stix.ParseObject(data)
	if err != nil {
		return nil
	}
	if err := e.emit(o); err != nil {
		return err
	}
	return nil
}

// recipients returns the organisations an item is addressed to: for
// "your organisation only" (0), its creator; for a sharing group (4), the
// members the node knows, and the creator; nobody otherwise (5 inherits
// the event's).
func (c *Converter) recipients(e *eventCtx, dist string, sg *SharingGroup) []string {
	if dist == "" || dist == DistInherit {
		dist, sg = e.dist, e.ev.SharingGroup
	}
	var orgs []string
	switch dist {
	case DistOrganisation:
	case DistSharingGroup:
		if sg != nil {
			for _, m := range sg.SharingGroupOrg {
				if m.Organisation == nil {
					continue
				}
				u, err := normUUID(m.Organisation.UUID)
				if err != nil || u == "" {
					continue
				}
				id := "identity--" + u
				if id == e.creator || slices.Contains(orgs, id) || len(orgs) >= stix.MaxRecipients-1 {
					continue
				}
				if c.resolver != nil && c.resolver.KnownOrganisation(e.ctx, id) {
					orgs = append(orgs, id)
				}
			}
		}
	default:
		return nil
	}
	if e.creator != "" {
		orgs = append([]string{e.creator}, orgs...)
	}
	return orgs
}

// splitTags returns the labels of tags (every tag but TLP ones), the
// strictest TLP level among them and the TLP tags as written.
func splitTags(tags []Tag) (labels []string, tlp stix.TLP, tlpTags []string) {
	for _, t := range tags {
		name := strings.TrimSpace(t.Name)
		if name == "" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(name), "tlp:") {
			if l, err := stix.ParseTLP(name); err == nil {
				tlpTags = append(tlpTags, name)
				tlp = max(tlp, l)
				continue
			}
		}
		if !slices.Contains(labels, name) {
			labels = append(labels, name)
		}
	}
	return labels, tlp, tlpTags
}

// markingsFor returns the object markings of an item: the strictest of
// the event's TLP and its own, TLP:RED for "your organisation only".
func markingsFor(e *eventCtx, own stix.TLP, dist string) []string {
	l := max(e.tlp, own)
	if dist == DistOrganisation || (dist == "" || dist == DistInherit) && e.dist == DistOrganisation {
		l = stix.TLPRed
	}
	if l == stix.TLPUnmarked {
		return nil
	}
	return []string{l.MarkingID()}
}

// Common are the properties every SDO and SRO made here carries.
type common struct {
	Type              string   `json:"type"`
	SpecVersion       string   `json:"spec_version"`
	ID                string   `json:"id"`
	CreatedByRef      string   `json:"created_by_ref,omitempty"`
	Created           string   `json:"created"`
	Modified          string   `json:"modified"`
	Labels            []string `json:"labels,omitempty"`
	ObjectMarkingRefs []string `json:"object_marking_refs,omitempty"`
}

// attrProps are the MISP properties kept on an attribute's object so
// that it maps back to the same attribute.
type attrProps struct {
	MISPType         string   `json:"x_misp_type,omitempty"`
	MISPCategory     string   `json:"x_misp_category,omitempty"`
	MISPValue        string   `json:"x_misp_value,omitempty"`
	MISPToIDs        bool     `json:"x_misp_to_ids,omitzero"`
	MISPComment      string   `json:"x_misp_comment,omitempty"`
	MISPDistribution string   `json:"x_misp_distribution,omitempty"`
	MISPTLPTags      []string `json:"x_misp_tlp_tags,omitempty"`
	MISPGalaxies     []Galaxy `json:"x_misp_galaxies,omitempty"`
	MISPFirstSeen    string   `json:"x_misp_first_seen,omitempty"`
	MISPLastSeen     string   `json:"x_misp_last_seen,omitempty"`
	MISPDisableCorr  bool     `json:"x_misp_disable_correlation,omitzero"`
}

type killChainPhase struct {
	KillChainName string `json:"kill_chain_name"`
	PhaseName     string `json:"phase_name"`
}

type indicatorJSON struct {
	common          `json:",inline"`
	Name            string           `json:"name,omitempty"`
	Description     string           `json:"description,omitempty"`
	Pattern         string           `json:"pattern"`
	PatternType     string           `json:"pattern_type"`
	PatternVersion  string           `json:"pattern_version,omitempty"`
	ValidFrom       string           `json:"valid_from"`
	KillChainPhases []killChainPhase `json:"kill_chain_phases,omitempty"`
	attrProps       `json:",inline"`
	objectProps     `json:",inline"`
}

type observedJSON struct {
	common         `json:",inline"`
	FirstObserved  string   `json:"first_observed"`
	LastObserved   string   `json:"last_observed"`
	NumberObserved int      `json:"number_observed"`
	ObjectRefs     []string `json:"object_refs"`
	attrProps      `json:",inline"`
	objectProps    `json:",inline"`
}

type customJSON struct {
	common      `json:",inline"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	attrProps   `json:",inline"`
	objectProps `json:",inline"`
}

// seen returns the first and last times of an item: its first_seen and
// last_seen when MISP has them, else its timestamp, else the event's.
func seen(e *eventCtx, ts Text, first, last string) (string, string) {
	at := e.created
	if t, ok := ts.Time(); ok {
		at = stamp(t)
	}
	f, l := at, at
	// Most attributes have neither (and a failed time.Parse allocates
	// its error).
	if first != "" {
		if t, err := time.Parse(time.RFC3339Nano, first); err == nil {
			f = stamp(t)
		}
	}
	if last != "" {
		if t, err := time.Parse(time.RFC3339Nano, last); err == nil {
			l = stamp(t)
		}
	}
	if l < f {
		l = f
	}
	return f, l
}

// patternTypes are the MISP types whose value is a pattern in another
// language, kept as an indicator of that pattern_type.
var patternTypes = map[string]string{"snort": "snort", "yara": "yara", "sigma": "sigma", "suricata": "suricata", "pcre": "pcre"}

func (c *Converter) attribute(e *eventCtx, a *Attribute) error {
	labels, own, tlpTags := splitTags(a.Tag)
	modified := e.created
	if t, ok := a.Timestamp.Time(); ok {
		modified = stamp(t)
	}
	first, last := seen(e, a.Timestamp, a.FirstSeen, a.LastSeen)
	cm := common{SpecVersion: "2.1", CreatedByRef: e.creator, Created: modified, Modified: modified,
		Labels: labels, ObjectMarkingRefs: markingsFor(e, own, string(a.Distribution))}
	ap := attrProps{MISPType: a.Type, MISPCategory: a.Category, MISPValue: a.Value, MISPToIDs: bool(a.ToIDs),
		MISPComment: a.Comment, MISPDistribution: string(a.Distribution), MISPTLPTags: tlpTags,
		MISPGalaxies: stripGalaxies(a.Galaxy), MISPFirstSeen: a.FirstSeen, MISPLastSeen: a.LastSeen,
		MISPDisableCorr: bool(a.DisableCorrelation)}
	var kcp []killChainPhase
	if a.Category != "" {
		kcp = []killChainPhase{{"misp-category", a.Category}}
	}
	var out any
	obs, err := observe(a.Type, a.Value)
	pt, isPattern := patternTypes[a.Type]
	switch {
	case err != nil && err != errUnmapped:
		return fmt.Errorf("%s value %q: %v", a.Type, a.Value, err)
	case bool(a.ToIDs) && (err == nil || isPattern):
		cm.Type, cm.ID = "indicator", "indicator--"+a.UUID
		ind := indicatorJSON{common: cm, Description: a.Comment, ValidFrom: first,
			KillChainPhases: kcp, attrProps: ap, PatternType: "stix", PatternVersion: "2.1"}
		if isPattern {
			ind.Pattern, ind.PatternType, ind.PatternVersion = a.Value, pt, ""
		} else {
			ind.Pattern = patternOf([]*observable{obs})
		}
		out = ind
		e.sum.Indicators++
		e.indic = append(e.indic, cm.ID)
	case err == nil:
		scos, err := obs.scos()
		if err != nil {
			return err
		}
		var refs []string
		for _, s := range scos {
			if err := c.emitSCO(e, s); err != nil {
				return err
			}
			refs = append(refs, s.ID)
		}
		cm.Type, cm.ID = "observed-data", "observed-data--"+a.UUID
		out = observedJSON{common: cm, FirstObserved: first, LastObserved: last, NumberObserved: 1, ObjectRefs: refs, attrProps: ap}
		e.sum.Observables++
	default:
		cm.Type, cm.ID = "x-misp-attribute", "x-misp-attribute--"+a.UUID
		out = customJSON{common: cm, Name: shorten(a.Value), Description: a.Comment, attrProps: ap}
		e.sum.Custom++
		note := fmt.Sprintf("MISP type %q has no STIX observable: kept as x-misp-attribute", a.Type)
		if !slices.Contains(e.sum.Notes, note) {
			e.sum.Notes = append(e.sum.Notes, note)
		}
	}
	o, err := c.put(e, out, string(a.Distribution), a.SharingGroup)
	if err != nil {
		return err
	}
	e.ids[a.UUID] = o.ID
	e.ref(o.ID)
	if err := c.sightings(e, a.Sighting, o.ID, a.UUID); err != nil {
		return err
	}
	for _, g := range a.Galaxy {
		ids, err := c.galaxy(e, g, []string{o.ID}, "attribute")
		if err != nil {
			if _, ok := err.(*emitError); ok {
				return err
			}
			e.fail("attribute "+a.UUID+": galaxy "+g.Type, err)
		}
		e.ref(ids...)
	}
	return nil
}

// shorten returns s cut to 200 bytes, for names.
func shorten(s string) string {
	if len(s) <= 200 {
		return s
	}
	i := 200
	for i > 0 && s[i]&0xc0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

// stripGalaxies returns gs without cluster meta, as kept on objects.
func stripGalaxies(gs []Galaxy) []Galaxy {
	if len(gs) == 0 {
		return nil
	}
	out := make([]Galaxy, len(gs))
	for i, g := range gs {
		g.Description = ""
		cl := make([]GalaxyCluster, len(g.GalaxyCluster))
		for j, k := range g.GalaxyCluster {
			k.Meta, k.Description = nil, ""
			cl[j] = k
		}
		g.GalaxyCluster = cl
		out[i] = g
	}
	return out
}

func (c *Converter) report(e *eventCtx) error {
	ev := e.ev
	refs := e.refs
	if len(refs) == 0 && e.creator != "" {
		refs = []string{e.creator}
	}
	if len(refs) == 0 {
		return nil // nothing to say: an event with no uuid'd creator and no content
	}
	_, _, tlpTags := splitTags(ev.Tag)
	info := ev.EventInfo
	info.Tag, info.Galaxy = nil, nil
	v := map[string]any{
		"spec_version": "2.1", "created": e.created, "modified": e.created,
		"name": ev.Info, "object_refs": refs, "x_misp_event": info,
	}
	if ev.Info == "" {
		v["name"] = "MISP event " + ev.UUID
	}
	if e.creator != "" {
		v["created_by_ref"] = e.creator
	}
	if len(e.labels) > 0 {
		v["labels"] = e.labels
	}
	if m := markingsFor(e, stix.TLPUnmarked, ""); m != nil {
		v["object_marking_refs"] = m
	}
	if len(tlpTags) > 0 {
		v["x_misp_tlp_tags"] = tlpTags
	}
	if gs := stripGalaxies(ev.Galaxy); gs != nil {
		v["x_misp_galaxies"] = gs
	}
	if ev.Published {
		v["type"], v["id"] = "report", "report--"+ev.UUID
		pub := e.created
		if t, ok := ev.PublishTimestamp.Time(); ok {
			pub = stamp(t)
		}
		v["published"] = pub
		v["report_types"] = []string{"threat-report"}
	} else {
		v["type"], v["id"] = "grouping", "grouping--"+ev.UUID
		v["context"] = "suspicious-activity"
	}
	_, err := c.put(e, v, "", nil)
	if fe, ok := err.(*emitError); ok {
		return fe.err
	}
	if err != nil {
		e.fail("event", err)
	}
	return nil
}
