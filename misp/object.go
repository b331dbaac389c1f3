package misp

import (
	"fmt"
	"strings"

	"github.com/rampart-cti/rampart/stix"
)

// objectInfo is what a MISP object keeps on its STIX object, besides its
// attributes.
type objectInfo struct {
	Name            string `json:"name"`
	MetaCategory    string `json:"meta_category,omitempty"`
	Description     string `json:"description,omitempty"`
	TemplateUUID    string `json:"template_uuid,omitempty"`
	TemplateVersion Text   `json:"template_version,omitempty"`
	Comment         string `json:"comment,omitempty"`
	Distribution    Text   `json:"distribution,omitempty"`
	FirstSeen       string `json:"first_seen,omitempty"`
	LastSeen        string `json:"last_seen,omitempty"`
}

type objectProps struct {
	MISPObject     *objectInfo `json:"x_misp_object,omitempty"`
	MISPAttributes []Attribute `json:"x_misp_attributes,omitempty"`
}

// object maps a MISP object: to one indicator when any of its attributes
// is to_ids and some map to STIX, else to one observed-data, else to an
// x-misp-object. Every attribute is kept in x_misp_attributes.
func (c *Converter) object(e *eventCtx, mo *Object) error {
	var obs []*observable
	toIDs := false
	var own stix.TLP
	var labels []string
	kept := make([]Attribute, 0, len(mo.Attribute))
	for i := range mo.Attribute {
		a := &mo.Attribute[i]
		if a.Deleted {
			continue
		}
		if a.UUID == "" {
			a.UUID = uuid5(mo.UUID, "attribute", a.ObjectRelation, a.Type, a.Value)
		}
		if a.ToIDs {
			toIDs = true
		}
		l, t, _ := splitTags(a.Tag)
		own = max(own, t)
		for _, x := range l {
			if !contains(labels, x) {
				labels = append(labels, x)
			}
		}
		o, err := observe(a.Type, a.Value)
		switch {
		case err == nil:
			obs = append(obs, o)
		case err != errUnmapped:
			// One bad value does not lose the object: the attribute
			// stays in x_misp_attributes, out of the pattern.
			note := fmt.Sprintf("object %s attribute %s: %s value left out of the pattern: %v", mo.UUID, a.UUID, a.Type, err)
			e.sum.Notes = append(e.sum.Notes, note)
		}
		k := *a
		k.Sighting = nil
		k.Galaxy = stripGalaxies(k.Galaxy)
		kept = append(kept, k)
	}
	modified := e.created
	if t, ok := mo.Timestamp.Time(); ok {
		modified = stamp(t)
	}
	first, last := seen(e, mo.Timestamp, mo.FirstSeen, mo.LastSeen)
	cm := common{SpecVersion: "2.1", CreatedByRef: e.creator, Created: modified, Modified: modified,
		Labels: labels, ObjectMarkingRefs: markingsFor(e, own, string(mo.Distribution))}
	op := objectProps{MISPObject: &objectInfo{Name: mo.Name, MetaCategory: mo.MetaCategory, Description: mo.Description,
		TemplateUUID: mo.TemplateUUID, TemplateVersion: mo.TemplateVersion, Comment: mo.Comment,
		Distribution: mo.Distribution, FirstSeen: mo.FirstSeen, LastSeen: mo.LastSeen}, MISPAttributes: kept}
	switch mo.Name {
	case "ip-port", "network-connection", "network-socket":
		// One connection, not loose addresses and ports.
		if nt := connection(mo.Attribute); nt != nil {
			var rest []*observable
			for _, o := range obs {
				if o.typ != "ipv4-addr" && o.typ != "ipv6-addr" && o.typ != "domain-name" {
					rest = append(rest, o)
				}
			}
			obs = append([]*observable{nt}, rest...)
		}
	}
	obs = merge(obs)
	var out any
	switch {
	case toIDs && len(obs) > 0:
		cm.Type, cm.ID = "indicator", "indicator--"+mo.UUID
		out = indicatorJSON{common: cm, Name: mo.Name, Description: mo.Comment, Pattern: patternOf(obs),
			PatternType: "stix", PatternVersion: "2.1", ValidFrom: first, objectProps: op,
			KillChainPhases: []killChainPhase{{"misp-category", firstNonEmpty(mo.MetaCategory, "misc")}}}
		e.indic = append(e.indic, cm.ID)
	case len(obs) > 0:
		var refs []string
		for _, o := range obs {
			scos, err := o.scos()
			if err != nil {
				return err
			}
			for _, s := range scos {
				if err := c.emitSCO(e, s); err != nil {
					return err
				}
				if !contains(refs, s.ID) {
					refs = append(refs, s.ID)
				}
			}
		}
		cm.Type, cm.ID = "observed-data", "observed-data--"+mo.UUID
		out = observedJSON{common: cm, FirstObserved: first, LastObserved: last, NumberObserved: 1, ObjectRefs: refs, objectProps: op}
	default:
		cm.Type, cm.ID = "x-misp-object", "x-misp-object--"+mo.UUID
		out = customJSON{common: cm, Name: mo.Name, Description: mo.Comment, objectProps: op}
		note := fmt.Sprintf("MISP object %q has no attribute STIX maps: kept as x-misp-object", mo.Name)
		if !contains(e.sum.Notes, note) {
			e.sum.Notes = append(e.sum.Notes, note)
		}
	}
	o, err := c.put(e, out, string(mo.Distribution), mo.SharingGroup)
	if err != nil {
		return err
	}
	e.ids[mo.UUID] = o.ID
	e.ref(o.ID)
	for _, a := range mo.Attribute {
		if !a.Deleted {
			e.ids[a.UUID] = o.ID
			if err := c.sightings(e, a.Sighting, o.ID, a.UUID); err != nil {
				return err
			}
		}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

type relationshipJSON struct {
	common           `json:",inline"`
	RelationshipType string `json:"relationship_type"`
	SourceRef        string `json:"source_ref"`
	TargetRef        string `json:"target_ref"`
	Description      string `json:"description,omitempty"`
	MISPReference    string `json:"x_misp_reference_uuid,omitempty"`
	MISPScope        string `json:"x_misp_scope,omitempty"`
}

// relType makes a MISP relationship name a STIX one: lower case, words
// joined by hyphens.
func relType(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if len(out) < 3 {
		return "related-to"
	}
	return out
}

// references maps a MISP object's references to relationships between
// the objects of this event.
func (c *Converter) references(e *eventCtx, mo *Object) error {
	src := e.ids[mo.UUID]
	if src == "" {
		return nil
	}
	for i, r := range mo.ObjectReference {
		u, _ := normUUID(r.ReferencedUUID)
		dst := e.ids[u]
		if dst == "" || dst == src {
			continue
		}
		id := r.UUID
		if v, err := normUUID(id); err != nil || v == "" {
			id = uuid5(mo.UUID, "reference", fmt.Sprint(i), u)
		} else {
			id = v
		}
		rel := relationshipJSON{common: common{Type: "relationship", SpecVersion: "2.1", ID: "relationship--" + id,
			CreatedByRef: e.creator, Created: e.created, Modified: e.created, ObjectMarkingRefs: markingsFor(e, 0, "")},
			RelationshipType: relType(r.RelationshipType), SourceRef: src, TargetRef: dst, Description: r.Comment,
			MISPReference: r.RelationshipType}
		o, err := c.put(e, rel, "", nil)
		if fe, ok := err.(*emitError); ok {
			return fe.err
		}
		if err != nil {
			e.fail(item("object reference", i, r.UUID), err)
			continue
		}
		e.ref(o.ID)
	}
	return nil
}
