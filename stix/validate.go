package stix

import (
	"fmt"
	"strconv"
	"strings"
)

// ValidationError lists every MUST-level problem Validate found in one
// object. Its text joins them; errors.As(err, &e) with e of type *Error
// yields the first, errors.As with *ValidationError yields them all.
type ValidationError struct {
	ID     string   // the object's id, when it could be read
	Errors []*Error // at least one
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, err := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns the individual problems, so errors.As finds the first.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, err := range e.Errors {
		errs[i] = err
	}
	return errs
}

// Validator checks objects against the STIX 2.1 specification. The zero
// Validator is ready to use; Validate uses one.
//
// A Validator is safe for concurrent use as long as its fields are not
// changed while it is in use.
type Validator struct {
	// Pattern, if set, is called with the pattern of every indicator whose
	// pattern_type is "stix" and returns an error for a pattern that is not
	// valid STIX patterning. The stix package cannot parse patterns itself
	// (package pattern builds on this one), so without Pattern the pattern
	// is only checked to be a string.
	Pattern func(pattern string) error
}

// Validate checks o against every MUST rule the STIX 2.1 specification
// states for its type: required properties, property types, enumerations,
// identifier forms and the types that references may point to, timestamp
// ordering, value ranges, granular marking selectors, extensions, custom
// property and custom object rules. Open vocabularies are SHOULD-level and
// never cause an error; see Warnings.
//
// It returns nil or a *ValidationError holding every problem found.
// Rules that need other objects (does created_by_ref exist? does a
// language-content's object_modified match its target?) are out of its
// scope. Objects of STIX 2.0 (no spec_version) are reported as such.
func Validate(o *Object) error {
	var v Validator
	return v.Validate(o)
}

// Warnings returns the SHOULD-level findings for o: values outside open
// vocabularies, deprecated constructs, custom names without the "x_"/"x-"
// prefix, a non-deterministic SCO identifier, and the like. They never make
// an object invalid. It returns nil when there is nothing to report or when
// o cannot be read at all (Validate says why).
func Warnings(o *Object) []*Error {
	var v Validator
	c := v.run(o, true)
	if c == nil {
		return nil
	}
	c.done()
	return c.warns
}

// Validate is the package-level Validate with this Validator's hooks.
func (v *Validator) Validate(o *Object) error {
	c := v.run(o, false)
	if c == nil {
		return &ValidationError{Errors: []*Error{{Rule: "no object"}}}
	}
	c.done()
	if len(c.errs) == 0 {
		return nil
	}
	return &ValidationError{ID: c.id, Errors: c.errs}
}

// Warnings is the package-level Warnings with this Validator's hooks.
func (v *Validator) Warnings(o *Object) []*Error {
	c := v.run(o, true)
	if c == nil {
		return nil
	}
	c.done()
	return c.warns
}

func (v *Validator) run(o *Object, warnings bool) *checker {
	if o == nil {
		return nil
	}
	c := &checker{v: v, id: o.ID, typ: o.Type, warnings: warnings}
	root, p, err := parseTreeReused(o.Raw)
	c.parser = p
	if err != nil {
		c.fail("", "%v", err)
		return c
	}
	if root.kind != '{' {
		c.fail("", "a STIX object must be a JSON object, not %s", root.kindName())
		return c
	}
	c.root = root
	if t := root.get("type"); t != nil && t.kind == '"' {
		c.typ = t.str
	}
	if id := root.get("id"); id != nil && id.kind == '"' {
		c.id = id.str
	}
	c.validateObject(root)
	if n := len(c.customProps); n > 0 {
		names := strings.Join(c.customProps[:min(n, 5)], ", ")
		if n > 5 {
			names += fmt.Sprintf(" and %d more", n-5)
		}
		c.warn("", "custom properties (%s) are deprecated; define them with a property-extension", names)
	}
	return c
}

