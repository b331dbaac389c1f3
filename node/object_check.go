package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/rampart-cti/rampart/trust"
)

// ObjectCheck is the verdict on one object of a file verified offline
// (CheckObjectFile).
type ObjectCheck struct {
	// ID is the object's id, "" when the object could not be read.
	ID string
	// File names the file of an object that could not be read.
	File string
	// Envelope is the id of the sealed envelope the object was found in,
	// "" for an object of the file itself.
	Envelope string
	// Signed says who signed it; nil when it was refused (Err says why)
	// or is an envelope that could not be opened (NotOpened).
	Signed *trust.Signed
	Err    error
	// NotOpened reports a sealed envelope, verified, whose contents
	// could not be opened (Err says why): not a refusal.
	NotOpened bool
}

// Refused reports whether the object was refused.
func (c *ObjectCheck) Refused() bool { return c.Err != nil && !c.NotOpened }

// Line is the verdict as one line of tab-separated columns: "ok" or
// "refused", the object's id, and who signed it or why it was refused;
// an object found inside an envelope is indented.
func (c *ObjectCheck) Line() string {
	indent, inside := "", ""
	if c.Envelope != "" {
		indent, inside = "  ", "(inside "+c.Envelope+") "
	}
	switch {
	case c.NotOpened:
		return fmt.Sprintf("  sealed\t%s\tnot opened: %v", c.ID, c.Err)
	case c.Err != nil && c.File != "":
		id := c.ID
		if id == "" {
			id = "(no id)"
		}
		return fmt.Sprintf("refused\t%s\t%s: %v", id, c.File, c.Err)
	case c.Err != nil:
		return fmt.Sprintf("%srefused\t%s\t%s%v", indent, c.ID, inside, c.Err)
	}
	s := c.Signed
	return fmt.Sprintf("%sok\t%s\t%s%s (%s) %s+%s", indent, c.ID, inside, s.Organization.Name, s.Organization.ID, s.Algorithms[0], s.Algorithms[1])
}

// CheckObjectFile verifies every object of the file path (ReadObjectFile)
// with v, and returns a verdict on each, in order: objects that could not
// be read are refused. With id, the sealed envelopes addressed to it are
// opened, and a verdict on each object inside follows the envelope's.
// It returns an error only when the file cannot be read at all.
func CheckObjectFile(ctx context.Context, v *trust.Verifier, id *trust.Identity, path string) ([]ObjectCheck, error) {
	f, err := ReadObjectFile(path)
	var out []ObjectCheck
	if bad, ok := errors.AsType[*ObjectFileError](err); ok {
		for _, oe := range bad.Bad.Errors {
			out = append(out, ObjectCheck{ID: oe.ID, File: path, Err: oe})
		}
	} else if err != nil {
		return nil, err
	}
	for i, r := range v.VerifyObjects(ctx, f.Objects) {
		o := f.Objects[i]
		out = append(out, ObjectCheck{ID: o.ID, Signed: r.Signed, Err: r.Err})
		if r.Err != nil || o.Type != trust.SealedType || id == nil {
			continue
		}
		inner, err := id.Open(o)
		if err != nil {
			out = append(out, ObjectCheck{ID: o.ID, Err: err, NotOpened: true})
			continue
		}
		for _, x := range inner {
			s, err := v.Verify(x)
			out = append(out, ObjectCheck{ID: x.ID, Envelope: o.ID, Signed: s, Err: err})
		}
	}
	return out, nil
}
