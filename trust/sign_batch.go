package trust

import (
	"errors"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// SignOptions are the options of Identity.SignObjects.
type SignOptions struct {
	// Recipients, when given, are the organisations every object is
	// addressed to (Address) before it is signed.
	Recipients []string
	// Registry, when known, is the registry peers verify with: an object
	// signed at a time it does not make the keys valid is refused.
	Registry *Registry
	// Now is the signer's clock; the current time when zero.
	Now time.Time
}

// SignReport is what Identity.SignObjects found worth a warning.
type SignReport struct {
	// Early counts the objects, First the first of them, modified before
	// the keys were generated, when no registry was given to show the
	// keys valid then: peers refuse their signatures unless the registry
	// authority made the keys valid from then.
	Early int
	First *stix.Object
}

// SignObjects signs objs in place, addressed first to opt.Recipients when
// there are any. It refuses, before signing the rest, an object that
// peers would refuse for its time: modified further in the future than
// DefaultPolicy's clock skew, or, with opt.Registry, at a time the
// registry does not make the keys valid (an error wrapping
// ErrKeyNotValid).
func (id *Identity) SignObjects(objs []*stix.Object, opt SignOptions) (*SignReport, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	var v *Verifier
	if opt.Registry != nil {
		v = NewVerifier(opt.Registry, DefaultPolicy())
	}
	rep := &SignReport{}
	for i, o := range objs {
		var err error
		if len(opt.Recipients) > 0 {
			if o, err = Address(o, opt.Recipients...); err != nil {
				return nil, err
			}
		}
		if objs[i], err = id.Sign(o); err != nil {
			return nil, err
		}
		if err := checkSignedTime(v, objs[i], opt.Now); err != nil {
			return nil, err
		}
		if c := id.Created(); v == nil && !c.IsZero() && o.Version().Time().Before(c) {
			if rep.Early == 0 {
				rep.First = o
			}
			rep.Early++
		}
	}
	return rep, nil
}

// checkSignedTime refuses a signed object that peers would refuse for its
// time: modified too far in the future for their clocks, or, by v's
// registry if known, outside the validity it gives the keys.
func checkSignedTime(v *Verifier, o *stix.Object, now time.Time) error {
	policy := DefaultPolicy()
	if at := o.Version().Time(); at.Sub(now) > policy.MaxClockSkew {
		return fmt.Errorf("%s %q: modified %s is in the future (peers allow %s of clock skew) and would be refused; give it the time it was made", o.Type, o.ID, at.Format(time.RFC3339Nano), policy.MaxClockSkew)
	}
	if v == nil {
		return nil
	}
	if _, err := v.Verify(o); errors.Is(err, ErrKeyNotValid) {
		return err
	}
	return nil
}
