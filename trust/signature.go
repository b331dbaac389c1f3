package trust

import (
	"bytes"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"slices"

	"github.com/rampart-cti/rampart/internal/jws"
	"github.com/rampart-cti/rampart/stix"
)

// ExtensionID is the id of the extension-definition that declares Rampart's
// signature: objects carry their signature under
// extensions[ExtensionID], a property extension, so that tools which do not
// know it keep the object valid STIX and pass it through unchanged.
const ExtensionID = "extension-definition--5ad81844-56db-4341-8069-b90444c18bb8"

// extensionCreatorID is the identity that publishes the extension
// definition: the Rampart project.
const extensionCreatorID = "identity--a7b08d7a-2a56-41fe-8f80-55c94479f85d"

const extensionDefinitionJSON = `{
  "type": "extension-definition",
  "spec_version": "2.1",
  "id": "` + ExtensionID + `",
  "created_by_ref": "` + extensionCreatorID + `",
  "created": "2026-11-01T00:00:00.000Z",
  "modified": "2026-11-01T00:00:00.000Z",
  "name": "Rampart object signature",
  "description": "A JSON Web Signature (RFC 7515, general JSON serialisation, detached payload) over the RFC 8785 canonical form of the object without this extension (and without \"extensions\" if it is then empty). Two signatures are required: ML-DSA-65 or ML-DSA-87 (RFC 9964) and ES256 or ES384, each made by a key that the federation's trust registry binds to the organisation named in created_by_ref and valid at the object's modified time. The protected header of each has \"alg\", \"kid\" (the RFC 7638 thumbprint of the key) and \"typ\": \"rampart-object+jws\".",
  "schema": "The extension object has two properties: extension_type (\"property-extension\") and signatures, a list of objects each with protected (base64url protected header) and signature (base64url signature), as in RFC 7515 section 7.2.1.",
  "version": "1.0.0",
  "extension_types": ["property-extension"]
}`

const extensionCreatorJSON = `{
  "type": "identity",
  "spec_version": "2.1",
  "id": "` + extensionCreatorID + `",
  "created": "2026-11-01T00:00:00.000Z",
  "modified": "2026-11-01T00:00:00.000Z",
  "name": "Rampart",
  "description": "The Rampart project, publisher of the Rampart object signature and sealed envelope definitions.",
  "identity_class": "organization"
}`

// ExtensionDefinition returns the extension-definition object for Rampart's
// signature extension and the identity object that publishes it, so that a
// node can serve both and other tools can resolve ExtensionID.
func ExtensionDefinition() []*stix.Object {
	var out []*stix.Object
	for _, s := range []string{extensionDefinitionJSON, extensionCreatorJSON} {
		o, err := stix.ParseObject([]byte(s))
		if err != nil {
			return nil // the built-in JSON is broken: a bug that tests catch
		}
		out = append(out, o)
	}
	return out
}

// signatureExtension is the value of extensions[ExtensionID].
type signatureExtension struct {
	ExtensionType string          `json:"extension_type"`
	Signatures    []jws.Signature `json:"signatures"`
}

// IsSigned reports whether o carries a Rampart signature extension (it says
// nothing about whether the signature is valid).
func IsSigned(o *stix.Object) bool {
	_, ext, err := splitSignature(o.Raw)
	return err == nil && ext != nil
}

// Sign returns o signed by id: o's JSON with extensions[ExtensionID] set to a
// detached JWS carrying an ML-DSA and an ECDSA signature over o's canonical
// form. A signature already present is replaced. The other members keep
// their order.
//
// Sign refuses an object whose created_by_ref is not id's organisation: an
// organisation signs only what it created; one that adds to another's object
// publishes its own object (a note, opinion, sighting or relationship) that
// refers to it, or the creator signs a new version. It also refuses an object
// without created or modified, which the verifier needs to check key
// validity.
func (id *Identity) Sign(o *stix.Object) (*stix.Object, error) {
	if id.organization == "" {
		return nil, fmt.Errorf("sign %s: identity %s belongs to no organisation (authority keys sign registries only)", o.ID, id.KeyIDs()[0])
	}
	if o.CreatedByRef != id.organization {
		return nil, fmt.Errorf("sign %s %q: created_by_ref is %q but the signing keys belong to %q; an organisation signs only the objects it created", o.Type, o.ID, o.CreatedByRef, id.organization)
	}
	if o.Version().IsZero() {
		return nil, fmt.Errorf("sign %s %q: the object has neither modified nor created, so no key validity can be checked", o.Type, o.ID)
	}
	payload, _, err := splitSignature(o.Raw)
	if err != nil {
		return nil, fmt.Errorf("sign %s %q: %v", o.Type, o.ID, err)
	}
	g, err := jws.Sign(payload, typObject, id.keys.pq, id.keys.ec)
	if err != nil {
		return nil, fmt.Errorf("sign %s %q: %v", o.Type, o.ID, err)
	}
	ext, err := json.Marshal(signatureExtension{"property-extension", g.Signatures})
	if err != nil {
		return nil, err
	}
	raw, err := withExtension(o.Raw, ext)
	if err != nil {
		return nil, fmt.Errorf("sign %s %q: %v", o.Type, o.ID, err)
	}
	return stix.ParseObject(raw)
}

