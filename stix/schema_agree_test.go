package stix

import (
	"fmt"
	"strings"
	"testing"
)

// TestSchemasAcceptExamplesAndCorpus: every object of the OASIS examples and
// of the corpus is valid under the OASIS schema of its type, as it is under
// Validate.
func TestSchemasAcceptExamplesAndCorpus(t *testing.T) {
	set := loadSchemas(t)
	check := func(where string, o *Object) {
		doc := schemaFor(o.Type)
		if doc == "" {
			return
		}
		root, err := parseTree(o.Raw)
		if err != nil {
			t.Fatal(err)
		}
		if ok, why := set.valid(doc, root); !ok {
			t.Errorf("%s: %s is invalid under %s: %s", where, o.ID, doc, why)
		}
	}
	for file, objs := range exampleObjects(t) {
		for _, o := range objs {
			check(file, o)
		}
	}
	for _, typ := range corpusTypes() {
		check("corpus", corpusObject(t, typ))
	}
	for _, o := range TLPMarkingDefinitions()[5:] {
		check("TLP 1.0", o)
	}
}

// mutation is one change to a valid object, for the agreement test.
type mutation struct {
	typ   string
	path  string // dot-separated, list indexes as numbers
	value string // JSON, or "" for a deletion
}

// replacements are values put in place of every property and element.
var replacements = []string{
	`null`, `5`, `5.5`, `-1`, `""`, `"x"`, `true`, `[]`, `["x"]`, `{}`, `{"x_y":1}`,
	`"2016-02-30T00:00:00Z"`, `"2016-01-01T00:00:00.000Z"`,
	`"file--ba8965d8-e4ec-5f9c-a4df-1c460994ca58"`, `"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"`,
	`"indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f"`,
}

// additions are top-level properties added to every object.
var additions = []mutation{
	{path: "x_acme_ok", value: `1`}, {path: "X_bad", value: `1`}, {path: "a-b", value: `1`},
	{path: "ab", value: `1`}, {path: "severity", value: `"x"`}, {path: "defanged", value: `true`},
	{path: "x_acme_hex", value: `"zz"`}, {path: "x_acme_list", value: `[]`}, {path: "_abc", value: `1`},
}

// mutations lists the mutations of the object root of type typ.
func mutations(typ string, root *node) []mutation {
	var out []mutation
	var walk func(n *node, path string)
	walk = func(n *node, path string) {
		switch n.kind {
		case '{':
			for _, m := range n.members {
				p := join(path, m.name)
				out = append(out, mutation{typ, p, ""})
				for _, r := range replacements {
					out = append(out, mutation{typ, p, r})
				}
				walk(m.val, p)
			}
		case '[':
			for i, it := range n.items {
				p := join(path, fmt.Sprint(i))
				for _, r := range replacements {
					out = append(out, mutation{typ, p, r})
				}
				walk(it, p)
			}
		}
	}
	walk(root, "")
	for _, a := range additions {
		out = append(out, mutation{typ, a.path, a.value})
	}
	return out
}

// divergence explains a class of objects on which Validate and the OASIS
// schemas disagree on purpose.
type divergence struct {
	reason string
	// stricter: Validate rejects what the schemas accept (else Validate
	// accepts what the schemas reject).
	stricter bool
	match    func(m mutation, ourErr string, schemaWhy string) bool
}

func TestSchemaAgreement(t *testing.T) {
	set := loadSchemas(t)
	counts := map[string]int{}
	total, agree := 0, 0
	var unexplained []string
	for _, typ := range corpusTypes() {
		base := corpusJSON(t, typ)
		root, err := parseTree([]byte(base))
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range mutations(typ, root) {
			if (testing.Short() || raceEnabled) && i%5 != 0 {
				continue // a sample is enough where time is short
			}
			o := mutated(t, typ, edit{m.path, m.value})
			if m.value == "" {
				o = mutated(t, typ, del(m.path))
			}
			tree, err := parseTree(o.Raw)
			if err != nil {
				t.Fatal(err)
			}
			schemaOK, why := set.valid(schemaFor(typ), tree)
			verr := Validate(o)
			total++
			if schemaOK == (verr == nil) {
				agree++
				continue
			}
			ourErr := ""
			if verr != nil {
				ourErr = verr.Error()
			}
			explained := false
			for _, d := range divergences {
				if d.stricter == schemaOK && d.match(m, ourErr, why) {
					counts[d.reason]++
					explained = true
					break
				}
			}
			if !explained {
				unexplained = append(unexplained, fmt.Sprintf("%s %s=%s: schema %v (%s), Validate %v", typ, m.path, m.value, schemaOK, why, verr))
			}
		}
	}
	t.Logf("%d mutated objects, %d verdicts agree", total, agree)
	for _, d := range divergences {
		t.Logf("%6d  %s", counts[d.reason], d.reason)
	}
	for _, u := range unexplained {
		t.Error(u)
	}
}

