package match

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart/pattern"
)

// Record is one observation from a log or a feed: values at STIX object
// paths, and when they were seen. Readers fill Records; a Reader may reuse
// the Record it returned once Next is called again.
type Record struct {
	Time time.Time
	// Line is the input line (or object index) the record came from.
	Line   int64
	Fields []Field
	// obs is the observation when the record came from STIX observed data.
	obs *pattern.Observation
}

// Field is one value at an object path. The value is held unboxed (Kind
// says which of Str, Int, Float and Bool is set) so reading a record
// allocates nothing per field.
type Field struct {
	Key   *Key
	Kind  ValueKind
	Str   string
	Int   int64
	Float float64
	Bool  bool
}

// ValueKind is the type of a Field's value.
type ValueKind uint8

const (
	String ValueKind = iota
	Int
	Float
	Bool
)

// StringField returns a string field.
func StringField(k *Key, s string) Field { return Field{Key: k, Kind: String, Str: s} }

// Value returns the value as the evaluator represents it.
// The string is copied: a Reader's records may point into its buffer.
func (f *Field) Value() any {
	switch f.Kind {
	case Int:
		return f.Int
	case Float:
		return f.Float
	case Bool:
		return f.Bool
	}
	return strings.Clone(f.Str)
}

// Key is an object path as a log names it, parsed once.
type Key struct {
	Path *pattern.ObjectPath
	// Canon is the canonical path, as pattern.ObjectPath.String prints it;
	// indexes are keyed by it.
	Canon string
	// RefProp is set for a path TYPE:x_ref.PROP: the referenced object's
	// type is inferred from the value (an IPv4 or IPv6 address, else a
	// domain name), so "network-traffic:dst_ref.value" also fills an
	// ipv4-addr object, which [ipv4-addr:value = …] matches.
	RefProp string
	// Refs marks TYPE:x_refs[*].PROP paths, which add one referenced
	// object per value, typed as for RefProp.
	Refs bool
	// Hash marks paths to a hash (file:hashes.'SHA-256'), whose values
	// are looked up in lower case.
	Hash bool
}

// Keys caches parsed object paths by the text a log uses. It is safe for
// concurrent use.
type Keys struct {
	m sync.Map // string -> *Key
}

// Get returns the Key for an object path such as "domain-name:value" or
// "file:hashes.'SHA-256'".
func (ks *Keys) Get(path string) (*Key, error) {
	if k, ok := ks.m.Load(path); ok {
		return k.(*Key), nil
	}
	op, err := pattern.ParseObjectPath(path)
	if err != nil {
		return nil, fmt.Errorf("object path %q: %v", path, shortError(err))
	}
	k := &Key{Path: op, Canon: op.String(), Hash: op.IsHashPath()}
	st := op.Steps
	switch {
	case len(st) == 2 && st[0].Kind == pattern.StepKey && strings.HasSuffix(st[0].Key, "_ref") && st[1].Kind == pattern.StepKey:
		k.RefProp = st[1].Key
	case len(st) == 3 && st[0].Kind == pattern.StepKey && strings.HasSuffix(st[0].Key, "_refs") && st[1].Kind == pattern.StepStar && st[2].Kind == pattern.StepKey:
		k.RefProp, k.Refs = st[2].Key, true
	}
	ks.m.Store(path, k)
	return k, nil
}

func shortError(err error) string {
	if e, ok := err.(*pattern.Error); ok {
		return e.Short()
	}
	return err.Error()
}

// refType infers the type of an object a _ref path points at from the
// value of its "value" property.
func refType(prop, v string) string {
	if prop != "value" {
		return ""
	}
	if a, err := netip.ParseAddr(v); err == nil {
		if a.Is4() {
			return "ipv4-addr"
		}
		return "ipv6-addr"
	}
	if p, err := netip.ParsePrefix(v); err == nil {
		if p.Addr().Is4() {
			return "ipv4-addr"
		}
		return "ipv6-addr"
	}
	if strings.Contains(v, "@") {
		return "email-addr"
	}
	return "domain-name"
}

// valueAlias returns the canonical path "TYPE:value" of the object a
// _ref.value path points at, given the value (and its address, parsed once
// by the caller).
func valueAlias(v string, a netip.Addr) string {
	switch {
	case a.Is4():
		return "ipv4-addr:value"
	case a.IsValid():
		return "ipv6-addr:value"
	}
	switch refType("value", v) {
	case "ipv4-addr":
		return "ipv4-addr:value"
	case "ipv6-addr":
		return "ipv6-addr:value"
	case "email-addr":
		return "email-addr:value"
	}
	return "domain-name:value"
}

// Observation returns the record as one observation: one object per type
// (a second object of a type when a property repeats), referenced objects
// for x_ref paths, all of them roots, seen once at the record's time.
func (r *Record) Observation() *pattern.Observation {
	if r.obs != nil {
		return r.obs
	}
	b := obsBuilder{o: &pattern.Observation{FirstObserved: r.Time, LastObserved: r.Time, NumberObserved: 1, Objects: map[string]pattern.Object{}}}
	for i := range r.Fields {
		b.add(&r.Fields[i])
	}
	return b.o
}

