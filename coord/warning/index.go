package warning

import (
	json "encoding/json/v2"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

// ruleKey names what an alert is about: a rule and its subject.
type ruleKey struct {
	Rule    string
	Subject string
}

// sighting is what the engine remembers of a sighting's latest version.
type sighting struct {
	ID    string
	Of    string
	Where []string
	Time  time.Time

	// The member states and sectors of Where, as of placed (an index
	// generation), so that an evaluation does not place every sighting
	// again.
	placedGen          uint64
	countries, sectors []string
}

// relation is an "indicates", "attributed-to" or "located-at"
// relationship.
type relation struct {
	Type, Source, Target string
}

// index is the early-warning engine's view of the store: the sightings
// within the retention, and just enough of the rest (relationships,
// identities, locations, names) to place them and relate them.
type index struct {
	versions map[string]stix.Timestamp // object id -> latest version seen
	// levels is how far each object's latest version may travel in clear
	// (trust.Restriction): an alert drawn from it is marked at least as
	// strictly.
	levels map[string]stix.TLP

	sightings map[string]*sighting
	byOf      map[string]map[string]bool // sighted object -> sighting ids
	byWhere   map[string]map[string]bool // identity or location -> sighting ids

	relations map[string]relation
	out       map[string]map[string]string // source -> relationship id -> target, per type
	in        map[string]map[string]string // target -> relationship id -> source, per type

	identities map[string][]string // identity -> sectors
	locations  map[string]string   // location -> country
	names      map[string]string   // intrusion sets, campaigns, indicators, identities -> name

	alerts      map[string]*coord.Alert
	alertsByKey map[ruleKey][]*coord.Alert

	// gen changes whenever an identity, location or located-at
	// relationship does, which may move a sighting to another state.
	gen uint64
}

func newIndex() *index {
	return &index{
		versions:    map[string]stix.Timestamp{},
		levels:      map[string]stix.TLP{},
		sightings:   map[string]*sighting{},
		byOf:        map[string]map[string]bool{},
		byWhere:     map[string]map[string]bool{},
		relations:   map[string]relation{},
		out:         map[string]map[string]string{},
		in:          map[string]map[string]string{},
		identities:  map[string][]string{},
		locations:   map[string]string{},
		names:       map[string]string{},
		alerts:      map[string]*coord.Alert{},
		alertsByKey: map[ruleKey][]*coord.Alert{},
	}
}

// observedTypes are the object types the engine reads.
var observedTypes = []string{"sighting", "relationship", "identity", "location", "indicator", "intrusion-set", "campaign"}

func observed(typ string) bool {
	switch typ {
	case "sighting", "relationship", "identity", "location", "indicator", "intrusion-set", "campaign":
		return true
	}
	return false
}

func addTo(m map[string]map[string]bool, k, v string) {
	s := m[k]
	if s == nil {
		s = map[string]bool{}
		m[k] = s
	}
	s[v] = true
}

func removeFrom(m map[string]map[string]bool, k, v string) {
	if s := m[k]; s != nil {
		delete(s, v)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}

// relKey keys the relationship maps by type and end.
func relKey(typ, ref string) string { return typ + " " + ref }

// newer records o's version and reports whether it is newer than what the
// index has seen of the same object.
func (x *index) newer(o *stix.Object) bool {
	v := o.Version()
	if old, ok := x.versions[o.ID]; ok && v.Compare(old) <= 0 {
		return false
	}
	x.versions[o.ID] = v
	return true
}

type sightingJSON struct {
	SightingOf string         `json:"sighting_of_ref"`
	Where      []string       `json:"where_sighted_refs"`
	FirstSeen  stix.Timestamp `json:"first_seen"`
	LastSeen   stix.Timestamp `json:"last_seen"`
}

type relationshipJSON struct {
	Type   string `json:"relationship_type"`
	Source string `json:"source_ref"`
	Target string `json:"target_ref"`
}

type namedJSON struct {
	Name    string   `json:"name"`
	Sectors []string `json:"sectors"`
	Country string   `json:"country"`
}

// add folds one object into the index and returns the rule keys whose
// evaluation may have changed. Older versions than the one held are
// ignored, so objects may arrive in any order and more than once.
func (x *index) add(o *stix.Object, retention time.Time) []ruleKey {
	if !observed(o.Type) || !x.newer(o) {
		return nil
	}
	if t := stix.Restriction(o); t != stix.TLPUnmarked {
		x.levels[o.ID] = t
	} else {
		delete(x.levels, o.ID)
	}
	switch o.Type {
	case "sighting":
		return x.addSighting(o, retention)
	case "relationship":
		return x.addRelationship(o)
	case "identity", "location":
		var n namedJSON
		if json.Unmarshal(o.Raw, &n) != nil {
			return nil
		}
		x.gen++
		if o.Type == "identity" {
			x.identities[o.ID] = n.Sectors
			x.names[o.ID] = n.Name
		} else if n.Country != "" && !o.Revoked {
			x.locations[o.ID] = upper(n.Country)
		} else {
			delete(x.locations, o.ID)
		}
		return x.keysWhere(o.ID)
	default: // indicator, intrusion-set, campaign: names for alerts
		var n namedJSON
		if json.Unmarshal(o.Raw, &n) == nil && n.Name != "" {
			x.names[o.ID] = n.Name
		}
		return nil
	}
}

func (x *index) addSighting(o *stix.Object, retention time.Time) []ruleKey {
	var keys []ruleKey
	if old := x.sightings[o.ID]; old != nil {
		keys = x.keysOf(old)
		x.removeSighting(old)
	}
	var j sightingJSON
	if err := json.Unmarshal(o.Raw, &j); err != nil || o.Revoked || j.SightingOf == "" {
		return keys
	}
	s := &sighting{ID: o.ID, Of: j.SightingOf, Where: j.Where, Time: o.Created.Time()}
	switch {
	case !j.LastSeen.IsZero():
		s.Time = j.LastSeen.Time()
	case !j.FirstSeen.IsZero():
		s.Time = j.FirstSeen.Time()
	}
	if s.Time.Before(retention) {
		return keys
	}
	x.sightings[s.ID] = s
	addTo(x.byOf, s.Of, s.ID)
	for _, w := range s.Where {
		addTo(x.byWhere, w, s.ID)
	}
	return append(keys, x.keysOf(s)...)
}

func (x *index) removeSighting(s *sighting) {
	delete(x.sightings, s.ID)
	removeFrom(x.byOf, s.Of, s.ID)
	for _, w := range s.Where {
		removeFrom(x.byWhere, w, s.ID)
	}
}

// prune forgets sightings older than the retention.
func (x *index) prune(before time.Time) {
	for _, s := range x.sightings {
		if s.Time.Before(before) {
			x.removeSighting(s)
		}
	}
}

func (x *index) addRelationship(o *stix.Object) []ruleKey {
	var keys []ruleKey
	if old, ok := x.relations[o.ID]; ok {
		if old.Type == "located-at" {
			x.gen++
		}
		keys = x.keysOfRelation(old)
		delete(x.out[relKey(old.Type, old.Source)], o.ID)
		delete(x.in[relKey(old.Type, old.Target)], o.ID)
		delete(x.relations, o.ID)
	}
	var j relationshipJSON
	if json.Unmarshal(o.Raw, &j) != nil || o.Revoked {
		return keys
	}
	switch {
	case j.Type == "indicates" && (stix.IDType(j.Target) == "intrusion-set" || stix.IDType(j.Target) == "campaign"):
	case j.Type == "attributed-to" && stix.IDType(j.Source) == "campaign" && stix.IDType(j.Target) == "intrusion-set":
	case j.Type == "located-at" && stix.IDType(j.Target) == "location":
	default:
		return keys
	}
	r := relation(j)
	x.relations[o.ID] = r
	if r.Type == "located-at" {
		x.gen++
	}
	for _, e := range []struct {
		m      map[string]map[string]string
		k, end string
	}{{x.out, relKey(r.Type, r.Source), r.Target}, {x.in, relKey(r.Type, r.Target), r.Source}} {
		if e.m[e.k] == nil {
			e.m[e.k] = map[string]string{}
		}
		e.m[e.k][o.ID] = e.end
	}
	return append(keys, x.keysOfRelation(r)...)
}

// keysOfRelation returns the keys a relationship bears on.
func (x *index) keysOfRelation(r relation) []ruleKey {
	switch r.Type {
	case "located-at":
		return x.keysWhere(r.Source)
	case "attributed-to":
		return []ruleKey{{RuleSameIntrusionSet, r.Target}}
	}
	keys := []ruleKey{{RuleSameIndicator, r.Source}, subjectKey(r.Target)}
	for _, set := range x.targets("attributed-to", r.Target) {
		keys = append(keys, ruleKey{RuleSameIntrusionSet, set})
	}
	return keys
}

// targets returns the targets of relationships of typ from source.
func (x *index) targets(typ, source string) []string {
	var out []string
	for _, t := range x.out[relKey(typ, source)] {
		out = append(out, t)
	}
	return out
}

// sources returns the sources of relationships of typ to target.
func (x *index) sources(typ, target string) []string {
	var out []string
	for _, s := range x.in[relKey(typ, target)] {
		out = append(out, s)
	}
	return out
}

// subjectKey is the key of a sighting of ref itself.
func subjectKey(ref string) ruleKey {
	switch stix.IDType(ref) {
	case "intrusion-set":
		return ruleKey{RuleSameIntrusionSet, ref}
	case "campaign":
		return ruleKey{RuleSameCampaign, ref}
	}
	return ruleKey{RuleSameIndicator, ref}
}

// keysOf returns the keys a sighting counts toward.
func (x *index) keysOf(s *sighting) []ruleKey {
	keys := []ruleKey{subjectKey(s.Of)}
	for _, t := range x.targets("indicates", s.Of) {
		keys = append(keys, subjectKey(t))
		if stix.IDType(t) == "campaign" {
			for _, set := range x.targets("attributed-to", t) {
				keys = append(keys, ruleKey{RuleSameIntrusionSet, set})
			}
		}
	}
	return keys
}

// keysWhere returns the keys of every sighting made at an identity or
// location (or at the identities located at a location).
func (x *index) keysWhere(ref string) []ruleKey {
	refs := []string{ref}
	refs = append(refs, x.sources("located-at", ref)...)
	var keys []ruleKey
	for _, r := range refs {
		for id := range x.byWhere[r] {
			keys = append(keys, x.keysOf(x.sightings[id])...)
		}
	}
	return keys
}

// sightingsOf returns the sightings that count toward key.
func (x *index) sightingsOf(k ruleKey) []*sighting {
	ids := map[string]bool{}
	add := func(of string) {
		for id := range x.byOf[of] {
			ids[id] = true
		}
	}
	addIndicated := func(target string) {
		add(target)
		for _, ind := range x.sources("indicates", target) {
			add(ind)
		}
	}
	switch k.Rule {
	case RuleSameIndicator:
		add(k.Subject)
	case RuleSameCampaign:
		addIndicated(k.Subject)
	case RuleSameIntrusionSet:
		addIndicated(k.Subject)
		for _, c := range x.sources("attributed-to", k.Subject) {
			addIndicated(c)
		}
	}
	out := make([]*sighting, 0, len(ids))
	for id := range ids {
		out = append(out, x.sightings[id])
	}
	return out
}

// place returns the member states and sectors of the organisations (or
// locations) where a sighting was made. countryOf, when set, answers for
// identities without a located-at relationship (the trust registry knows
// each member organisation's country).
func (x *index) place(s *sighting, countryOf func(string) string) (countries, sectors []string) {
	if s.placedGen == x.gen+1 {
		return s.countries, s.sectors
	}
	defer func() {
		s.countries, s.sectors, s.placedGen = dedupe(countries), dedupe(sectors), x.gen+1
		countries, sectors = s.countries, s.sectors
	}()
	for _, w := range s.Where {
		switch stix.IDType(w) {
		case "location":
			if c := x.locations[w]; c != "" {
				countries = append(countries, c)
			}
		case "identity":
			found := false
			for _, loc := range x.targets("located-at", w) {
				if c := x.locations[loc]; c != "" {
					countries = append(countries, c)
					found = true
				}
			}
			if !found && countryOf != nil {
				if c := countryOf(w); c != "" {
					countries = append(countries, upper(c))
				}
			}
			sectors = append(sectors, x.identities[w]...)
		}
	}
	return countries, sectors
}

// level returns the strictest restriction among ids and the
// relationships of the given types from them, with their targets.
func (x *index) level(ids []string, relTypes ...string) stix.TLP {
	lvl := stix.TLPUnmarked
	raise := func(id string) {
		if t := x.levels[id]; t > lvl {
			lvl = t
		}
	}
	for _, id := range ids {
		raise(id)
		for _, typ := range relTypes {
			for rel, end := range x.out[relKey(typ, id)] {
				raise(rel)
				raise(end)
			}
		}
	}
	return lvl
}

// name returns a readable name for an id.
func (x *index) name(id string) string {
	if n := x.names[id]; n != "" {
		return n
	}
	return id
}

func (x *index) putAlert(a *coord.Alert, k ruleKey) {
	if old := x.alerts[a.ID]; old != nil {
		list := x.alertsByKey[k]
		for i, b := range list {
			if b.ID == a.ID {
				list[i] = a
			}
		}
		x.alerts[a.ID] = a
		return
	}
	x.alerts[a.ID] = a
	x.alertsByKey[k] = append(x.alertsByKey[k], a)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
