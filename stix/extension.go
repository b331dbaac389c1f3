package stix

import (
	"encoding/json/jsontext"
	"sort"
	"strings"
)

// ExtensionDefinition defines an extension of STIX: new object types or
// new properties of existing ones (§7.3).
type ExtensionDefinition struct {
	CommonProperties
	Name                string   `json:"name"`
	Description         string   `json:"description,omitempty"`
	Schema              string   `json:"schema"`
	Version             string   `json:"version"`
	ExtensionTypes      []string `json:"extension_types"`
	ExtensionProperties []string `json:"extension_properties,omitempty"`
	// Custom holds members the specification does not define.
	Custom map[string]jsontext.Value `json:",embed"`
}

// Extension types of extension-type-enum (§10.5).
const (
	ExtensionNewSDO           = "new-sdo"
	ExtensionNewSCO           = "new-sco"
	ExtensionNewSRO           = "new-sro"
	ExtensionProperty         = "property-extension"
	ExtensionToplevelProperty = "toplevel-property-extension"
)

var extensionTypes = []string{
	ExtensionNewSDO, ExtensionNewSCO, ExtensionNewSRO, ExtensionProperty, ExtensionToplevelProperty,
}

var extensionDefinitionSpec = sdoSpec(map[string]*prop{
	"name":                 str(),
	"description":          str(),
	"schema":               str(),
	"version":              str(),
	"extension_types":      listOf(enum(extensionTypes...)),
	"extension_properties": listOf(str().with(checkExtensionPropertyName)),
}, []string{"created_by_ref", "name", "schema", "version", "extension_types"},
	func(c *checker, n *node, path string) {
		if !n.has("description") {
			c.warn("description", "should be present: it documents what the extension conveys")
		}
	},
	func(c *checker, n *node, path string) {
		et := n.get("extension_types")
		if et == nil || et.kind != '[' {
			return
		}
		if !n.has("extension_properties") {
			for _, t := range et.items {
				if t.kind == '"' && t.str == ExtensionToplevelProperty {
					c.warn("extension_properties", "should list the property names a %s adds", ExtensionToplevelProperty)
				}
			}
			return
		}
		for _, t := range et.items {
			if t.kind == '"' && t.str == ExtensionToplevelProperty {
				return
			}
		}
		c.fail("extension_properties", "must only be used when extension_types includes %q", ExtensionToplevelProperty)
	})

func checkExtensionPropertyName(c *checker, n *node, path string) {
	if n.kind == '"' && !validCustomName(n.str) {
		c.fail(path, "is not a valid extension property name: 3 to 250 characters of a-z, 0-9 and '_', beginning with a letter (got %q)", n.str)
	}
}

// extensionsValue checks an extensions dictionary (§3.2, §7.3, §11.3).
// Keys are either a predefined extension of the object's type, the id of
// an extension-definition, or (SCOs only, deprecated) a custom extension
// name ending in "-ext".
func (c *checker) extensionsValue(n *node, path string, predefined map[string]*objSpec) {
	if !c.wantKind(n, path, '{', "a dictionary") {
		return
	}
	if len(n.members) == 0 {
		c.fail(path, "must not be an empty dictionary")
		return
	}
	cat := CategoryOf(c.objectType(n))
	for _, m := range n.members {
		p := join(path, m.name)
		if spec := predefined[m.name]; spec != nil {
			c.object(m.val, p, spec)
			continue
		}
		if strings.HasPrefix(m.name, "extension-definition--") {
			c.extensionInstance(m.val, p, m.name, cat)
			continue
		}
		scoLike := cat == SCO || cat == Custom && c.customIsSCO()
		switch {
		case !scoLike:
			c.fail(p, "must be the id of an extension-definition; custom extensions are only allowed on SCOs")
		case !validCustomExtensionName(m.name):
			c.fail(p, "is not an extension name: use %sthe id of an extension-definition or a custom extension name of 3 to 250 characters of a-z, 0-9 and '-' ending in \"-ext\"", predefinedList(predefined))
		default:
			c.warn(p, "custom extensions are deprecated; define the extension with an extension-definition")
			if !strings.HasPrefix(m.name, "x-") {
				c.warn(p, "custom extension names should start with \"x-\"")
			}
			c.customExtension(m.val, p)
		}
	}
}

