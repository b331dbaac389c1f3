package misp

import (
	"bytes"
	"crypto/sha1"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MaxFileBytes is the largest MISP JSON document Parse and Read accept
// (512 MiB): MISP events are read whole, not streamed.
const MaxFileBytes = 512 << 20

// ErrTooLarge reports a document larger than MaxFileBytes.
var ErrTooLarge = errors.New("MISP document exceeds MaxFileBytes (512 MiB)")

// Failure is one event, attribute, object or sighting that could not be
// read or converted, with where it is. The other items of the same
// document are read and converted all the same.
type Failure struct {
	File      string // the file or feed entry, may be empty
	Event     int    // index of the event in the document, -1 when unknown
	EventUUID string
	Item      string // "attribute 3 (uuid …)", "object 0 (uuid …)"; empty for the event itself
	Err       error
}

func (f *Failure) Error() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File)
		b.WriteString(": ")
	}
	if f.Event >= 0 {
		fmt.Fprintf(&b, "event %d", f.Event)
		if f.EventUUID != "" {
			fmt.Fprintf(&b, " (uuid %s)", f.EventUUID)
		}
		b.WriteString(": ")
	} else if f.EventUUID != "" {
		fmt.Fprintf(&b, "event %s: ", f.EventUUID)
	}
	if f.Item != "" {
		b.WriteString(f.Item)
		b.WriteString(": ")
	}
	b.WriteString(f.Err.Error())
	return b.String()
}

func (f *Failure) Unwrap() error { return f.Err }

func item(what string, i int, uuid string) string {
	if uuid == "" {
		return fmt.Sprintf("%s %d", what, i)
	}
	return fmt.Sprintf("%s %d (uuid %s)", what, i, uuid)
}

var decodeOpts = json.JoinOptions(jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))

// Sniff reports whether prefix, the first bytes of a JSON document, looks
// like MISP JSON rather than STIX: an object with an "Event" or "response"
// member or with the members of a bare event ("info", "Attribute",
// "Object", "threat_level_id", "Orgc"), or an array whose first element is
// one. A STIX object or bundle (with a "type" member first, or an
// "objects" member) is not MISP.
func Sniff(prefix []byte) bool {
	dec := jsontext.NewDecoder(bytes.NewReader(prefix), decodeOpts)
	tok, err := dec.ReadToken()
	if err != nil {
		return false
	}
	if tok.Kind() == '[' {
		if tok, err = dec.ReadToken(); err != nil || tok.Kind() != '{' {
			return false
		}
	} else if tok.Kind() != '{' {
		return false
	}
	for {
		tok, err := dec.ReadToken()
		if err != nil || tok.Kind() != '"' {
			return false
		}
		switch tok.String() {
		case "Event", "response", "info", "Attribute", "Object", "threat_level_id", "Orgc", "Org", "orgc_id", "ShadowAttribute":
			return true
		case "type", "objects", "spec_version", "more", "next":
			return false
		case "id":
			// STIX ids are "type--uuid"; MISP's are numbers.
			v, err := dec.ReadValue()
			if err != nil || bytes.Contains(v, []byte("--")) {
				return false
			}
			continue
		}
		if err := dec.SkipValue(); err != nil {
			return false
		}
	}
}

// Read reads a whole MISP JSON document from r (at most MaxFileBytes) and
// parses it as Parse does.
func Read(r io.Reader, file string) ([]*Event, []*Failure, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, nil, ErrTooLarge
	}
	return Parse(data, file)
}

// Parse reads MISP JSON in any of the forms MISP writes: one
// {"Event": {…}}, a bare event, a JSON array of either, the REST search
// answer {"response": [...]} and the attribute or object collections
// {"response": {"Attribute": [...]}} and {"response": [{"Object": …}]}.
// Loose attributes and objects of a collection are gathered into one
// event whose uuid is derived from theirs.
//
// A malformed event, attribute or object is left out and listed in the
// failures with its position (file names where it came from); the rest is
// returned. The error is for a document that is not JSON or not MISP at
// all; events read before a break are still returned.
func Parse(data []byte, file string) ([]*Event, []*Failure, error) {
	if len(data) > MaxFileBytes {
		return nil, nil, ErrTooLarge
	}
	p := &parser{file: file}
	v := jsontext.Value(data)
	if err := p.value(v, 0); err != nil {
		return p.events, p.failures, err
	}
	if len(p.loose.Attribute) > 0 || len(p.loose.Object) > 0 {
		p.loose.UUID = looseUUID(p.loose)
		p.loose.Info = "MISP attributes and objects"
		if p.file != "" {
			p.loose.Info += " from " + p.file
		}
		p.events = append(p.events, &p.loose)
	}
	if len(p.events) == 0 && len(p.failures) == 0 {
		return nil, nil, fmt.Errorf("no MISP event, attribute or object found")
	}
	return p.events, p.failures, nil
}

