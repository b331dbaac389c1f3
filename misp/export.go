package misp

import (
	json "encoding/json/v2"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// wire is a STIX object as the exporter reads it: the properties of every
// type it maps back, and the x_misp_* ones the converter keeps.
type wire struct {
	Type              string   `json:"type"`
	ID                string   `json:"id"`
	CreatedByRef      string   `json:"created_by_ref"`
	Created           string   `json:"created"`
	Modified          string   `json:"modified"`
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	Labels            []string `json:"labels"`
	ObjectMarkingRefs []string `json:"object_marking_refs"`
	ObjectRefs        []string `json:"object_refs"`
	Pattern           string   `json:"pattern"`
	PatternType       string   `json:"pattern_type"`
	ValidFrom         string   `json:"valid_from"`
	// relationship, sighting
	RelationshipType string   `json:"relationship_type"`
	SourceRef        string   `json:"source_ref"`
	TargetRef        string   `json:"target_ref"`
	SightingOfRef    string   `json:"sighting_of_ref"`
	WhereSightedRefs []string `json:"where_sighted_refs"`
	FirstSeen        string   `json:"first_seen"`
	// SCOs
	Value          string            `json:"value"`
	Hashes         map[string]string `json:"hashes"`
	Number         Text              `json:"number"`
	Key            string            `json:"key"`
	Subject        string            `json:"subject"`
	ResolvesToRefs []string          `json:"resolves_to_refs"`
	DstRef         string            `json:"dst_ref"`
	DstPort        Text              `json:"dst_port"`
	// x_misp_*
	attrProps        `json:",inline"`
	objectProps      `json:",inline"`
	MISPEvent        *EventInfo `json:"x_misp_event"`
	MISPSightingType string     `json:"x_misp_sighting_type"`
	// FalsePositive and OpenCTINegative flag a false-positive report
	// (docs/LIFECYCLE.md): MISP's sighting type 1.
	FalsePositive   bool   `json:"x_rampart_false_positive"`
	OpenCTINegative bool   `json:"x_opencti_negative"`
	MISPSource      string `json:"x_misp_source"`
	MISPAttribute   string `json:"x_misp_attribute_uuid"`
	MISPScope       string `json:"x_misp_scope"`
	MISPReference   string `json:"x_misp_reference_uuid"`
	MISPGalaxy      string `json:"x_misp_galaxy_type"`
	MISPCluster     string `json:"x_misp_cluster_uuid"`
	MISPTagName     string `json:"x_misp_tag_name"`

	restriction stix.TLP
}

func (w *wire) uuid() string {
	if i := strings.Index(w.ID, "--"); i >= 0 {
		return w.ID[i+2:]
	}
	return w.ID
}

// Exporter maps STIX objects back to MISP events: each report or grouping
// becomes an event holding what it references, and the indicators and
// observations no report references are gathered into one more event. It
// undoes the Converter's mapping exactly where the objects carry their
// x_misp_* properties, and maps objects from elsewhere as docs/MISP.md
// says. Add every object, then call Events. Not safe for concurrent use.
type Exporter struct {
	// Name names the event of the objects no report references.
	Name  string
	objs  map[string]*wire
	order []string
	bad   []error
}

// NewExporter returns an empty Exporter.
func NewExporter() *Exporter {
	return &Exporter{objs: map[string]*wire{}, Name: "Rampart export"}
}

// Add adds one object; of two versions of one object the later is kept.
// An object whose JSON cannot be read is listed by Events' errors.
func (x *Exporter) Add(o *stix.Object) {
	w := &wire{}
	if err := json.Unmarshal(o.Raw, w, decodeOpts); err != nil {
		x.bad = append(x.bad, fmt.Errorf("%s %q: %v", o.Type, o.ID, err))
		return
	}
	w.restriction = stix.Restriction(o)
	if old := x.objs[o.ID]; old != nil {
		if old.Modified >= w.Modified {
			return
		}
	} else {
		x.order = append(x.order, o.ID)
	}
	x.objs[o.ID] = w
}

// Events returns the MISP events of the objects added, reports and
// groupings first in the order added, and what could not be mapped.
func (x *Exporter) Events() ([]*Event, []error) {
	errs := slices.Clone(x.bad)
	sightings := map[string][]*wire{}
	rels := map[string][]*wire{}
	for _, id := range x.order {
		w := x.objs[id]
		switch w.Type {
		case "sighting":
			sightings[w.SightingOfRef] = append(sightings[w.SightingOfRef], w)
		case "relationship":
			rels[w.SourceRef] = append(rels[w.SourceRef], w)
		}
	}
	used := map[string]bool{}
	var evs []*Event
	for _, id := range x.order {
		w := x.objs[id]
		if w.Type != "report" && w.Type != "grouping" {
			continue
		}
		ev := x.event(w)
		for _, ref := range w.ObjectRefs {
			r := x.objs[ref]
			if r == nil || !attributeType(r.Type) {
				continue
			}
			used[ref] = true
			if err := x.add(ev, r, sightings, rels); err != nil {
				errs = append(errs, err)
			}
		}
		x.references(ev, rels)
		evs = append(evs, ev)
	}
	var rest *Event
	for _, id := range x.order {
		w := x.objs[id]
		if used[id] || !attributeType(w.Type) {
			continue
		}
		if rest == nil {
			rest = &Event{EventInfo: EventInfo{UUID: uuid5("rampart-export", x.Name), Info: x.Name,
				Published: true, ThreatLevelID: "4", Analysis: "2", Distribution: DistConnected}}
		}
		if err := x.add(rest, w, sightings, rels); err != nil {
			errs = append(errs, err)
		}
		if w.Modified > string(rest.Timestamp) {
			rest.Timestamp = Text(w.Modified) // converted below
		}
	}
	if rest != nil {
		t, _ := time.Parse(time.RFC3339Nano, string(rest.Timestamp))
		rest.Timestamp = unix(t)
		rest.Date = t.UTC().Format("2006-01-02")
		x.references(rest, rels)
		evs = append(evs, rest)
	}
	return evs, errs
}

func attributeType(t string) bool {
	return t == "indicator" || t == "observed-data" || t == "x-misp-attribute" || t == "x-misp-object"
}

func unix(t time.Time) Text {
	if t.IsZero() {
		return ""
	}
	return Text(strconv.FormatInt(t.Unix(), 10))
}

func unixOf(ts string) Text {
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return ""
	}
	return unix(t)
}

