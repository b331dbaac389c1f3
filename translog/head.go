package translog

import (
	json "encoding/json/v2"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// HeadType is the STIX type of a signed tree head: a custom object created
// by the log's organisation, with the properties tree_size, root_hash
// (unpadded base64url) and timestamp (when the head was signed, also its
// created and modified), signed with the organisation's hybrid keys
// (package trust), so that any member of the federation can check it
// against the trust registry.
const HeadType = "x-rampart-tree-head"

// Head is the state of a log at one size: RFC 9162's tree head, with the
// organisation whose log it is.
type Head struct {
	// Origin is the organisation (STIX identity id) whose log it is.
	Origin    string
	Size      int64
	Root      Hash
	Timestamp time.Time
}

// SignedHead is a Head with its signed form. Parsing one checks its
// form, not its signature: Verify does that.
type SignedHead struct {
	Head
	// Object is the signed x-rampart-tree-head object.
	Object *stix.Object
}

// headProps are the properties of a head's signed form.
type headProps struct {
	Type         string `json:"type"`
	SpecVersion  string `json:"spec_version"`
	ID           string `json:"id"`
	Created      string `json:"created"`
	Modified     string `json:"modified"`
	CreatedByRef string `json:"created_by_ref"`
	TreeSize     int64  `json:"tree_size"`
	RootHash     Hash   `json:"root_hash"`
	Timestamp    string `json:"timestamp"`
}

// SignHead returns the head of a log of size entries with root hash root,
// signed at now by id, the log's organisation's keys.
func SignHead(id *trust.Identity, size int64, root Hash, now time.Time) (*SignedHead, error) {
	ts := stix.NewTimestamp(now.UTC().Truncate(time.Millisecond)).String()
	raw, err := json.Marshal(headProps{
		Type: HeadType, SpecVersion: "2.1", ID: stix.NewID(HeadType),
		Created: ts, Modified: ts, CreatedByRef: id.Organization(),
		TreeSize: size, RootHash: root, Timestamp: ts,
	}, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	o, err := stix.ParseObject(raw)
	if err != nil {
		return nil, err
	}
	if o, err = id.Sign(o); err != nil {
		return nil, fmt.Errorf("sign tree head of size %d: %w", size, err)
	}
	return ParseSignedHead(o.Raw)
}

// ParseSignedHead reads a signed tree head from its JSON. It returns an
// error saying what is wrong for anything but a well-formed HeadType
// object; it does not check the signature.
func ParseSignedHead(raw []byte) (*SignedHead, error) {
	o, err := stix.ParseObject(raw)
	if err != nil {
		return nil, fmt.Errorf("tree head: %v", err)
	}
	if o.Type != HeadType {
		return nil, fmt.Errorf("tree head: a %s object, not an %s", o.Type, HeadType)
	}
	var p headProps
	if err := o.Decode(&p); err != nil {
		return nil, fmt.Errorf("tree head %s: %v", o.ID, err)
	}
	ts, err := stix.ParseTimestamp(p.Timestamp)
	switch {
	case err != nil:
		return nil, fmt.Errorf("tree head %s: timestamp: %v", o.ID, err)
	case p.TreeSize < 0:
		return nil, fmt.Errorf("tree head %s: tree_size must be 0 or more (got %d)", o.ID, p.TreeSize)
	case o.CreatedByRef == "":
		return nil, fmt.Errorf("tree head %s: created_by_ref, the log's organisation, is required", o.ID)
	case !o.Version().Equal(ts):
		return nil, fmt.Errorf("tree head %s: timestamp %s is not its modified time %s", o.ID, ts, o.Version())
	}
	return &SignedHead{Head: Head{Origin: o.CreatedByRef, Size: p.TreeSize, Root: p.RootHash, Timestamp: ts.Time()}, Object: o}, nil
}

// Verify checks the head's signature against v's registry: that it was
// signed by its Origin's keys (trust.Verifier.Verify says what that
// checks). It returns the error of Verify when it was not.
func (h *SignedHead) Verify(v *trust.Verifier) error {
	if _, err := v.Verify(h.Object); err != nil {
		return fmt.Errorf("tree head of %s at size %d: %w", h.Origin, h.Size, err)
	}
	return nil
}

// MarshalJSON writes the signed form, as it was signed.
func (h *SignedHead) MarshalJSON() ([]byte, error) { return h.Object.Raw, nil }

// UnmarshalJSON reads a signed head as ParseSignedHead does.
func (h *SignedHead) UnmarshalJSON(b []byte) error {
	p, err := ParseSignedHead(b)
	if err != nil {
		return err
	}
	*h = *p
	return nil
}
