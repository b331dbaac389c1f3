package taxii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
)

// A cursor is the "next" value of a page: it says where the following page
// starts and for which query, and is authenticated with the node's cursor
// key, so it needs no server-side state (any replica can continue a listing)
// and cannot be forged or moved to another collection or query.
//
// Layout before base64url: version(1) | afterSeq(8) | queryDigest(16) |
// mac(16), where queryDigest covers the endpoint, API root, collection,
// object id and every filter, and mac is HMAC-SHA-256 over the rest.
type cursor struct {
	afterSeq int64
}

const cursorVersion = 1

var errBadCursor = errors.New("bad cursor")

// queryDigest summarises what a cursor is valid for.
func queryDigest(parts ...string) [16]byte {
	h := sha256.New()
	for _, p := range parts {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	var d [16]byte
	copy(d[:], h.Sum(nil))
	return d
}

func (s *Server) encodeCursor(c cursor, digest [16]byte) string {
	b := make([]byte, 0, 41)
	b = append(b, cursorVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(c.afterSeq))
	b = append(b, digest[:]...)
	b = append(b, s.cursorMAC(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns errBadCursor when text was not issued by this node
// (or a replica sharing its store) for the same query.
func (s *Server) decodeCursor(text string, digest [16]byte) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || len(b) != 41 || b[0] != cursorVersion {
		return cursor{}, errBadCursor
	}
	if !hmac.Equal(b[25:], s.cursorMAC(b[:25])) {
		return cursor{}, errBadCursor
	}
	if !hmac.Equal(b[9:25], digest[:]) {
		return cursor{}, errBadCursor
	}
	seq := int64(binary.BigEndian.Uint64(b[1:9]))
	if seq < 0 {
		return cursor{}, errBadCursor
	}
	return cursor{afterSeq: seq}, nil
}

func (s *Server) cursorMAC(b []byte) []byte {
	m := hmac.New(sha256.New, s.cursorKey)
	m.Write(b)
	return m.Sum(nil)[:16]
}
