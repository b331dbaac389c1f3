package search

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
)

// Limits on what the index keeps of one object. A report that lists
// thousands of indicators in its description is indexed up to them; what
// lies beyond is left out of the index (the object itself is stored
// whole).
const (
	// MaxDocWords is the most words of one object in the text index
	// (PostgreSQL keeps word positions up to 16,383).
	MaxDocWords = 16383
	// MaxDocKeys is the most values of one object in the value index.
	MaxDocKeys = 10000
)

// A Doc is what the indexes hold of one object version.
type Doc struct {
	// Name holds the words of the object's name, aliases, external ids
	// and, for an observable, its value; Body the words of the rest
	// (description, labels, the values a pattern names). A search ranks
	// an object whose Name holds every word first.
	Name, Body []string
	// Keys are the object's keys in the value index (values, domains,
	// markings, author), sorted, each once.
	Keys []string
}

// fields are the properties the index reads; each is decoded only when
// present, and leniently: a property of an unexpected JSON type adds
// nothing rather than failing the object.
type fields struct {
	// The words of Name.
	Name         jsontext.Value `json:"name"`
	Aliases      jsontext.Value `json:"aliases"`
	MitreAliases jsontext.Value `json:"x_mitre_aliases"`
	ExternalRefs jsontext.Value `json:"external_references"`
	Value        jsontext.Value `json:"value"`
	DisplayName  jsontext.Value `json:"display_name"`
	AccountLogin jsontext.Value `json:"account_login"`
	UserID       jsontext.Value `json:"user_id"`
	Key          jsontext.Value `json:"key"`
	// The words of Body.
	Description jsontext.Value `json:"description"`
	Labels      jsontext.Value `json:"labels"`
	Abstract    jsontext.Value `json:"abstract"`
	Content     jsontext.Value `json:"content"`
	Explanation jsontext.Value `json:"explanation"`
	Hashes      jsontext.Value `json:"hashes"`
	Path        jsontext.Value `json:"path"`
	CommandLine jsontext.Value `json:"command_line"`
	Pattern     jsontext.Value `json:"pattern"`
	PatternType jsontext.Value `json:"pattern_type"`
	// Objects are the observables embedded in STIX 2.0 observed-data.
	Objects jsontext.Value `json:"objects"`
	// References: values only, never words.
	SightingOf   jsontext.Value `json:"sighting_of_ref"`
	ObservedData jsontext.Value `json:"observed_data_refs"`
	WhereSighted jsontext.Value `json:"where_sighted_refs"`
	Source       jsontext.Value `json:"source_ref"`
	Target       jsontext.Value `json:"target_ref"`
	ObjectRefs   jsontext.Value `json:"object_refs"`
}

// decodeOptions read what stix.ParseObject accepted; no property is
// required and none is refused.
var decodeOptions = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// NewDoc returns what the indexes hold of o: the words and values of its
// text and pattern, and its markings and author. It does not fail: what
// cannot be read adds nothing.
func NewDoc(o *stix.Object) *Doc {
	b := &docBuilder{keys: make(map[string]bool)}
	var f fields
	if err := json.Unmarshal(o.Raw, &f, decodeOptions); err != nil {
		f = fields{}
	}
	for _, v := range []jsontext.Value{f.Name, f.Aliases, f.MitreAliases, f.Value, f.DisplayName, f.AccountLogin, f.UserID, f.Key} {
		b.text(&b.doc.Name, v)
	}
	b.externalIDs(f.ExternalRefs)
	for _, v := range []jsontext.Value{f.Description, f.Labels, f.Abstract, f.Content, f.Explanation, f.Hashes, f.Path, f.CommandLine} {
		b.text(&b.doc.Body, v)
	}
	b.pattern(f.Pattern, f.PatternType)
	b.observables(f.Objects)
	for _, v := range []jsontext.Value{f.SightingOf, f.ObservedData, f.WhereSighted, f.Source, f.Target, f.ObjectRefs} {
		for _, s := range stringsOf(v) {
			if _, _, err := stix.ParseID(s); err == nil {
				b.key(keyValue + strings.ToLower(s))
			}
		}
	}
	if o.CreatedByRef != "" {
		b.key(keyCreatedBy + strings.ToLower(o.CreatedByRef))
	}
	for _, m := range o.ObjectMarkingRefs {
		b.key(keyMarking + strings.ToLower(m))
	}
	b.doc.Keys = make([]string, 0, len(b.keys))
	for k := range b.keys {
		b.doc.Keys = append(b.doc.Keys, k)
	}
	slices.Sort(b.doc.Keys)
	return &b.doc
}