// ourErrorHas matches a divergence by a substring of Validate's error.
func ourErrorHas(subs ...string) func(mutation, string, string) bool {
	return func(_ mutation, ourErr, _ string) bool {
		for _, s := range subs {
			if strings.Contains(ourErr, s) {
				return true
			}
		}
		return false
	}
}

// divergences are the deliberate differences between Validate and the
// OASIS schemas. Each names the rule and why; docs/PERFORMANCE.md is not
// the place for them, the package documentation points here.
var divergences = []divergence{
	// Validate is stricter: the specification states MUST rules that the
	// schemas do not (or cannot) express.
	{"ordering of timestamps (modified/created, last_seen/first_seen, …): the schemas cannot compare values", true,
		ourErrorHas("must not be earlier than", "must be later than")},
	{"timestamps must be real dates and times (2016-02-30 is not); the schemas check the shape only", true,
		ourErrorHas("is not a valid date and time")},
	{"references in SCOs must be identifiers (§2.9); the SCO schemas only want strings", true,
		ourErrorHas("must be an identifier of the form type--UUID")},
	{"identifiers in SCO references must hold RFC 4122 UUIDs, as the schemas require of every other identifier", true,
		ourErrorHas("must hold an RFC 4122 UUID")},
	{"references must point to the types the specification names (created_by_ref to an identity, SCO refs, …); the schemas seldom restrict targets", true,
		ourErrorHas("must refer to")},
	{"defanged must not be used on objects other than SCOs (§3.2); the SDO schemas allow any custom boolean", true,
		ourErrorHas("defanged must not be used")},
	{"formats the schemas leave as annotations: email addr-spec, URL, domain name, RFC 5646 language tags", true,
		ourErrorHas("must be an addr-spec", "must be the address alone", "must be a URL", "must be a domain name", "RFC 5646 language tag")},
	{"extension property names must be 3 to 250 characters of a-z, 0-9 and '_' (§7.3.2.1); the schema takes any string", true,
		ourErrorHas("is not a valid extension property name")},
	{"dictionaries the specification types and the schemas leave open: environment_variables values are strings, language-content contents are dictionaries of translations, alternate data streams are objects", true,
		ourErrorHas("environment_variables.", "must be a dictionary of translated properties", "must be a translated string", "alternate_data_streams[")},
	{"granular marking selectors must select something present in the object (§7.2.3)", true,
		ourErrorHas("does not select anything in the object")},
	{"empty lists and dictionaries are prohibited everywhere (§2.3, §2.12), also in custom properties and language-content", true,
		ourErrorHas("must not be an empty list", "must not be an empty dictionary")},
	{"custom property rules (names, reserved names, _hex values, §3.8, §11.1.1) apply to marking definitions too; their schema has none", true,
		func(m mutation, ourErr, _ string) bool {
			return m.typ == "marking-definition" && strings.Contains(ourErr, "property name")
		}},
	{"custom properties ending in _hex must be hex (§11.1.1); the marking-definition schema has no custom property rules", true,
		ourErrorHas("must be an even number of hexadecimal digits")},
	{"created_by_ref is a required common property of extension-definition (§7.3.1); the schema does not require it", true,
		ourErrorHas("created_by_ref is required")},
	{"an _enc property must not be present without the property it qualifies (§3.1)", true,
		ourErrorHas("must not be present without name")},
	{"vocabulary terms, relationship_type among them, are 3 to 250 characters (§3.1); the schema has no length", true,
		ourErrorHas("relationship_type must be 3 to 250 characters")},
	{"unix-account-ext gid is an integer (§6.16.2); the schema says number", true,
		ourErrorHas("gid must be an integer")},

	// Validate accepts what the schemas reject.
	{"mime_type SHOULD be an IANA media type (§6.1); the artifact schema makes it a pattern", false,
		func(m mutation, _, why string) bool { return strings.HasSuffix(m.path, "mime_type") }},
	{"the external-reference schema forbids CVE- or CAPEC-shaped external_ids under other source names and requires external_id for \"capec\" and \"cve\"; §2.5 and §4.1/§4.19 only fix the form of those ids", false,
		func(m mutation, _, why string) bool { return strings.HasPrefix(m.path, "external_references.") }},
	{"additional_header_fields values are lists of strings (§6.6); the schema wants at least two items in a list (a single value as a string)", false,
		func(m mutation, _, why string) bool {
			return strings.HasPrefix(m.path, "additional_header_fields.") && m.value == `["x"]`
		}},
	{"socket option names SHOULD be like SO_ACCEPTCONN (§6.12.4): a warning; the schema makes it a pattern", false,
		func(m mutation, _, why string) bool { return strings.Contains(m.path, "socket-ext.options") }},
	{"startup_info values: the schema types some STARTUPINFO members, §6.13.2 does not", false,
		func(m mutation, _, why string) bool { return strings.Contains(m.path, "startup_info.") }},
}

