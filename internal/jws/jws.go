// Package jws implements the parts of JSON Web Signature (RFC 7515) and JSON
// Web Key (RFC 7517, RFC 7638, RFC 9964) that Rampart uses, over the standard
// library's crypto: the general JSON serialisation with attached or detached
// payload, the algorithms ML-DSA-65, ML-DSA-87, ES256 and ES384, "EC" and
// "AKP" keys, and JWK thumbprints.
//
// It is wire-format plumbing: it checks that bytes are well formed and that a
// signature verifies under a given key, and nothing else. Which keys and
// algorithms to trust is decided by package trust.
package jws

import (
	"encoding/base64"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"strings"
)

// Limits on what ParseGeneral and ParseCompact accept; exceeding one gives
// its own error.
const (
	// MaxSignatures is the most signatures one JWS may carry.
	MaxSignatures = 16
	// MaxHeaderBytes is the largest decoded protected header accepted.
	MaxHeaderBytes = 4096
)

var (
	// ErrTooManySignatures reports a JWS with more than MaxSignatures.
	ErrTooManySignatures = errors.New("jws: more than MaxSignatures (16) signatures")
	// ErrHeaderTooLarge reports a protected header over MaxHeaderBytes.
	ErrHeaderTooLarge = errors.New("jws: protected header exceeds MaxHeaderBytes (4096)")
)

// b64 is base64url without padding (RFC 7515 §2). Strict decoding refuses
// non-zero trailing bits, so one value has exactly one encoding and a
// signature cannot be made to look different while staying valid.
var b64 = base64.RawURLEncoding.Strict()

// Encode returns data in base64url without padding.
func Encode(data []byte) string { return b64.EncodeToString(data) }

// AppendEncode appends the base64url encoding of data to dst.
func AppendEncode(dst, data []byte) []byte { return b64.AppendEncode(dst, data) }

// Decode decodes base64url without padding, refusing padding, other
// alphabets and non-canonical trailing bits.
func Decode(s string) ([]byte, error) {
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64url without padding: %v", err)
	}
	return b, nil
}

// Header is the protected header of one signature. Members other than these
// are ignored, as RFC 7515 §4 allows, except that any "crit" member makes
// Signature.Header fail: Rampart understands no header extension.
type Header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
	Typ string `json:"typ,omitempty"`
}

// General is a JWS in the general JSON serialisation (RFC 7515 §7.2.1).
// Payload is the base64url-encoded payload, empty when the payload is
// detached (RFC 7515 Appendix F) and travels separately.
type General struct {
	Payload    string      `json:"payload,omitempty"`
	Signatures []Signature `json:"signatures"`
}

// Signature is one entry of a General JWS's "signatures" array.
// Unprotected headers ("header") are kept so that they can be refused: they
// are not covered by the signature.
type Signature struct {
	Protected string         `json:"protected"`
	Header    jsontext.Value `json:"header,omitzero"`
	Signature string         `json:"signature"`
}

// ParseGeneral reads a JWS in the general JSON serialisation. It checks the
// shape (a non-empty "signatures" array of at most MaxSignatures entries,
// each with "protected" and "signature" in base64url) but verifies nothing.
func ParseGeneral(data []byte) (*General, error) {
	var g General
	if err := json.Unmarshal(data, &g, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("jws: %v", trimJSONError(err))
	}
	if err := g.check(); err != nil {
		return nil, err
	}
	return &g, nil
}

func (g *General) check() error {
	switch {
	case len(g.Signatures) == 0:
		return errors.New(`jws: "signatures" must hold at least one signature`)
	case len(g.Signatures) > MaxSignatures:
		return ErrTooManySignatures
	}
	if g.Payload != "" {
		if _, err := Decode(g.Payload); err != nil {
			return fmt.Errorf(`jws: "payload" is %v`, err)
		}
	}
	for i, s := range g.Signatures {
		if s.Protected == "" {
			return fmt.Errorf(`jws: signatures[%d]: "protected" is required`, i)
		}
		if s.Signature == "" {
			return fmt.Errorf(`jws: signatures[%d]: "signature" is required`, i)
		}
		if len(s.Protected) > MaxHeaderBytes*4/3+4 {
			return fmt.Errorf("jws: signatures[%d]: %w", i, ErrHeaderTooLarge)
		}
		for name, v := range map[string]string{"protected": s.Protected, "signature": s.Signature} {
			if !isBase64URL(v) {
				return fmt.Errorf("jws: signatures[%d]: %q is not base64url", i, name)
			}
		}
	}
	return nil
}