type docBuilder struct {
	doc   Doc
	words int
	keys  map[string]bool
}

// text adds the words and values of the strings in v (a string, or the
// strings of an array or of an object's members, such as hashes) to the
// words of *to.
func (b *docBuilder) text(to *[]string, v jsontext.Value) {
	for _, s := range stringsOf(v) {
		b.add(to, s)
	}
}

// add adds the words of s to *to and its values (each space-separated
// token that is one) to the keys.
func (b *docBuilder) add(to *[]string, s string) {
	if b.words < MaxDocWords {
		n := len(*to)
		*to = Words(*to, s)
		if b.words += len(*to) - n; b.words > MaxDocWords {
			*to = (*to)[:len(*to)-(b.words-MaxDocWords)]
			b.words = MaxDocWords
		}
	}
	for tok := range strings.FieldsSeq(s) {
		if v, ok := parseValue(tok); ok {
			for _, k := range v.keys() {
				b.key(k)
			}
		}
	}
}

func (b *docBuilder) key(k string) {
	if len(b.keys) < MaxDocKeys {
		b.keys[k] = true
	}
}

// externalIDs adds the external_id of each external reference to the
// name's words: ATT&CK's "G0016", "T1059.001"; CVE ids.
func (b *docBuilder) externalIDs(v jsontext.Value) {
	if v.Kind() != '[' {
		return
	}
	var refs []jsontext.Value
	if json.Unmarshal(v, &refs, decodeOptions) != nil {
		return
	}
	for _, r := range refs {
		var ref struct {
			ExternalID jsontext.Value `json:"external_id"`
		}
		if r.Kind() == '{' && json.Unmarshal(r, &ref, decodeOptions) == nil {
			b.text(&b.doc.Name, ref.ExternalID)
		}
	}
}

// pattern adds the values a STIX pattern names (pattern.Values) to the
// body; a pattern of another language, or one that does not parse, adds
// its text.
func (b *docBuilder) pattern(src, typ jsontext.Value) {
	text, ok := stringOf(src)
	if !ok {
		return
	}
	if lang, _ := stringOf(typ); lang == "stix" || lang == "" {
		if p, err := pattern.Parse(text); err == nil {
			for _, nv := range pattern.Values(p) {
				b.add(&b.doc.Body, nv.Value)
			}
			return
		}
	}
	b.add(&b.doc.Body, text)
}

// observables adds what STIX 2.0 observed-data embeds in "objects": each
// observable's value, name, hashes and the like.
func (b *docBuilder) observables(v jsontext.Value) {
	if v.Kind() != '{' {
		return
	}
	var objs map[string]jsontext.Value
	if json.Unmarshal(v, &objs, decodeOptions) != nil {
		return
	}
	keys := make([]string, 0, len(objs))
	for k := range objs {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the words in one order, whatever the map's
	for _, k := range keys {
		var f fields
		if objs[k].Kind() != '{' || json.Unmarshal(objs[k], &f, decodeOptions) != nil {
			continue
		}
		for _, v := range []jsontext.Value{f.Value, f.Name, f.Hashes, f.Key, f.Path, f.CommandLine, f.AccountLogin, f.UserID} {
			b.text(&b.doc.Body, v)
		}
	}
}

// stringOf returns v as a string when it is a JSON string.
func stringOf(v jsontext.Value) (string, bool) {
	if v.Kind() != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s, decodeOptions) != nil {
		return "", false
	}
	return s, true
}

// stringsOf returns the strings in v: v itself, the elements of an array
// or the member values of an object that are strings (or numbers, as
// text); nested arrays and objects add nothing.
func stringsOf(v jsontext.Value) []string {
	switch v.Kind() {
	case '"':
		s, _ := stringOf(v)
		return []string{s}
	case '[':
		var vs []jsontext.Value
		if json.Unmarshal(v, &vs, decodeOptions) != nil {
			return nil
		}
		return scalars(vs)
	case '{':
		var m map[string]jsontext.Value
		if json.Unmarshal(v, &m, decodeOptions) != nil {
			return nil
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		vs := make([]jsontext.Value, len(keys))
		for i, k := range keys {
			vs[i] = m[k]
		}
		return scalars(vs)
	case '0':
		return []string{string(v)}
	}
	return nil
}

func scalars(vs []jsontext.Value) []string {
	var out []string
	for _, e := range vs {
		switch e.Kind() {
		case '"':
			if s, ok := stringOf(e); ok {
				out = append(out, s)
			}
		case '0':
			if _, err := strconv.ParseFloat(string(e), 64); err == nil {
				out = append(out, string(e))
			}
		}
	}
	return out
}