// org returns the MISP organisation of an identity id.
func (x *Exporter) org(id string) *Org {
	if !strings.HasPrefix(id, "identity--") {
		return nil
	}
	o := &Org{UUID: strings.TrimPrefix(id, "identity--")}
	if w := x.objs[id]; w != nil {
		o.Name = w.Name
	}
	if o.Name == "" {
		o.Name = o.UUID
	}
	return o
}

// tags returns the MISP tags of an object: its TLP tags as written when
// it came from MISP, else the TLP of its markings when stricter than
// inherited, then its labels.
func tags(w *wire, inherited stix.TLP) []Tag {
	var out []Tag
	ours := w.MISPType != "" || w.MISPObject != nil || w.MISPEvent != nil
	if len(w.MISPTLPTags) > 0 || ours {
		for _, t := range w.MISPTLPTags {
			out = append(out, Tag{Name: t})
		}
	} else {
		l := stix.TLPUnmarked
		for _, m := range w.ObjectMarkingRefs {
			if t, ok := stix.TLPOfMarking(m); ok {
				l = max(l, t)
			}
		}
		if l > inherited {
			out = append(out, Tag{Name: strings.ToLower(l.String())})
		}
	}
	for _, l := range w.Labels {
		out = append(out, Tag{Name: l})
	}
	return out
}