// objectType returns the type of the object whose extensions are being
// checked: the top-level type, or the type of the observed-data container
// member being checked.
func (c *checker) objectType(ext *node) string {
	if c.container != nil {
		for _, m := range c.container.members {
			if e := m.val.get("extensions"); e == ext {
				if t := m.val.get("type"); t != nil && t.kind == '"' {
					return t.str
				}
			}
		}
	}
	return c.typ
}

func (c *checker) customIsSCO() bool {
	if c.container != nil {
		return true
	}
	cat, _ := customCategory(c.root)
	return cat == SCO
}

func predefinedList(predefined map[string]*objSpec) string {
	if len(predefined) == 0 {
		return ""
	}
	names := make([]string, 0, len(predefined))
	for k := range predefined {
		names = append(names, "\""+k+"\"")
	}
	sort.Strings(names)
	return "one of " + strings.Join(names, ", ") + ", "
}

func validCustomExtensionName(name string) bool {
	if len(name) < 3 || len(name) > 250 || !strings.HasSuffix(name, "-ext") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// extensionInstance checks the value of an extension keyed by an
// extension-definition id (§7.3).
func (c *checker) extensionInstance(n *node, path, key string, cat Category) {
	if typ, ok := c.identifier(key, path); ok && typ != "extension-definition" {
		c.fail(path, "must be the id of an extension-definition (got %q)", key)
	}
	if !c.wantKind(n, path, '{', "an object") {
		return
	}
	et := n.get("extension_type")
	if et == nil {
		c.fail(join(path, "extension_type"), "is required for an extension defined by an extension-definition")
	} else if c.wantKind(et, join(path, "extension_type"), '"', "a string") {
		switch et.str {
		case ExtensionNewSDO, ExtensionNewSCO, ExtensionNewSRO:
			if cat != Custom {
				c.fail(join(path, "extension_type"), "%q must not redefine the predefined type %q", et.str, c.typ)
			}
		case ExtensionToplevelProperty, ExtensionProperty:
		default:
			c.fail(join(path, "extension_type"), "must be one of %s (got %q)", quoteList(extensionTypes), et.str)
		}
	}
	for _, m := range n.members {
		if m.name == "extension_type" {
			continue
		}
		p := join(path, m.name)
		if !validCustomName(m.name) {
			c.fail(p, "is not a valid extension property name: names must be 3 to 250 characters of a-z, 0-9 and '_', beginning with a letter")
			continue
		}
		c.baseValue(m.val, p)
		switch {
		case strings.HasSuffix(m.name, "_hex"):
			c.value(m.val, p, hexString())
		case strings.HasSuffix(m.name, "_bin"):
			c.value(m.val, p, binary())
		}
	}
}

// customExtension checks a deprecated custom SCO extension (§11.3.1).
func (c *checker) customExtension(n *node, path string) {
	if !c.wantKind(n, path, '{', "an object") {
		return
	}
	if len(n.members) == 0 {
		c.fail(path, "must have at least one property")
		return
	}
	for _, m := range n.members {
		c.customProperty(m, path, customNamed)
	}
}

// declaresToplevelExtension reports whether root's extensions include a
// toplevel-property-extension, which makes top-level custom properties
// legitimate rather than the deprecated kind.
func declaresToplevelExtension(root *node) bool {
	ext := root.get("extensions")
	if ext == nil || ext.kind != '{' {
		return false
	}
	for _, m := range ext.members {
		if et := m.val.get("extension_type"); et != nil && et.kind == '"' && et.str == ExtensionToplevelProperty {
			return true
		}
	}
	return false
}
