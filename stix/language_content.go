package stix

import "encoding/json/jsontext"

// LanguageContent holds translations of the text of another object
// (§7.1).
type LanguageContent struct {
	CommonProperties
	ObjectRef      string    `json:"object_ref"`
	ObjectModified Timestamp `json:"object_modified,omitzero"`
	// Contents maps RFC 5646 language tags to a dictionary that mirrors
	// the target object's properties with their translations.
	Contents map[string]map[string]jsontext.Value `json:"contents"`
	Custom   map[string]jsontext.Value            `json:",embed"`
}

var languageContentSpec = sdoSpec(map[string]*prop{
	"object_ref":      ref(anyObject),
	"object_modified": timestamp(),
	"contents":        &prop{kind: kCheckOnly, check: checkContents},
}, []string{"object_ref", "contents"})

// checkContents checks the contents of a language-content: a dictionary
// keyed by RFC 5646 language tags whose values are dictionaries of
// translated properties (strings, lists of strings, objects).
func checkContents(c *checker, n *node, path string) {
	if !c.wantKind(n, path, '{', "a dictionary") {
		return
	}
	if len(n.members) == 0 {
		c.fail(path, "must not be an empty dictionary")
		return
	}
	for _, m := range n.members {
		p := join(path, m.name)
		if !ValidLanguageTag(m.name) {
			c.fail(p, "must be keyed by an RFC 5646 language tag (got %q)", m.name)
		}
		if !c.wantKind(m.val, p, '{', "a dictionary of translated properties") {
			continue
		}
		if len(m.val.members) == 0 {
			c.fail(p, "must not be an empty dictionary")
		}
		for _, t := range m.val.members {
			c.translation(t.val, join(p, t.name))
		}
	}
}

// translation checks one translated value: a string, or a list or object
// of translations (an untranslated list item is "").
func (c *checker) translation(n *node, path string) {
	switch n.kind {
	case '"':
	case '[':
		if len(n.items) == 0 {
			c.fail(path, "must not be an empty list")
		}
		for i, it := range n.items {
			c.translation(it, index(path, i))
		}
	case '{':
		for _, m := range n.members {
			c.translation(m.val, join(path, m.name))
		}
	default:
		c.fail(path, "must be a translated string, or a list or object of them (got %s)", n.kindName())
	}
}
