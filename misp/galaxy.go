package misp

import (
	"fmt"
	"regexp"
	"strings"
)

// galaxyTypes maps MISP galaxy types to the STIX type their clusters
// become. Galaxies not here (sectors, countries, tea matrices) stay in
// tags and x_misp_galaxies only.
var galaxyTypes = map[string]string{
	"threat-actor": "intrusion-set", "mitre-intrusion-set": "intrusion-set",
	"mitre-enterprise-attack-intrusion-set": "intrusion-set", "mitre-mobile-attack-intrusion-set": "intrusion-set",
	"intrusion-set": "intrusion-set", "microsoft-activity-group": "intrusion-set",
	"mitre-attack-pattern": "attack-pattern", "mitre-enterprise-attack-attack-pattern": "attack-pattern",
	"mitre-mobile-attack-attack-pattern": "attack-pattern", "mitre-pre-attack-attack-pattern": "attack-pattern",
	"attack-pattern": "attack-pattern",
	"malware":        "malware", "mitre-malware": "malware", "mitre-enterprise-attack-malware": "malware",
	"mitre-mobile-attack-malware": "malware", "banker": "malware", "botnet": "malware", "rat": "malware",
	"ransomware": "malware", "stealer": "malware", "backdoor": "malware", "android": "malware",
	"malpedia": "malware",
	"tool":     "tool", "mitre-tool": "tool", "mitre-enterprise-attack-tool": "tool", "mitre-mobile-attack-tool": "tool",
	"exploit-kit":            "tool",
	"mitre-course-of-action": "course-of-action", "mitre-enterprise-attack-course-of-action": "course-of-action",
}

// GalaxyType returns the MISP galaxy type a STIX object type maps back to
// when the object carries no x_misp_galaxy of its own.
func GalaxyType(stixType string) string {
	switch stixType {
	case "intrusion-set", "threat-actor":
		return "threat-actor"
	case "attack-pattern":
		return "mitre-attack-pattern"
	case "malware":
		return "malware"
	case "tool":
		return "tool"
	case "course-of-action":
		return "mitre-course-of-action"
	}
	return ""
}

// attackID finds an ATT&CK id at the end of a cluster value, "Name - T1193".
var attackID = regexp.MustCompile(`\s+-\s+((?:T|TA|G|S|M|C)\d{4}(?:\.\d{3})?)$`)

type externalRef struct {
	SourceName string `json:"source_name"`
	ExternalID string `json:"external_id,omitempty"`
	URL        string `json:"url,omitempty"`
}

type sdoJSON struct {
	common             `json:",inline"`
	Name               string        `json:"name"`
	Description        string        `json:"description,omitempty"`
	Aliases            []string      `json:"aliases,omitempty"`
	IsFamily           *bool         `json:"is_family,omitempty"`
	ExternalReferences []externalRef `json:"external_references,omitempty"`
	MISPGalaxy         string        `json:"x_misp_galaxy_type,omitempty"`
	MISPCluster        string        `json:"x_misp_cluster_uuid,omitempty"`
	MISPTagName        string        `json:"x_misp_tag_name,omitempty"`
}