// checker collects the problems found in one object.
type checker struct {
	v    *Validator
	id   string
	typ  string
	root *node
	// parser built root; done releases it.
	parser *treeParser
	errs   []*Error
	warns  []*Error
	// warnings says whether SHOULD-level findings are wanted; Validate
	// skips the work.
	warnings bool

	// container is the observed-data "objects" dictionary while its
	// members are checked: their references are keys into it, not ids.
	container *node
	// customProps collects the object's top-level custom properties for
	// one deprecation warning (only when warnings are wanted).
	customProps []string
	// topLevelExt reports that the object declares a
	// toplevel-property-extension, under which top-level custom properties
	// are not the deprecated kind.
	topLevelExt bool
}

// done releases the tree: the checker's findings stay, its nodes go.
func (c *checker) done() {
	if c.parser != nil {
		c.root = nil
		c.parser.release()
		c.parser = nil
	}
}

func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, c.problem(path, format, args))
}

func (c *checker) warn(path, format string, args ...any) {
	if c.warnings {
		c.warns = append(c.warns, c.problem(path, format, args))
	}
}

func (c *checker) problem(path, format string, args []any) *Error {
	e := &Error{ID: c.id, Property: path, Rule: fmt.Sprintf(format, args...)}
	if c.id == "" {
		e.Type = c.typ
	}
	return e
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// validateObject checks a top-level object according to its type.
func (c *checker) validateObject(root *node) {
	t := root.get("type")
	switch {
	case t == nil:
		c.fail("type", "is required")
		return
	case t.kind != '"':
		c.fail("type", "must be a string (got %s)", t.kindName())
		return
	}
	if err := CheckTypeName(t.str); err != nil {
		c.fail("type", "%v", err)
		return
	}
	c.topLevelExt = declaresToplevelExtension(root)
	if ts := typeSpecs[t.str]; ts != nil {
		c.checkSpecVersion(root, ts.category)
		c.object(root, "", ts.spec)
		return
	}
	c.customObject(root)
}

// checkSpecVersion applies the spec_version rules of §3.2: required and
// "2.1" for everything but SCOs, optional (and "2.1" when present) for
// SCOs.
func (c *checker) checkSpecVersion(root *node, cat Category) {
	sv := root.get("spec_version")
	if sv == nil {
		if cat == SCO {
			return
		}
		if root.has("created") {
			c.fail("spec_version", "is required; an object with created but no spec_version is STIX 2.0, which this validator does not check")
		} else {
			c.fail("spec_version", "is required")
		}
		return
	}
	if sv.kind == '"' && sv.str != "2.1" {
		c.fail("spec_version", "must be \"2.1\" (got %q)", sv.str)
	}
}

// customObject checks an object whose type the specification does not
// define: an object defined by an extension-definition (new-sdo, new-sco,
// new-sro) or a deprecated custom object (§11.2).
func (c *checker) customObject(root *node) {
	cat, declared := customCategory(root)
	var spec *objSpec
	switch {
	case !declared:
		spec = legacyCustomSpec
	case cat == SCO:
		spec = customSCOSpec
	default:
		spec = customSDOSpec
	}
	if declared {
		c.checkSpecVersion(root, cat)
	} else {
		c.warn("type", "custom objects are deprecated; define %q with an extension-definition (new-sdo, new-sco or new-sro)", c.typ)
		if !strings.HasPrefix(c.typ, "x-") {
			c.warn("type", "custom object types should start with \"x-\" (got %q)", c.typ)
		}
		if sv := root.get("spec_version"); sv != nil && sv.kind == '"' && sv.str != "2.1" {
			c.fail("spec_version", "must be \"2.1\" (got %q)", sv.str)
		}
	}
	c.object(root, "", spec)
	own := 0
	for _, m := range root.members {
		if spec.props[m.name] == nil {
			own++
		}
	}
	if own == 0 {
		c.fail("", "a custom object must have at least one property of its own besides the common properties")
	}
}

// customCategory returns the category an extension-definition entry in
// root's extensions declares for it, and whether one does.
func customCategory(root *node) (Category, bool) {
	ext := root.get("extensions")
	if ext == nil || ext.kind != '{' {
		return SDO, false
	}
	for _, m := range ext.members {
		if m.val.kind != '{' {
			continue
		}
		if et := m.val.get("extension_type"); et != nil && et.kind == '"' {
			switch et.str {
			case "new-sdo":
				return SDO, true
			case "new-sro":
				return SRO, true
			case "new-sco":
				return SCO, true
			}
		}
	}
	return SDO, false
}