// distribution returns a distribution for an object that has none of its
// own: "your organisation only" when it may not travel beyond RED.
func distribution(w *wire) Text {
	switch w.restriction {
	case stix.TLPRed:
		return DistOrganisation
	case stix.TLPAmber, stix.TLPAmberStrict:
		return DistCommunity
	}
	return DistConnected
}

func (x *Exporter) event(w *wire) *Event {
	ev := &Event{}
	if w.MISPEvent != nil {
		ev.EventInfo = *w.MISPEvent
	} else {
		ev.UUID = w.uuid()
		ev.Info = w.Name
		ev.ThreatLevelID, ev.Analysis = "4", "2"
		ev.Distribution = distribution(w)
		if t, err := time.Parse(time.RFC3339Nano, w.Created); err == nil {
			ev.Date = t.UTC().Format("2006-01-02")
		}
		ev.Timestamp = unixOf(w.Modified)
		ev.Orgc = x.org(w.CreatedByRef)
	}
	ev.Published = w.Type == "report"
	ev.Tag = tags(w, stix.TLPUnmarked)
	ev.Galaxy = w.MISPGalaxies
	if ev.Galaxy == nil {
		for _, ref := range w.ObjectRefs {
			if g, ok := x.galaxyOf(ref); ok {
				ev.Galaxy = append(ev.Galaxy, g)
			}
		}
	}
	ev.Attribute, ev.Object = []Attribute{}, []Object{}
	return ev
}

// galaxyOf returns the galaxy of an intrusion set, attack pattern,
// malware or tool.
func (x *Exporter) galaxyOf(id string) (Galaxy, bool) {
	w := x.objs[id]
	if w == nil {
		return Galaxy{}, false
	}
	typ := w.MISPGalaxy
	if typ == "" {
		typ = GalaxyType(w.Type)
	}
	if typ == "" || w.Name == "" {
		return Galaxy{}, false
	}
	tag := w.MISPTagName
	if tag == "" {
		tag = fmt.Sprintf("misp-galaxy:%s=%q", typ, w.Name)
	}
	return Galaxy{Type: typ, Name: typ, GalaxyCluster: []GalaxyCluster{{UUID: firstNonEmpty(w.MISPCluster, w.uuid()),
		Type: typ, Value: w.Name, TagName: tag}}}, true
}

