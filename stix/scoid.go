package stix

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
)

// SCONamespace is the UUIDv5 namespace of deterministic SCO identifiers
// (§2.9).
const SCONamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7"

// scoNamespace is SCONamespace as bytes.
var scoNamespace = func() [16]byte {
	var b [16]byte
	s := SCONamespace[0:8] + SCONamespace[9:13] + SCONamespace[14:18] + SCONamespace[19:23] + SCONamespace[24:]
	hex.Decode(b[:], []byte(s))
	return b
}()

// hashPreference is the order in which one hash is picked from a hashes
// dictionary for an SCO id (§6.1, §6.7, §6.18).
var hashPreference = []string{"MD5", "SHA-1", "SHA-256", "SHA-512"}

// SCOID returns the identifier o should have by the rules of §2.9 and §3.4:
// "type--" and a UUIDv5 in namespace SCONamespace whose name is the RFC
// 8785 canonical JSON of the object's ID Contributing Properties. Of a
// hashes property one hash is kept, the first of MD5, SHA-1, SHA-256 and
// SHA-512 present, else the first in the object.
//
// Where the specification leaves a fresh random id (a process, which has
// no ID Contributing Properties; an SCO with none of them present; an SCO
// type defined by an extension, whose properties this package cannot
// know), SCOID returns a new UUIDv4 identifier, as NewID does; use
// DeterministicSCOID to tell the cases apart.
//
// It returns an error when o is not an SCO or its JSON cannot be read.
func SCOID(o *Object) (string, error) {
	id, _, err := scoID(o.Raw)
	return id, err
}

// DeterministicSCOID is SCOID that also reports whether the identifier is
// the deterministic UUIDv5 one (false: a fresh UUIDv4).
func DeterministicSCOID(o *Object) (id string, deterministic bool, err error) {
	return scoID(o.Raw)
}

// NewSCO encodes v, a typed SCO struct (IPv4Addr, File, …) or anything that
// encodes as an SCO's JSON object, sets its id to the one SCOID computes,
// and returns it as an Object. v's own id, if any, is replaced.
func NewSCO(v any) (*Object, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode SCO: %s", jsonErrorText(err))
	}
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	id, _, err := scoIDTree(root)
	if err != nil {
		return nil, err
	}
	idNode := &node{kind: '"', str: id}
	replaced := false
	for i := range root.members {
		if root.members[i].name == "id" {
			root.members[i].val = idNode
			replaced = true
		}
	}
	if !replaced {
		// Put id right after type, where readers look for it.
		at := 0
		for i, m := range root.members {
			if m.name == "type" {
				at = i + 1
			}
		}
		root.members = append(root.members[:at], append([]member{{"id", idNode}}, root.members[at:]...)...)
	}
	return ParseObject(root.appendJSON(nil))
}

// NewObject encodes v, one of the typed structs or anything that encodes
// as a STIX object, and returns it as an Object. It returns ParseObject's
// errors; it does not Validate.
func NewObject(v any) (*Object, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode object: %s", jsonErrorText(err))
	}
	return ParseObject(data)
}

func scoID(raw []byte) (string, bool, error) {
	root, err := parseTree(raw)
	if err != nil {
		return "", false, err
	}
	return scoIDTree(root)
}

func scoIDTree(root *node) (string, bool, error) {
	if root.kind != '{' {
		return "", false, fmt.Errorf("an SCO must be a JSON object, not %s", root.kindName())
	}
	t := root.get("type")
	if t == nil || t.kind != '"' {
		return "", false, fmt.Errorf("an SCO needs a type to compute its id")
	}
	typ := t.str
	if err := CheckTypeName(typ); err != nil {
		return "", false, err
	}
	ts := typeSpecs[typ]
	if ts == nil {
		if cat, _ := customCategory(root); cat != SCO {
			return "", false, fmt.Errorf("%q is not an SCO type", typ)
		}
		return NewID(typ), false, nil
	}
	if ts.category != SCO {
		return "", false, fmt.Errorf("%q is not an SCO type", typ)
	}
	name, ok := contributingJSON(root, ts.idContrib)
	if !ok {
		return NewID(typ), false, nil
	}
	return typ + "--" + uuid5(scoNamespace, name), true, nil
}

// contributingJSON returns the canonical JSON of the ID Contributing
// Properties present in root, and false when none is.
func contributingJSON(root *node, props []string) ([]byte, bool) {
	obj := &node{kind: '{'}
	for _, name := range props {
		v := root.get(name)
		if v == nil || v.kind == 'n' {
			continue
		}
		if name == "hashes" {
			if v = oneHash(v); v == nil {
				continue
			}
		}
		obj.members = append(obj.members, member{name, v})
	}
	if len(obj.members) == 0 {
		return nil, false
	}
	raw := jsontext.Value(obj.appendJSON(nil))
	if err := raw.Canonicalize(); err != nil {
		return nil, false
	}
	return raw, true
}

// oneHash picks the hash of a hashes dictionary that contributes to an SCO
// id, as a one-member dictionary.
func oneHash(h *node) *node {
	if h.kind != '{' || len(h.members) == 0 {
		return nil
	}
	pick := h.members[0]
	for _, alg := range hashPreference {
		if v := h.get(alg); v != nil {
			pick = member{alg, v}
			break
		}
	}
	return &node{kind: '{', members: []member{pick}}
}

// uuid5 returns the RFC 4122 version 5 UUID of name in namespace ns.
func uuid5(ns [16]byte, name []byte) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write(name)
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// checkDeterministicID warns when an SCO does not carry its deterministic
// id, and rejects a versioned SCO that does: §3.6 forbids producers who
// version SCOs to use the default namespace.
func checkDeterministicID(c *checker, n *node, path string) {
	if c.container != nil || path != "" {
		return
	}
	idn := n.get("id")
	if idn == nil || idn.kind != '"' {
		return
	}
	versioned := n.has("created") || n.has("modified") || n.has("revoked") || n.has("created_by_ref")
	if !versioned && !c.warnings {
		return // only a warning could come of it
	}
	want, det, err := scoIDTree(n)
	if err != nil {
		return
	}
	switch {
	case det && versioned && idn.str == want:
		c.fail("id", "a versioned SCO (one with created, modified, revoked or created_by_ref) must not use an id in the default SCO namespace (got %q)", idn.str)
	case det && !versioned && idn.str != want:
		c.warn("id", "should be the deterministic id %q computed from the ID Contributing Properties (got %q)", want, idn.str)
	}
}