type obsBuilder struct {
	o *pattern.Observation
}

func (b *obsBuilder) newObject(typ string) (string, pattern.Object) {
	k := strconv.Itoa(len(b.o.Roots))
	obj := pattern.Object{"type": typ}
	b.o.Objects[k] = obj
	b.o.Roots = append(b.o.Roots, k)
	return k, obj
}

// object returns an object of type typ that does not have prop yet.
func (b *obsBuilder) object(typ, prop string) pattern.Object {
	for _, k := range b.o.Roots {
		obj := b.o.Objects[k]
		if obj["type"] == typ {
			if _, has := obj[prop]; !has {
				return obj
			}
		}
	}
	_, obj := b.newObject(typ)
	return obj
}

// refsObject returns the first object of type typ, for appending to a
// reference list.
func (b *obsBuilder) refsObject(typ, prop string) pattern.Object {
	for _, k := range b.o.Roots {
		if obj := b.o.Objects[k]; obj["type"] == typ {
			return obj
		}
	}
	_, obj := b.newObject(typ)
	return obj
}

func (b *obsBuilder) add(f *Field) {
	p := f.Key.Path
	first := p.Steps[0]
	if first.Kind != pattern.StepKey {
		return
	}
	if f.Key.RefProp != "" {
		if t := refType(f.Key.RefProp, f.Str); f.Kind == String && t != "" {
			k, ref := b.newObject(t)
			ref[f.Key.RefProp] = strings.Clone(f.Str)
			if f.Key.Refs {
				obj := b.refsObject(p.Type, first.Key)
				list, _ := obj[first.Key].([]any)
				obj[first.Key] = append(list, k)
				return
			}
			b.object(p.Type, first.Key)[first.Key] = k
			return
		}
	}
	obj := b.object(p.Type, first.Key)
	if len(p.Steps) == 1 {
		obj[first.Key] = f.Value()
		return
	}
	// Nested properties: dictionaries for keys, a list for [*].
	var cur any = obj
	for i, s := range p.Steps {
		last := i == len(p.Steps)-1
		m, ok := cur.(map[string]any)
		if !ok || s.Kind != pattern.StepKey {
			return
		}
		if last {
			m[s.Key] = f.Value()
			return
		}
		next := p.Steps[i+1]
		switch next.Kind {
		case pattern.StepKey:
			child, ok := m[s.Key].(map[string]any)
			if !ok {
				child = map[string]any{}
				m[s.Key] = child
			}
			cur = child
		case pattern.StepStar:
			if i+1 == len(p.Steps)-1 {
				list, _ := m[s.Key].([]any)
				m[s.Key] = append(list, f.Value())
			}
			return
		default:
			return
		}
	}
}

// recordFromObservation makes a Record of an observation read from STIX
// observed data: its fields are the simple string properties of its
// objects (and of objects one reference away), for the index lookups; the
// observation itself is what the evaluator sees.
func recordFromObservation(o *pattern.Observation, keys *Keys, line int64) *Record {
	r := &Record{Time: o.LastObserved, Line: line, obs: o}
	for _, k := range o.Roots {
		obj := o.Objects[k]
		typ, _ := obj["type"].(string)
		if typ == "" {
			continue
		}
		for prop, v := range obj {
			if prop != "type" && prop != "id" && prop != "spec_version" {
				addFields(r, keys, typ, []string{prop}, v, o, 0)
			}
		}
	}
	return r
}

func addFields(r *Record, keys *Keys, typ string, steps []string, v any, o *pattern.Observation, depth int) {
	if depth > 2 {
		return
	}
	prop := steps[len(steps)-1]
	switch v := v.(type) {
	case string:
		if strings.HasSuffix(prop, "_ref") {
			if ref, ok := o.Objects[v]; ok {
				for p, rv := range ref {
					if s, ok := rv.(string); ok && p != "type" && p != "id" {
						addField(r, keys, typ, append(steps[:len(steps):len(steps)], p), s)
					}
				}
			}
			return
		}
		addField(r, keys, typ, steps, v)
	case map[string]any:
		for k, sv := range v {
			addFields(r, keys, typ, append(steps[:len(steps):len(steps)], k), sv, o, depth+1)
		}
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				addField(r, keys, typ, append(steps[:len(steps):len(steps)], "*"), s)
			}
		}
	}
}

func addField(r *Record, keys *Keys, typ string, steps []string, v string) {
	op := &pattern.ObjectPath{Type: typ}
	for _, s := range steps {
		if s == "*" {
			op.Steps = append(op.Steps, pattern.PathStep{Kind: pattern.StepStar})
		} else {
			op.Steps = append(op.Steps, pattern.PathStep{Key: s})
		}
	}
	k, err := keys.Get(op.String())
	if err != nil {
		return
	}
	// Lookups only: the observation already has the value.
	r.Fields = append(r.Fields, StringField(&Key{Path: k.Path, Canon: k.Canon}, v))
}