// TestSchemaProbes pins the divergences the mutation test does not reach:
// each probe is an object on which Validate and the OASIS schema disagree,
// with the reason.
func TestSchemaProbes(t *testing.T) {
	schemas := loadSchemas(t)
	for _, p := range []struct {
		typ      string
		edits    []edit
		schemaOK bool
		reason   string
	}{
		{"indicator", []edit{set("spec_version", `"2.0"`)}, true,
			"spec_version \"2.0\" marks a STIX 2.0 object, which Validate does not check; the schemas accept 2.0"},
		{"indicator", []edit{set("extensions", `{"x-acme-ext":{"rank":5}}`)}, true,
			"custom (\"-ext\") extensions are for SCOs only (§11.3); the SDO schemas accept them"},
		{"marking-definition", []edit{set("created", `"2016-08-01T00:00:00Z"`)}, true,
			"created has at least millisecond precision on every object (§3.2); the marking-definition schema does not ask for it"},
		{"indicator", []edit{set("created", `"2016-12-31T23:59:60.000Z"`), set("modified", `"2016-12-31T23:59:60.000Z"`)}, true,
			"leap seconds: Go's time package cannot represent second 60, so such a timestamp is rejected"},
		{"process", []edit{del("is_hidden"), del("pid"), del("cwd"), del("command_line"), del("environment_variables"), del("opened_connection_refs"), del("creator_user_ref"), del("image_ref"), del("parent_ref"), del("child_refs"), del("extensions")}, false,
			"a process with only created_time is valid (§6.13); the schema's list of properties still has the STIX 2.0 names (created, name, arguments)"},
		{"windows-registry-key", []edit{del("key"), del("values"), del("creator_user_ref"), del("number_of_subkeys")}, false,
			"a registry key with only modified_time is valid (§6.17); the schema lists \"modified\" instead"},
		{"windows-registry-key", []edit{set("key", `"HKEY_LOCAL_MACHINE\\Software\\HKCU"`)}, false,
			"only an abbreviated hive is forbidden (§6.17); the schema's unanchored pattern rejects HKCU anywhere in the key"},
		{"ipv6-addr", []edit{set("value", `"::ffff:198.51.100.3"`)}, false,
			"IPv6 addresses with an embedded IPv4 part are valid; the schema's pattern has 'd' where it means a digit"},
		{"ipv6-addr", []edit{set("value", `"fe80::1%eth0"`)}, true,
			"an IPv6 zone is local to one host and not CIDR notation; the schema allows \"%zone\""},
		{"file", []edit{set("hashes.TLSH", `"T1`+strings.Repeat("0A", 35)+`"`)}, false,
			"TLSH digests of TLSH 4 and later start with \"T1\"; the schema wants the bare 70 hex digits"},
		{"file", []edit{set("granular_markings", `[{"marking_ref":"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed","selectors":["hashes.SHA-256"]}]`)}, false,
			"selectors name dictionary keys, which may have upper case (§7.2.3); the schema's selector pattern is lower case only"},
		{"observed-data", []edit{del("object_refs"), set("objects", `{"0":{"type":"ipv4-addr","value":"198.51.100.3"}}`)}, false,
			"objects in the deprecated observable container are identified by their key and need no id (§2.13); the schema requires one"},
		{"sighting", []edit{set("sighting_of_ref", `"file--ba8965d8-e4ec-5f9c-a4df-1c460994ca58"`)}, true,
			"sighting_of_ref must reference an SDO (§5.2); the schema allows SCOs"},
		{"relationship", []edit{set("target_ref", `"extension-definition--71736db5-10db-43d3-b0e3-65cf81601fe1"`)}, true,
			"relationships link SDOs and SCOs (§5.1); the schema allows an extension-definition"},
		{"process", []edit{set("extensions.windows-process-ext.startup_info.x_acme", `"x"`)}, false,
			"startup_info keys are STARTUPINFO member names (§6.13.2), on which Validate and the schema agree"},
	} {
		o := mutated(t, p.typ, p.edits...)
		tree, _ := parseTree(o.Raw)
		schemaOK, why := schemas.valid(schemaFor(p.typ), tree)
		ourOK := Validate(o) == nil
		if p.reason == "startup_info keys are STARTUPINFO member names (§6.13.2), on which Validate and the schema agree" {
			if schemaOK || ourOK {
				t.Errorf("%s: schema %v, Validate %v; want both to reject", p.reason, schemaOK, ourOK)
			}
			continue
		}
		if schemaOK != p.schemaOK || ourOK == schemaOK {
			t.Errorf("%s\n  schema %v (%s), Validate %v (%v); want schema %v and Validate the opposite", p.reason, schemaOK, why, ourOK, Validate(o), p.schemaOK)
		}
	}
}
