package stix

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// ParseID splits a STIX identifier "type--UUID" into its type and UUID. It
// returns an error that quotes id when the type is not a valid STIX type name
// or the UUID is not in RFC 4122 text form.
func ParseID(id string) (typ, uuid string, err error) {
	i := strings.Index(id, "--")
	if i < 0 {
		return "", "", fmt.Errorf("identifier %q is not of the form type--UUID", id)
	}
	typ, uuid = id[:i], id[i+2:]
	if err := CheckTypeName(typ); err != nil {
		return "", "", fmt.Errorf("identifier %q: %v", id, err)
	}
	if !validUUID(uuid) {
		return "", "", fmt.Errorf("identifier %q: %q is not a UUID", id, uuid)
	}
	return typ, uuid, nil
}

// IDType returns the type part of a "type--UUID" identifier, or "" when id has
// no "--".
func IDType(id string) string {
	if i := strings.Index(id, "--"); i >= 0 {
		return id[:i]
	}
	return ""
}

// NewID returns a fresh identifier "typ--UUIDv4", as STIX requires for SDOs,
// SROs and meta objects.
func NewID(typ string) string {
	return typ + "--" + NewUUID()
}

// rampartNamespace is the namespace of the ids NameID makes.
var rampartNamespace = [16]byte{0x6f, 0x2c, 0x1d, 0x0b, 0x83, 0x4e, 0x5a, 0x51, 0x9d, 0x4f, 0x0c, 0x52, 0x8e, 0x2b, 0x6a, 0x41}

// NameID returns the id of type typ that name always gives (a version 5
// UUID of name), so that an object made again from the same facts is a
// new version of one object rather than a second object.
func NameID(typ, name string) string {
	return typ + "--" + uuid5(rampartNamespace, []byte(name))
}

// NewUUID returns a random (version 4) UUID in text form.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// validUUID reports whether s is a UUID in 8-4-4-4-12 hexadecimal form (either
// case, as the STIX JSON schema allows; producers should write lower case).
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// UUIDVersion returns the version nibble of a UUID in text form (4 for
// random, 5 for name-based), or 0 when s is not a UUID.
func UUIDVersion(s string) int {
	if !validUUID(s) {
		return 0
	}
	c := s[14]
	switch {
	case c <= '9':
		return int(c - '0')
	case c <= 'F':
		return int(c-'A') + 10
	}
	return int(c-'a') + 10
}

// CheckTypeName checks the STIX rules for an object type name (§3.1): 3 to 250
// characters, only lower-case ASCII letters, digits and hyphens, no "--"; the
// JSON schema further wants a letter first and no hyphen last.
func CheckTypeName(typ string) error {
	if len(typ) < 3 || len(typ) > 250 {
		return fmt.Errorf("type %q must be 3 to 250 characters long", typ)
	}
	for i := 0; i < len(typ); i++ {
		c := typ[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return fmt.Errorf("type %q may only contain a-z, 0-9 and '-'", typ)
		}
	}
	if typ[0] < 'a' || typ[len(typ)-1] == '-' || strings.Contains(typ, "--") {
		return fmt.Errorf("type %q must begin with a letter, not end with '-' and not contain \"--\"", typ)
	}
	return nil
}
