package taxii

import (
	"encoding/base64"
	"testing"
)

func TestCursor(t *testing.T) {
	s := &Server{cursorKey: []byte("0123456789abcdef0123456789abcdef")}
	d := queryDigest("objects", "api", "coll-a", "", "match[type]=indicator")
	text := s.encodeCursor(cursor{afterSeq: 4711}, d)
	c, err := s.decodeCursor(text, d)
	if err != nil || c.afterSeq != 4711 {
		t.Fatalf("decode = %+v, %v", c, err)
	}
	// Another query, collection or key refuses the cursor.
	if _, err := s.decodeCursor(text, queryDigest("objects", "api", "coll-b", "", "match[type]=indicator")); err == nil {
		t.Error("a cursor of collection a is accepted for collection b")
	}
	if _, err := s.decodeCursor(text, queryDigest("manifest", "api", "coll-a", "", "match[type]=indicator")); err == nil {
		t.Error("an objects cursor is accepted by the manifest")
	}
	other := &Server{cursorKey: []byte("another key, another node.......")}
	if _, err := other.decodeCursor(text, d); err == nil {
		t.Error("a cursor is accepted by a node with another key")
	}
	// Any changed byte is refused.
	raw, _ := base64.RawURLEncoding.DecodeString(text)
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		if _, err := s.decodeCursor(base64.RawURLEncoding.EncodeToString(b), d); err == nil {
			t.Errorf("cursor with byte %d flipped accepted", i)
		}
	}
	for _, bad := range []string{"", "!!!", "AAAA", text + "A"} {
		if _, err := s.decodeCursor(bad, d); err == nil {
			t.Errorf("decodeCursor(%q) accepted", bad)
		}
	}
}

func TestQueryDigestSeparatesParts(t *testing.T) {
	if queryDigest("ab", "c") == queryDigest("a", "bc") {
		t.Error("digest does not separate its parts")
	}
}
