package stix

import "strings"

// Category is the kind of STIX object a type belongs to (§1.2).
type Category uint8

const (
	// Custom is a type the specification does not define: an object
	// defined by an extension-definition or a (deprecated) custom object.
	Custom Category = iota
	// SDO is a STIX Domain Object (attack-pattern, indicator, …).
	SDO
	// SRO is a STIX Relationship Object (relationship, sighting).
	SRO
	// SCO is a STIX Cyber-observable Object (file, ipv4-addr, …).
	SCO
	// Meta is a STIX Meta Object (language-content, marking-definition,
	// extension-definition).
	Meta
)

func (c Category) String() string {
	switch c {
	case SDO:
		return "SDO"
	case SRO:
		return "SRO"
	case SCO:
		return "SCO"
	case Meta:
		return "meta object"
	}
	return "custom"
}

// CategoryOf returns the category of the object type typ; Custom for
// "bundle" and every type the specification does not define.
func CategoryOf(typ string) Category {
	if ts := typeSpecs[typ]; ts != nil {
		return ts.category
	}
	return Custom
}

// sdoTypes, scoTypes, sroTypes and metaTypes list the types of STIX 2.1.
var (
	sdoTypes = []string{
		"attack-pattern", "campaign", "course-of-action", "grouping", "identity",
		"incident", "indicator", "infrastructure", "intrusion-set", "location",
		"malware", "malware-analysis", "note", "observed-data", "opinion",
		"report", "threat-actor", "tool", "vulnerability",
	}
	scoTypes = []string{
		"artifact", "autonomous-system", "directory", "domain-name", "email-addr",
		"email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex",
		"network-traffic", "process", "software", "url", "user-account",
		"windows-registry-key", "x509-certificate",
	}
	sroTypes  = []string{"relationship", "sighting"}
	metaTypes = []string{"language-content", "marking-definition", "extension-definition"}
)

// Reference target classes, used in the targets of ref properties next to
// concrete type names.
const (
	anySDO    = "<sdo>"    // an SDO, or a custom type (which may be one)
	anySCO    = "<sco>"    // an SCO, or a custom type
	anySRO    = "<sro>"    // an SRO, or a custom type
	anyObject = "<object>" // any STIX object: everything but a bundle
)

// targetOK reports whether an identifier of type typ may be the target of a
// reference restricted to targets.
func targetOK(typ string, targets []string) bool {
	if len(targets) == 0 {
		return typ != "bundle"
	}
	cat := CategoryOf(typ)
	for _, t := range targets {
		switch t {
		case anyObject:
			if typ != "bundle" {
				return true
			}
		case anySDO:
			if cat == SDO || cat == Custom && typ != "bundle" {
				return true
			}
		case anySCO:
			if cat == SCO || cat == Custom && typ != "bundle" {
				return true
			}
		case anySRO:
			if cat == SRO || cat == Custom && typ != "bundle" {
				return true
			}
		default:
			if t == typ {
				return true
			}
		}
	}
	return false
}

// describeTargets says in words what a reference may point to.
func describeTargets(targets []string) string {
	var names []string
	var classes []string
	for _, t := range targets {
		switch t {
		case anyObject:
			return "a STIX object"
		case anySDO:
			classes = append(classes, "an SDO")
		case anySCO:
			classes = append(classes, "an SCO")
		case anySRO:
			classes = append(classes, "an SRO")
		default:
			names = append(names, t)
		}
	}
	var parts []string
	if len(names) > 0 {
		s := names[len(names)-1]
		if len(names) > 1 {
			s = strings.Join(names[:len(names)-1], ", ") + " or " + s
		}
		article := "a "
		if strings.ContainsAny(names[0][:1], "aeiox") {
			article = "an "
		}
		parts = append(parts, article+s+" object")
	}
	parts = append(parts, classes...)
	return strings.Join(parts, " or ")
}

// refValue checks a reference: an identifier whose type is one of targets,
// or, inside an observed-data "objects" container, a key of that container
// whose object has one of those types.
func (c *checker) refValue(n *node, path string, targets []string) {
	if !c.wantKind(n, path, '"', "an identifier string") {
		return
	}
	if c.container != nil {
		target := c.container.get(n.str)
		if target == nil {
			c.fail(path, "must be the key of an object in the same observed-data objects (got %q)", n.str)
			return
		}
		if t := target.get("type"); t != nil && t.kind == '"' && !targetOK(t.str, targets) {
			c.fail(path, "must refer to %s (got %q, a %s)", describeTargets(targets), n.str, t.str)
		}
		return
	}
	typ, ok := c.identifier(n.str, path)
	if ok && !targetOK(typ, targets) {
		c.fail(path, "must refer to %s (got %q)", describeTargets(targets), n.str)
	}
}

// identifier checks that s is "type--UUID" with an RFC 4122 UUID (§2.9)
// and returns the type.
func (c *checker) identifier(s, path string) (string, bool) {
	typ, uuid, err := ParseID(s)
	if err != nil {
		c.fail(path, "must be an identifier of the form type--UUID (got %q)", s)
		return "", false
	}
	if !rfc4122(uuid) {
		c.fail(path, "must hold an RFC 4122 UUID, of version 1 to 5 and variant 10xx (got %q)", s)
		return typ, false
	}
	return typ, true
}

// rfc4122 reports whether a UUID in text form has the RFC 4122 variant and
// one of its versions 1 to 5, as §2.9 and the OASIS schemas require.
func rfc4122(uuid string) bool {
	if !validUUID(uuid) {
		return false
	}
	v := UUIDVersion(uuid)
	switch uuid[19] {
	case '8', '9', 'a', 'b', 'A', 'B':
		return 1 <= v && v <= 5
	}
	return false
}