// ParseCompact reads a JWS in the compact serialisation (RFC 7515 §7.1) as a
// General JWS with one signature and the payload attached.
func ParseCompact(s string) (*General, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("jws: compact serialisation has %d parts, want 3", len(parts))
	}
	g := &General{Payload: parts[1], Signatures: []Signature{{Protected: parts[0], Signature: parts[2]}}}
	if err := g.check(); err != nil {
		return nil, err
	}
	return g, nil
}

// Marshal returns the JWS in the general JSON serialisation.
func (g *General) Marshal() ([]byte, error) {
	return json.Marshal(g, json.Deterministic(true))
}

// DecodeHeader decodes and returns the protected header. It fails when the header
// is not a JSON object, lacks "alg", or has a "crit" member.
func (s *Signature) DecodeHeader() (*Header, error) {
	raw, err := Decode(s.Protected)
	if err != nil {
		return nil, fmt.Errorf(`jws: "protected" is %v`, err)
	}
	if len(raw) > MaxHeaderBytes {
		return nil, ErrHeaderTooLarge
	}
	var h struct {
		Header
		Crit jsontext.Value `json:"crit,omitzero"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("jws: protected header: %v", trimJSONError(err))
	}
	if h.Crit != nil {
		return nil, errors.New(`jws: protected header has "crit": no header extension is understood`)
	}
	if h.Alg == "" {
		return nil, errors.New(`jws: protected header has no "alg"`)
	}
	return &h.Header, nil
}

// SigningInput returns ASCII(protected || '.' || payload) (RFC 7515 §5.1),
// where both are already base64url-encoded.
func SigningInput(protected, payload string) []byte {
	b := make([]byte, 0, len(protected)+1+len(payload))
	b = append(b, protected...)
	b = append(b, '.')
	return append(b, payload...)
}

// Sign signs payload once with each signer and returns the JWS with the
// payload attached. Each protected header holds "alg", "kid" and, when typ is
// not empty, "typ". Clear Payload to detach it.
func Sign(payload []byte, typ string, signers ...Signer) (*General, error) {
	if len(signers) == 0 {
		return nil, errors.New("jws: no signer")
	}
	if len(signers) > MaxSignatures {
		return nil, ErrTooManySignatures
	}
	g := &General{Payload: Encode(payload)}
	for _, s := range signers {
		h, err := json.Marshal(Header{Alg: s.Algorithm(), Kid: s.KeyID(), Typ: typ}, json.Deterministic(true))
		if err != nil {
			return nil, err
		}
		protected := Encode(h)
		sig, err := s.Sign(SigningInput(protected, g.Payload))
		if err != nil {
			return nil, fmt.Errorf("jws: sign with %s key %q: %v", s.Algorithm(), s.KeyID(), err)
		}
		g.Signatures = append(g.Signatures, Signature{Protected: protected, Signature: Encode(sig)})
	}
	return g, nil
}

// Verify checks the signature over the signing input made of its protected
// header and payloadB64 (the base64url payload, attached or detached) with
// pub under alg. It does not look at the header's "alg": callers choose alg
// from what they trust and compare.
func (s *Signature) Verify(alg string, pub any, payloadB64 string) error {
	sig, err := Decode(s.Signature)
	if err != nil {
		return fmt.Errorf(`jws: "signature" is %v`, err)
	}
	return VerifySignature(alg, pub, SigningInput(s.Protected, payloadB64), sig)
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func trimJSONError(err error) string {
	s := err.Error()
	for _, p := range []string{"json: ", "jsontext: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}
