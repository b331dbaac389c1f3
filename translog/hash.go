package translog

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json/jsontext"
	"fmt"
)

// HashSize is the size of every hash in the log: SHA-256, the hash
// algorithm RFC 9162 names for version 2 logs.
const HashSize = sha256.Size

// Hash is a leaf or node hash of the tree.
type Hash [HashSize]byte

// String returns h in unpadded base64url, as the API and the files of
// "rampart log" write it.
func (h Hash) String() string { return base64.RawURLEncoding.EncodeToString(h[:]) }

// MarshalText writes h as String does.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads a hash written as String does.
func (h *Hash) UnmarshalText(b []byte) error {
	p, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}

// ParseHash reads a hash in unpadded base64url (as String writes it) or in
// hexadecimal. It returns an error saying what is wrong for anything else.
func ParseHash(s string) (Hash, error) {
	var h Hash
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != HashSize {
		if hb, herr := hex.DecodeString(s); herr == nil && len(hb) == HashSize {
			b, err = hb, nil
		} else {
			return h, fmt.Errorf("hash %q: want %d bytes in unpadded base64url (43 characters) or hexadecimal (64)", s, HashSize)
		}
	}
	copy(h[:], b)
	return h, nil
}

// EmptyRoot is the root hash of the empty tree: the hash of the empty
// string (RFC 9162 section 2.1.1).
var EmptyRoot = Hash(sha256.Sum256(nil))

// LeafHash returns the hash of a leaf whose entry is data: SHA-256 over
// the byte 0x00 and data (RFC 9162 section 2.1.1), so that no leaf hash
// can be mistaken for a node hash.
func LeafHash(data []byte) Hash {
	h := sha256.New()
	h.Write([]byte{0x00})
	h.Write(data)
	var out Hash
	h.Sum(out[:0])
	return out
}

// NodeHash returns the hash of an interior node: SHA-256 over the byte
// 0x01 and its children's hashes, left then right.
func NodeHash(left, right Hash) Hash {
	var b [1 + 2*HashSize]byte
	b[0] = 0x01
	copy(b[1:], left[:])
	copy(b[1+HashSize:], right[:])
	return Hash(sha256.Sum256(b[:]))
}

// MaxEntryBytes bounds a logged document.
const MaxEntryBytes = 16 << 20

// EntryData returns the entry the log holds for a JSON document (a signed
// STIX object, a registry version): its RFC 8785 canonical form, so that
// anyone holding the document, however it was re-encoded on the way,
// finds the same leaf. It returns an error for a document that is not
// JSON or is larger than MaxEntryBytes.
func EntryData(doc []byte) ([]byte, error) {
	if len(doc) > MaxEntryBytes {
		return nil, fmt.Errorf("document of %d bytes exceeds MaxEntryBytes (%d)", len(doc), MaxEntryBytes)
	}
	v := jsontext.Value(append([]byte(nil), doc...))
	if err := v.Canonicalize(); err != nil {
		return nil, fmt.Errorf("document is not JSON: %v", err)
	}
	return v, nil
}

// EntryHash returns the leaf hash of a JSON document: LeafHash of its
// EntryData.
func EntryHash(doc []byte) (Hash, error) {
	data, err := EntryData(doc)
	if err != nil {
		return Hash{}, err
	}
	return LeafHash(data), nil
}