// add maps one indicator, observation or custom object into ev.
func (x *Exporter) add(ev *Event, w *wire, sightings, rels map[string][]*wire) error {
	ss := sightings[w.ID]
	if w.MISPObject != nil {
		mo := Object{UUID: w.uuid(), Name: w.MISPObject.Name, MetaCategory: w.MISPObject.MetaCategory,
			Description: w.MISPObject.Description, TemplateUUID: w.MISPObject.TemplateUUID,
			TemplateVersion: w.MISPObject.TemplateVersion, Comment: w.MISPObject.Comment,
			Distribution: w.MISPObject.Distribution, FirstSeen: w.MISPObject.FirstSeen, LastSeen: w.MISPObject.LastSeen,
			Timestamp: unixOf(w.Modified), Attribute: slices.Clone(w.MISPAttributes)}
		for i := range mo.Attribute {
			a := &mo.Attribute[i]
			for _, s := range ss {
				if s.MISPAttribute == a.UUID || s.MISPAttribute == "" && i == 0 {
					a.Sighting = append(a.Sighting, x.sighting(s, a.UUID))
				}
			}
		}
		ev.Object = append(ev.Object, mo)
		return nil
	}
	if w.MISPType != "" {
		a := Attribute{UUID: w.uuid(), Type: w.MISPType, Category: w.MISPCategory, Value: w.MISPValue,
			ToIDs: Flag(w.MISPToIDs), Comment: w.MISPComment, Distribution: Text(w.MISPDistribution),
			Timestamp: unixOf(w.Modified), FirstSeen: w.MISPFirstSeen, LastSeen: w.MISPLastSeen,
			DisableCorrelation: Flag(w.MISPDisableCorr), Tag: tags(w, stix.TLPUnmarked), Galaxy: w.MISPGalaxies}
		for _, s := range ss {
			a.Sighting = append(a.Sighting, x.sighting(s, a.UUID))
		}
		ev.Attribute = append(ev.Attribute, a)
		return nil
	}
	// An object from elsewhere: map what its pattern or observables say.
	var attrs []Attribute
	switch w.Type {
	case "indicator":
		a := Attribute{UUID: w.uuid(), ToIDs: true, Comment: w.Description, Timestamp: unixOf(w.Modified)}
		if w.PatternType != "stix" && w.PatternType != "" {
			a.Type, a.Value, a.Category = w.PatternType, w.Pattern, "Network activity"
			if _, ok := patternTypes[w.PatternType]; !ok {
				return fmt.Errorf("indicator %q: pattern_type %q has no MISP attribute type", w.ID, w.PatternType)
			}
		} else if typ, val, ok := simplePattern(w.Pattern); ok {
			a.Type, a.Value, a.Category = typ, val, category(typ)
		} else {
			a.Type, a.Value, a.Category = "stix2-pattern", w.Pattern, "Network activity"
		}
		attrs = append(attrs, a)
	case "observed-data":
		for _, ref := range w.ObjectRefs {
			sco := x.objs[ref]
			if sco == nil {
				continue
			}
			typ, val, ok := scoValue(sco, x.objs)
			if !ok {
				continue
			}
			u := w.uuid()
			if len(w.ObjectRefs) > 1 {
				u = uuid5(w.ID, ref)
			}
			attrs = append(attrs, Attribute{UUID: u, Type: typ, Value: val, Category: category(typ), Timestamp: unixOf(w.Modified)})
		}
		if len(attrs) == 0 {
			return fmt.Errorf("observed-data %q: no observable MISP has an attribute type for", w.ID)
		}
	default:
		return fmt.Errorf("%s %q: no x_misp_type to map it back", w.Type, w.ID)
	}
	for i := range attrs {
		attrs[i].Tag = tags(w, stix.TLPUnmarked)
		attrs[i].Distribution = DistInherit
		for _, r := range rels[w.ID] {
			if g, ok := x.galaxyOf(r.TargetRef); ok && r.MISPScope != "event" {
				attrs[i].Galaxy = append(attrs[i].Galaxy, g)
			}
		}
		if i == 0 {
			for _, s := range ss {
				attrs[i].Sighting = append(attrs[i].Sighting, x.sighting(s, attrs[i].UUID))
			}
		}
	}
	ev.Attribute = append(ev.Attribute, attrs...)
	return nil
}

func (x *Exporter) sighting(s *wire, attr string) Sighting {
	typ := firstNonEmpty(s.MISPSightingType, "0")
	if s.FalsePositive || s.OpenCTINegative {
		typ = "1" // MISP's false positive
	}
	ms := Sighting{UUID: s.uuid(), Type: Text(typ), Source: s.MISPSource,
		AttributeUUID: attr, DateSighting: unixOf(firstNonEmpty(s.FirstSeen, s.Created))}
	if len(s.WhereSightedRefs) > 0 {
		ms.Organisation = x.org(s.WhereSightedRefs[0])
	} else {
		ms.Organisation = x.org(s.CreatedByRef)
	}
	return ms
}

// references adds the object references kept on relationships between
// the objects of ev.
func (x *Exporter) references(ev *Event, rels map[string][]*wire) {
	for i := range ev.Object {
		mo := &ev.Object[i]
		for _, prefix := range []string{"indicator--", "observed-data--", "x-misp-object--"} {
			for _, r := range rels[prefix+mo.UUID] {
				if r.MISPReference == "" {
					continue
				}
				mo.ObjectReference = append(mo.ObjectReference, ObjectReference{UUID: r.uuid(), ObjectUUID: mo.UUID,
					ReferencedUUID: (&wire{ID: r.TargetRef}).uuid(), RelationshipType: r.MISPReference})
			}
		}
	}
}