type parser struct {
	file     string
	events   []*Event
	failures []*Failure
	loose    Event // attributes and objects outside any event
	index    int   // events seen, good or bad
}

func (p *parser) fail(uuid, item string, err error) {
	p.failures = append(p.failures, &Failure{File: p.file, Event: p.index, EventUUID: uuid, Item: item, Err: err})
}

// value reads one top-level value or a member of a response.
func (p *parser) value(v jsontext.Value, depth int) error {
	if depth > 3 {
		return fmt.Errorf("MISP JSON nested deeper than expected")
	}
	switch v.Kind() {
	case '[':
		var items []jsontext.Value
		if err := json.Unmarshal(v, &items, decodeOpts); err != nil {
			return fmt.Errorf("malformed JSON: %v", err)
		}
		for _, it := range items {
			if it.Kind() != '{' {
				p.fail("", "", fmt.Errorf("want a MISP event (a JSON object), got %s", kindName(it.Kind())))
				p.index++
				continue
			}
			if err := p.value(it, depth+1); err != nil {
				p.fail("", "", err)
				p.index++
			}
		}
		return nil
	case '{':
	default:
		return fmt.Errorf("not MISP JSON: want an object or an array, got %s", kindName(v.Kind()))
	}
	var members map[string]jsontext.Value
	if err := json.Unmarshal(v, &members, decodeOpts); err != nil {
		return fmt.Errorf("malformed JSON: %v", err)
	}
	switch {
	case members["Event"] != nil:
		p.event(members["Event"])
	case members["response"] != nil:
		return p.value(members["response"], depth+1)
	case members["info"] != nil || members["threat_level_id"] != nil || members["Orgc"] != nil ||
		(members["uuid"] != nil && members["date"] != nil):
		p.event(v)
	case members["Attribute"] != nil || members["Object"] != nil:
		if a := members["Attribute"]; a != nil {
			p.attributes(&p.loose, a)
		}
		if o := members["Object"]; o != nil {
			p.objects(&p.loose, o)
		}
	case members["GalaxyCluster"] != nil:
		return fmt.Errorf("not a MISP event: a galaxy (import events that carry it)")
	case members["date_sighting"] != nil || (members["type"] != nil && members["value"] != nil && members["timestamp"] != nil && len(members) <= 4):
		return fmt.Errorf("not a MISP event: a lone sighting or attribute without an event")
	case members["requiredOneOf"] != nil || members["attributes"] != nil:
		return fmt.Errorf("not a MISP event: an object template definition")
	default:
		return fmt.Errorf("not a MISP event: no info, Attribute or Object member")
	}
	return nil
}

// eventWire is an event as read: attributes and objects are kept raw so
// that a bad one fails alone.
type eventWire struct {
	EventInfo `json:",inline"`
	Attribute jsontext.Value `json:"Attribute"`
	Object    jsontext.Value `json:"Object"`
	Sighting  jsontext.Value `json:"Sighting"`
}

func (p *parser) event(v jsontext.Value) {
	defer func() { p.index++ }()
	var w eventWire
	if err := json.Unmarshal(v, &w, decodeOpts); err != nil {
		uuid := peekUUID(v)
		p.fail(uuid, "", fmt.Errorf("malformed event: %v", err))
		return
	}
	ev := &Event{EventInfo: w.EventInfo}
	u, err := normUUID(ev.UUID)
	if err != nil {
		p.fail(ev.UUID, "", err)
		return
	}
	ev.UUID = u
	if len(w.Attribute) > 0 {
		p.attributes(ev, w.Attribute)
	}
	if len(w.Object) > 0 {
		p.objects(ev, w.Object)
	}
	if len(w.Sighting) > 0 && w.Sighting.Kind() == '[' {
		var raws []jsontext.Value
		_ = json.Unmarshal(w.Sighting, &raws, decodeOpts)
		for i, r := range raws {
			var s Sighting
			if err := json.Unmarshal(r, &s, decodeOpts); err != nil {
				p.fail(ev.UUID, item("sighting", i, ""), err)
				continue
			}
			ev.Sighting = append(ev.Sighting, s)
		}
	}
	p.events = append(p.events, ev)
}

