package search

import (
	"bytes"
	"encoding/json/jsontext"
	"slices"
	"strings"
	"sync"
	"unicode"

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
	// Keys are the object's keys in the value index (values and
	// domains), sorted, each once.
	Keys []string
	// CreatedBy is the created_by_ref, lower case, "" for none; Markings
	// the object_marking_refs, lower case, each once. They are columns of
	// search_docs rather than keys of the value index: nearly every
	// object has both, and two more rows of the value index for each
	// cost an import more than any search filtering on them gains.
	CreatedBy string
	Markings  []string
}

// MarkingsColumn returns the markings as search_docs.markings holds
// them: each id followed by a space, after a leading space, so that a
// marking is found as " id " (markingTerm); "" for none.
func (d *Doc) MarkingsColumn() string {
	if len(d.Markings) == 0 {
		return ""
	}
	return " " + strings.Join(d.Markings, " ") + " "
}

// Where the index puts each property it reads: the words of the name,
// of the body, or (references) values only.
const (
	toName = iota + 1
	toBody
	toKeys
)

// properties are the top-level properties the index reads.
var properties = map[string]int{
	"name": toName, "aliases": toName, "x_mitre_aliases": toName, "value": toName,
	"display_name": toName, "account_login": toName, "user_id": toName, "key": toName,

	"description": toBody, "labels": toBody, "abstract": toBody, "content": toBody,
	"explanation": toBody, "hashes": toBody, "path": toBody, "command_line": toBody,

	"sighting_of_ref": toKeys, "observed_data_refs": toKeys, "where_sighted_refs": toKeys,
	"source_ref": toKeys, "target_ref": toKeys, "object_refs": toKeys,
}

// observableProperties are those read of each observable that STIX 2.0
// observed-data embeds in "objects" (into the body).
var observableProperties = map[string]bool{
	"value": true, "name": true, "hashes": true, "key": true, "path": true,
	"command_line": true, "account_login": true, "user_id": true,
}