// splitSignature returns the signing payload of an object (the RFC 8785
// canonical form of its JSON without extensions[ExtensionID], and without
// "extensions" when that leaves it empty) and the extension's value, nil
// when there is none.
//
// It finds the extension in one pass and cuts it out of raw by byte offsets
// rather than re-encoding the object: the signature is most of a signed
// object's bytes, and this is on the path of every verification. ext
// shares raw's memory (an Object's Raw is never modified).
func splitSignature(raw jsontext.Value) (payload []byte, ext jsontext.Value, err error) {
	// bytes.Buffer lets the decoder read raw in place, without copying.
	dec := jsontext.NewDecoder(bytes.NewBuffer(raw))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, nil, errors.New("not a JSON object")
	}
	objStart := int(dec.InputOffset())
	prevEnd := -1
	out := []byte(raw)
	for dec.PeekKind() != '}' {
		nameStart := int(dec.InputOffset())
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, nil, err
		}
		if tok.String() != "extensions" || dec.PeekKind() != '{' {
			if err := dec.SkipValue(); err != nil {
				return nil, nil, err
			}
			prevEnd = int(dec.InputOffset())
			continue
		}
		dec.ReadToken()
		innerStart := int(dec.InputOffset())
		innerPrev, others := -1, 0
		var sig, sigEnd, sigPrev int
		found := false
		for dec.PeekKind() != '}' {
			start := int(dec.InputOffset())
			tok, err := dec.ReadToken()
			if err != nil {
				return nil, nil, err
			}
			isSig := tok.String() == ExtensionID
			valueStart := int(dec.InputOffset())
			if err := dec.SkipValue(); err != nil {
				return nil, nil, err
			}
			end := int(dec.InputOffset())
			if isSig {
				found, sig, sigEnd, sigPrev = true, start, end, innerPrev
				ext = bytes.TrimLeft(raw[valueStart:end], " \t\n\r:")
			} else {
				others++
			}
			innerPrev = end
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, nil, err
		}
		extsEnd := int(dec.InputOffset())
		if found {
			if others == 0 {
				out = cutMember(raw, objStart, nameStart, prevEnd, extsEnd)
			} else {
				out = cutMember(raw, innerStart, sig, sigPrev, sigEnd)
			}
		}
		break
	}
	v := jsontext.Value(bytes.Clone(out))
	if err := v.Canonicalize(); err != nil {
		return nil, nil, err
	}
	return v, ext, nil
}

// cutMember returns obj without the member that starts at start and whose
// value ends at end, keeping the JSON well formed. objStart is the offset
// just after the enclosing '{'; prevEnd is the end of the previous member's
// value, or -1 when the member is the first, in which case the comma after
// it goes instead.
func cutMember(obj []byte, objStart, start, prevEnd, end int) []byte {
	if prevEnd >= 0 {
		return slices.Concat(obj[:prevEnd], obj[end:])
	}
	e := end
	for e < len(obj) && isSpace(obj[e]) {
		e++
	}
	if e < len(obj) && obj[e] == ',' {
		e++
	}
	return slices.Concat(obj[:objStart], obj[e:])
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// removeMember returns obj without member name, that member's value (nil if
// absent) and how many members remain.
func removeMember(obj jsontext.Value, name string) (out, removed jsontext.Value, rest int, err error) {
	var buf bytes.Buffer
	dec := jsontext.NewDecoder(bytes.NewReader(obj))
	enc := jsontext.NewEncoder(&buf)
	dec.ReadToken()
	enc.WriteToken(jsontext.BeginObject)
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, nil, 0, err
		}
		n := tok.String()
		v, err := dec.ReadValue()
		if err != nil {
			return nil, nil, 0, err
		}
		if n == name {
			removed = bytes.Clone(v)
			continue
		}
		rest++
		enc.WriteToken(jsontext.String(n))
		enc.WriteValue(v)
	}
	enc.WriteToken(jsontext.EndObject)
	return bytes.TrimSpace(buf.Bytes()), removed, rest, nil
}

// withExtension returns raw with extensions[ExtensionID] set to ext,
// creating "extensions" at the end when absent.
func withExtension(raw jsontext.Value, ext jsontext.Value) (jsontext.Value, error) {
	var buf bytes.Buffer
	buf.Grow(len(raw) + len(ext) + 64)
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	enc := jsontext.NewEncoder(&buf)
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, errors.New("not a JSON object")
	}
	enc.WriteToken(jsontext.BeginObject)
	done := false
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String()
		val, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		if name == "extensions" {
			if val.Kind() != '{' {
				return nil, errors.New(`"extensions" is not a JSON object`)
			}
			val, _, _, err = removeMember(val, ExtensionID)
			if err != nil {
				return nil, err
			}
			val = appendMember(val, ExtensionID, ext)
			done = true
		}
		enc.WriteToken(jsontext.String(name))
		if err := enc.WriteValue(val); err != nil {
			return nil, err
		}
	}
	if !done {
		enc.WriteToken(jsontext.String("extensions"))
		if err := enc.WriteValue(appendMember(jsontext.Value("{}"), ExtensionID, ext)); err != nil {
			return nil, err
		}
	}
	enc.WriteToken(jsontext.EndObject)
	return bytes.TrimSpace(buf.Bytes()), nil
}

// appendMember appends "name": val to the JSON object obj.
func appendMember(obj jsontext.Value, name string, val jsontext.Value) jsontext.Value {
	out := bytes.TrimSuffix(bytes.Clone(obj), []byte("}"))
	if len(out) > 1 {
		out = append(out, ',')
	}
	out, _ = jsontext.AppendQuote(out, name)
	out = append(out, ':')
	out = append(out, val...)
	return append(out, '}')
}