// galaxy links the clusters of g: each to an existing object the Resolver
// finds, or to one made from the cluster, and from each object of from
// to it by a relationship. It returns the ids to add to the report.
func (c *Converter) galaxy(e *eventCtx, g Galaxy, from []string, scope string) ([]string, error) {
	typ := galaxyTypes[g.Type]
	var ids []string
	for _, cl := range g.GalaxyCluster {
		if typ == "" {
			typ = galaxyTypes[cl.Type]
		}
		if typ == "" || strings.TrimSpace(cl.Value) == "" {
			continue
		}
		id, err := c.cluster(e, typ, g, cl)
		if err != nil {
			return ids, err
		}
		e.sum.Galaxies++
		ids = append(ids, id)
		rt := "related-to"
		switch typ {
		case "intrusion-set", "attack-pattern", "malware", "tool":
			rt = "indicates"
		}
		for _, src := range from {
			r := rt
			if !strings.HasPrefix(src, "indicator--") {
				r = "related-to"
			}
			rid := "relationship--" + uuid5(src, r, id)
			if e.inRefs[rid] {
				continue // the same cluster twice
			}
			rel := relationshipJSON{common: common{Type: "relationship", SpecVersion: "2.1",
				ID: rid, CreatedByRef: e.creator, Created: e.created, Modified: e.created,
				ObjectMarkingRefs: markingsFor(e, 0, "")}, RelationshipType: r, SourceRef: src, TargetRef: id, MISPScope: scope}
			if _, err := c.put(e, rel, "", nil); err != nil {
				return ids, err
			}
			e.ref(rid)
		}
	}
	return ids, nil
}

func metaStrings(m map[string]any, key string) []string {
	var out []string
	switch v := m[key].(type) {
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	case string:
		out = append(out, v)
	}
	return out
}

// cluster returns the id of the object a galaxy cluster stands for.
func (c *Converter) cluster(e *eventCtx, typ string, g Galaxy, cl GalaxyCluster) (string, error) {
	name, ext := strings.TrimSpace(cl.Value), ""
	if m := attackID.FindStringSubmatch(name); m != nil {
		ext = m[1]
		name = strings.TrimSpace(name[:len(name)-len(m[0])])
	}
	if ids := metaStrings(cl.Meta, "external_id"); len(ids) > 0 && ext == "" {
		ext = ids[0]
	}
	key := typ + "|" + strings.ToLower(name) + "|" + ext
	if id := c.found[key]; id != "" {
		return id, nil
	}
	aliases := metaStrings(cl.Meta, "synonyms")
	if c.resolver != nil {
		id, err := c.resolver.FindSDO(e.ctx, typ, name, aliases, ext)
		if err != nil {
			return "", fmt.Errorf("look up %s %q: %v", typ, name, err)
		}
		if id != "" {
			c.found[key] = id
			return id, nil
		}
	}
	u, _ := normUUID(cl.UUID)
	if u == "" {
		u = uuid5("galaxy-cluster", firstNonEmpty(cl.TagName, g.Type+"="+cl.Value))
	}
	id := typ + "--" + u
	c.found[key] = id
	if c.emitted[id] {
		return id, nil
	}
	// Marked as the event that first names it: a cluster of a private
	// galaxy is no more public than the event, and one of MISP's public
	// galaxies under TLP:CLEAR stays readable with the event's indicators.
	sdo := sdoJSON{common: common{Type: typ, SpecVersion: "2.1", ID: id, CreatedByRef: e.creator, Created: e.created, Modified: e.created,
		ObjectMarkingRefs: markingsFor(e, 0, "")},
		Name: name, Description: cl.Description, MISPGalaxy: firstNonEmpty(g.Type, cl.Type), MISPCluster: cl.UUID, MISPTagName: cl.TagName}
	if typ == "intrusion-set" || typ == "malware" || typ == "tool" || typ == "threat-actor" {
		for _, a := range aliases {
			if a != name && !contains(sdo.Aliases, a) {
				sdo.Aliases = append(sdo.Aliases, a)
			}
		}
	}
	if typ == "malware" {
		t := true
		sdo.IsFamily = &t
	}
	if ext != "" {
		sdo.ExternalReferences = []externalRef{{SourceName: "mitre-attack", ExternalID: ext}}
	}
	for _, ref := range metaStrings(cl.Meta, "refs") {
		if len(sdo.ExternalReferences) >= 20 {
			break
		}
		sdo.ExternalReferences = append(sdo.ExternalReferences, externalRef{SourceName: "misp-galaxy", URL: ref})
	}
	if _, err := c.put(e, sdo, "", nil); err != nil {
		return "", err
	}
	c.emitted[id] = true
	return id, nil
}