func list(v jsontext.Value) ([]jsontext.Value, error) {
	switch v.Kind() {
	case 'n':
		return nil, nil
	case '{':
		return []jsontext.Value{v}, nil
	case '[':
		var raws []jsontext.Value
		err := json.Unmarshal(v, &raws, decodeOpts)
		return raws, err
	}
	return nil, fmt.Errorf("want an array, got %s", kindName(v.Kind()))
}

func (p *parser) attributes(ev *Event, v jsontext.Value) {
	raws, err := list(v)
	if err != nil {
		p.fail(ev.UUID, "Attribute", err)
		return
	}
	for i, r := range raws {
		a, err := parseAttribute(r)
		if err != nil {
			p.fail(ev.UUID, item("attribute", i, peekUUID(r)), err)
			continue
		}
		a.at = i + 1
		ev.Attribute = append(ev.Attribute, a)
	}
}

func parseAttribute(r jsontext.Value) (Attribute, error) {
	var a Attribute
	if err := json.Unmarshal(r, &a, decodeOpts); err != nil {
		return a, fmt.Errorf("malformed attribute: %v", err)
	}
	if a.Type == "" {
		return a, fmt.Errorf("attribute has no type")
	}
	u, err := normUUID(a.UUID)
	if err != nil {
		return a, err
	}
	a.UUID = u
	return a, nil
}

func (p *parser) objects(ev *Event, v jsontext.Value) {
	raws, err := list(v)
	if err != nil {
		p.fail(ev.UUID, "Object", err)
		return
	}
	for i, r := range raws {
		var w struct {
			Object    `json:",inline"`
			Attribute jsontext.Value `json:"Attribute"`
		}
		if err := json.Unmarshal(r, &w, decodeOpts); err != nil {
			p.fail(ev.UUID, item("object", i, peekUUID(r)), fmt.Errorf("malformed object: %v", err))
			continue
		}
		o := w.Object
		if o.UUID, err = normUUID(o.UUID); err != nil {
			p.fail(ev.UUID, item("object", i, w.Object.UUID), err)
			continue
		}
		if o.Name == "" {
			p.fail(ev.UUID, item("object", i, o.UUID), fmt.Errorf("object has no name (template)"))
			continue
		}
		attrs, err := list(w.Attribute)
		if err != nil {
			p.fail(ev.UUID, item("object", i, o.UUID), fmt.Errorf("Attribute: %v", err))
			continue
		}
		o.Attribute = nil
		for j, ar := range attrs {
			a, err := parseAttribute(ar)
			if err != nil {
				p.fail(ev.UUID, item("object", i, o.UUID)+": "+item("attribute", j, peekUUID(ar)), err)
				continue
			}
			o.Attribute = append(o.Attribute, a)
		}
		o.at = i + 1
		ev.Object = append(ev.Object, o)
	}
}

// peekUUID returns the uuid member of a JSON object, if it can be read.
func peekUUID(v jsontext.Value) string {
	var x struct {
		UUID Text `json:"uuid"`
	}
	_ = json.Unmarshal(v, &x, decodeOpts)
	return string(x.UUID)
}

// normUUID checks a MISP uuid and returns it in lower case.
// An empty uuid stays empty: the converter derives one.
func normUUID(s string) (string, error) {
	u := strings.ToLower(strings.TrimSpace(s))
	if u == "" {
		return "", nil
	}
	if !isUUID(u) {
		// Hand-written events (PyMISP's tests) name items "a", "b":
		// such a name still gives one stable id.
		if len(u) > 200 {
			return "", fmt.Errorf("uuid %q is not a UUID", s[:40]+"…")
		}
		return uuid5("misp-uuid", u), nil
	}
	return u, nil
}

func isUUID(u string) bool {
	if len(u) != 36 || u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-' {
		return false
	}
	for i, c := range u {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// namespace is the UUIDv5 namespace of the ids this package derives
// (events of loose attributes, relationships, sightings without a uuid).
var namespace = [16]byte{0x6b, 0x9d, 0x1c, 0x2e, 0x7a, 0x3f, 0x4e, 0x51, 0x9a, 0x0c, 0x5d, 0x2b, 0x8e, 0x47, 0x11, 0x63}

// uuid5 returns the RFC 9562 version 5 UUID of name in namespace.
func uuid5(parts ...string) string {
	h := sha1.New()
	h.Write(namespace[:])
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func looseUUID(ev Event) string {
	var ids []string
	for _, a := range ev.Attribute {
		ids = append(ids, a.UUID)
	}
	for _, o := range ev.Object {
		ids = append(ids, o.UUID)
	}
	slices.Sort(ids)
	return uuid5(append([]string{"loose"}, ids...)...)
}