// decodeOptions read what stix.ParseObject accepted.
var decodeOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// NewDoc returns what the indexes hold of o: the words and values of its
// text and pattern, its markings and its author. It reads o's JSON in one
// pass, and leniently: a property of an unexpected JSON type adds
// nothing, and what cannot be read adds nothing either.
func NewDoc(o *stix.Object, values PatternValues) *Doc {
	b := &docBuilder{keys: make(map[string]bool), values: values}
	r := readers.Get().(*reader)
	r.src.Reset(o.Raw)
	r.dec.Reset(&r.src, decodeOptions...)
	defer func() {
		// Nothing of o stays in the pool.
		r.src.Reset(nil)
		r.dec.Reset(&r.src, decodeOptions...)
		readers.Put(r)
	}()
	dec := &r.dec
	var pat, patType string
	b.members(dec, func(name []byte) {
		switch string(name) {
		case "external_references":
			// The external_id of each: ATT&CK's "G0016", CVE ids.
			b.elements(dec, func() {
				b.members(dec, func(name []byte) {
					if string(name) == "external_id" {
						b.strings(dec, func(s string) { b.add(&b.doc.Name, s) })
					} else {
						dec.SkipValue()
					}
				})
			})
		case "pattern":
			b.strings(dec, func(s string) { pat = s })
		case "pattern_type":
			b.strings(dec, func(s string) { patType = s })
		case "objects":
			b.members(dec, func([]byte) {
				b.members(dec, func(name []byte) {
					if observableProperties[string(name)] {
						b.strings(dec, func(s string) { b.add(&b.doc.Body, s) })
					} else {
						dec.SkipValue()
					}
				})
			})
		default:
			switch properties[string(name)] {
			case toName:
				b.strings(dec, func(s string) { b.add(&b.doc.Name, s) })
			case toBody:
				b.strings(dec, func(s string) { b.add(&b.doc.Body, s) })
			case toKeys:
				b.strings(dec, func(s string) {
					if _, _, err := stix.ParseID(s); err == nil {
						b.key(keyValue + strings.ToLower(s))
					}
				})
			default:
				dec.SkipValue()
			}
		}
	})
	b.pattern(pat, patType)
	// An id with a space in it (a STIX 2.0 object's, which is not
	// checked) could never be searched for: it is left out.
	if id := strings.ToLower(o.CreatedByRef); !strings.ContainsFunc(id, unicode.IsSpace) {
		b.doc.CreatedBy = id
	}
	for _, m := range o.ObjectMarkingRefs {
		if m = strings.ToLower(m); m != "" && !strings.ContainsFunc(m, unicode.IsSpace) && !slices.Contains(b.doc.Markings, m) {
			b.doc.Markings = append(b.doc.Markings, m)
		}
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
	// values reads the values of a STIX pattern; nil, the pattern's text
	// is indexed as words.
	values PatternValues
	// err is the first error of the decoder: then every later read adds
	// nothing.
	err error
}

// reader is a decoder of NewDoc's, kept in readers for the next object
// (its buffers are most of what a new one allocates).
type reader struct {
	src bytes.Reader
	dec jsontext.Decoder
}

var readers = sync.Pool{New: func() any { return new(reader) }}

// members reads an object, calling member with each member's name (valid
// until the next read of dec, unquoted); member must read (or skip) the
// value. Any other value is skipped.
func (b *docBuilder) members(dec *jsontext.Decoder, member func(name []byte)) {
	if b.err != nil {
		return
	}
	if dec.PeekKind() != '{' {
		b.err = dec.SkipValue()
		return
	}
	if _, b.err = dec.ReadToken(); b.err != nil {
		return
	}
	for b.err == nil && dec.PeekKind() != '}' {
		var v jsontext.Value
		if v, b.err = dec.ReadValue(); b.err != nil {
			return
		}
		// The name's bytes without allocating; one written with escapes
		// is unquoted.
		name := []byte(v[1 : len(v)-1])
		if bytes.IndexByte(name, '\\') >= 0 {
			if name, b.err = jsontext.AppendUnquote(nil, v); b.err != nil {
				return
			}
		}
		member(name)
	}
	if b.err == nil {
		_, b.err = dec.ReadToken()
	}
}

// elements reads an array, calling element for each element, which must
// read (or skip) it. Any other value is skipped.
func (b *docBuilder) elements(dec *jsontext.Decoder, element func()) {
	if b.err != nil {
		return
	}
	if dec.PeekKind() != '[' {
		b.err = dec.SkipValue()
		return
	}
	if _, b.err = dec.ReadToken(); b.err != nil {
		return
	}
	for b.err == nil && dec.PeekKind() != ']' {
		element()
	}
	if b.err == nil {
		_, b.err = dec.ReadToken()
	}
}

// strings reads a value and calls add with the strings in it: the value
// itself, the elements of an array or the member values of an object
// (such as hashes) that are strings, or numbers as text; nested arrays and
// objects add nothing.
func (b *docBuilder) strings(dec *jsontext.Decoder, add func(string)) {
	if b.err != nil {
		return
	}
	scalar := func() {
		switch dec.PeekKind() {
		case '"', '0':
			var tok jsontext.Token
			if tok, b.err = dec.ReadToken(); b.err == nil {
				add(tok.String()) // a number's text, as written
			}
		default:
			b.err = dec.SkipValue()
		}
	}
	switch dec.PeekKind() {
	case '[':
		b.elements(dec, scalar)
	case '{':
		b.members(dec, func([]byte) { scalar() })
	default:
		scalar()
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
			b.key(v.Key)
			for _, k := range v.Also {
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

// PatternValues returns the values a STIX pattern names, and false for a
// pattern it cannot read. The stores may not read patterns themselves (a
// store imports rampart and stix only): the node gives them the pattern
// package's reader when it opens them.
type PatternValues func(pattern string) (values []string, ok bool)

// pattern adds the values a STIX pattern names to the body; a pattern of
// another language, one that does not parse, or any pattern when there is
// no reader of values, adds its text.
func (b *docBuilder) pattern(text, lang string) {
	if text == "" {
		return
	}
	if (lang == "stix" || lang == "") && b.values != nil {
		if vs, ok := b.values(text); ok {
			for _, v := range vs {
				b.add(&b.doc.Body, v)
			}
			return
		}
	}
	b.add(&b.doc.Body, text)
}