// comparison is one `type:path = 'value'` of a pattern of one observation.
var comparison = regexp.MustCompile(`^\[\s*([a-z0-9-]+):([A-Za-z0-9_.'-]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\d+))\s*\]$`)

// pathTypes maps an observable property to a MISP attribute type.
var pathTypes = map[string]string{
	"ipv4-addr:value": "ip-dst", "ipv6-addr:value": "ip-dst", "domain-name:value": "domain", "url:value": "url",
	"email-addr:value": "email-src", "email-message:subject": "email-subject", "file:name": "filename",
	"mutex:name": "mutex", "mac-addr:value": "mac-address", "windows-registry-key:key": "regkey",
	"autonomous-system:number": "AS", "file:size": "size-in-bytes", "file:mime_type": "mime-type",
}

// simplePattern maps a pattern of one equality to a MISP type and value.
func simplePattern(p string) (typ, value string, ok bool) {
	m := comparison.FindStringSubmatch(strings.TrimSpace(p))
	if m == nil {
		return "", "", false
	}
	val := m[4]
	if m[4] == "" {
		val = strings.NewReplacer(`\\`, `\`, `\'`, `'`).Replace(m[3])
	}
	return pathType(m[1], m[2], val)
}

func pathType(sco, path, val string) (string, string, bool) {
	if t, ok := pathTypes[sco+":"+path]; ok {
		if t == "AS" {
			val = "AS" + val
		}
		return t, val, true
	}
	if h, ok := strings.CutPrefix(path, "hashes."); ok && (sco == "file" || sco == "x509-certificate") {
		h = strings.ToUpper(strings.Trim(h, "'"))
		for misp, name := range hashNames {
			if name == h {
				if sco == "x509-certificate" {
					return "x509-fingerprint-" + misp, val, true
				}
				return misp, val, true
			}
		}
	}
	return "", "", false
}

// scoValue maps one cyber-observable to a MISP type and value.
func scoValue(w *wire, objs map[string]*wire) (string, string, bool) {
	switch w.Type {
	case "domain-name":
		if len(w.ResolvesToRefs) > 0 {
			if ip := objs[w.ResolvesToRefs[0]]; ip != nil && ip.Value != "" {
				return "domain|ip", w.Value + "|" + ip.Value, true
			}
		}
	case "network-traffic":
		if dst := objs[w.DstRef]; dst != nil && dst.Value != "" && w.DstPort != "" {
			return "ip-dst|port", dst.Value + "|" + string(w.DstPort), true
		}
		return "", "", false
	case "file":
		for _, h := range []string{"SHA-256", "SHA-1", "MD5", "SHA-512"} {
			if v := w.Hashes[h]; v != "" {
				t, _, _ := pathType("file", "hashes."+h, v)
				if w.Name != "" && (t == "md5" || t == "sha1" || t == "sha256") {
					return "filename|" + t, w.Name + "|" + v, true
				}
				return t, v, true
			}
		}
		if w.Name != "" {
			return "filename", w.Name, true
		}
		return "", "", false
	case "autonomous-system":
		return "AS", "AS" + string(w.Number), w.Number != ""
	case "windows-registry-key":
		return "regkey", w.Key, w.Key != ""
	case "email-message":
		return "email-subject", w.Subject, w.Subject != ""
	case "mutex":
		return "mutex", w.Name, w.Name != ""
	}
	if w.Value == "" {
		return "", "", false
	}
	return pathType(w.Type, "value", w.Value)
}

// category returns the MISP category usual for a type.
func category(typ string) string {
	switch typ {
	case "md5", "sha1", "sha256", "sha512", "filename", "filename|md5", "filename|sha1", "filename|sha256", "size-in-bytes", "mime-type":
		return "Payload delivery"
	case "regkey", "mutex":
		return "Persistence mechanism"
	case "email-src", "email-subject":
		return "Payload delivery"
	}
	return "Network activity"
}
