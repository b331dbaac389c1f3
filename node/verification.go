package node

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/rampart-cti/rampart/trust"
)

// VerifyRequest is files of signed objects to verify offline against a
// trust registry, as "rampart verify" does.
type VerifyRequest struct {
	Registry *trust.Registry
	// Policy is "default" (trust.DefaultPolicy) or the name of a profile
	// whose policy applies (trust.PolicyFor).
	Policy string
	// KeyFile, when given, holds private keys that open sealed envelopes,
	// whose objects are then verified too.
	KeyFile string
	Files   []string
}

// Check refuses a policy that is neither "default" nor a profile's name.
func (r *VerifyRequest) Check() error {
	_, err := r.policy()
	return err
}

func (r *VerifyRequest) policy() (trust.Policy, error) {
	if r.Policy == "default" || r.Policy == "" {
		return trust.DefaultPolicy(), nil
	}
	p, err := trust.ParseProfile(r.Policy)
	if err != nil {
		return trust.Policy{}, configErrorf("--policy: %v (or \"default\")", err)
	}
	return trust.PolicyFor(p), nil
}

// Verification is what VerifyFiles found: a check for every object of
// the files and of the envelopes opened, and the counts.
type Verification struct {
	Checks []ObjectCheck
	// Total counts the objects of the files, Refused those refused.
	Total, Refused int
	// Version is the registry version checked against.
	Version int64
}

// VerifyFiles checks every object of r.Files (CheckObjectFile) against
// r.Registry under r.Policy. On an error reading a file it returns the
// checks of the files before it with the error.
func VerifyFiles(ctx context.Context, r VerifyRequest) (*Verification, error) {
	pol, err := r.policy()
	if err != nil {
		return nil, err
	}
	var id *trust.Identity
	if r.KeyFile != "" {
		if id, err = trust.ReadIdentityFile(r.KeyFile); err != nil {
			return nil, err
		}
	}
	v, res := trust.NewVerifier(r.Registry, pol), &Verification{Version: r.Registry.Version()}
	for _, path := range r.Files {
		checks, err := CheckObjectFile(ctx, v, id, path)
		if err != nil {
			return res, err
		}
		for _, c := range checks {
			if c.Envelope == "" && !c.NotOpened {
				res.Total++
			}
			if c.Refused() {
				res.Refused++
			}
		}
		res.Checks = append(res.Checks, checks...)
	}
	return res, nil
}

// WriteText writes a line for each check, in aligned columns.
func (v *Verification) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range v.Checks {
		fmt.Fprintln(tw, c.Line())
	}
	return tw.Flush()
}
