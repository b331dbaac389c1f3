package node

import (
	"fmt"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/evidence"
	"github.com/rampart-cti/rampart/internal/atomicfile"
	"github.com/rampart-cti/rampart/trust"
)

// CustodyRequest is a step in the chain of custody of an evidence
// package, taken offline with an organisation's keys: handing the package
// over (To set) or receiving it (To nil).
type CustodyRequest struct {
	// In is the package file; Out the file the package is written to,
	// with the new record, which must not exist.
	In, Out  string
	Identity *trust.Identity
	// Registry, when known, names the parties (evidence.VerifyOptions).
	Registry *trust.Registry
	// To is who the package is handed to, for Purpose.
	To      *evidence.Party
	Purpose string
	Now     time.Time // the current time when zero
}

// UnverifiedPackageError is PassEvidence's error for a package that does
// not verify: it must not be handed on or received, but kept aside and
// reported.
type UnverifiedPackageError struct {
	File string
	Err  error
}

func (e *UnverifiedPackageError) Error() string { return fmt.Sprintf("%s: %v", e.File, e.Err) }
func (e *UnverifiedPackageError) Unwrap() error { return e.Err }

// PassEvidence verifies the package in req.In, adds the custody record
// req asks for, signed with req.Identity, and writes the package to
// req.Out. It returns the record, or *UnverifiedPackageError when the
// package does not verify (nothing is signed then).
func PassEvidence(req CustodyRequest) (*evidence.Record, error) {
	p, _, err := readVerifiedEvidence(req.In, req.Registry)
	if err != nil {
		return nil, err
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	var rec *evidence.Record
	if req.To != nil {
		rec, err = p.HandOver(req.Identity, *req.To, req.Purpose, now)
	} else {
		rec, err = p.Receive(req.Identity, now)
	}
	if err != nil {
		return nil, err
	}
	return rec, WriteEvidenceFile(req.Out, p)
}

// VerifyEvidenceFile reads the package in the file path and verifies it
// offline (evidence.Verify), with the registry reg when known to name the
// parties. It returns *UnverifiedPackageError when the package does not
// verify.
func VerifyEvidenceFile(path string, reg *trust.Registry) (*evidence.Report, error) {
	_, rep, err := readVerifiedEvidence(path, reg)
	return rep, err
}

func readVerifiedEvidence(path string, reg *trust.Registry) (*evidence.Package, *evidence.Report, error) {
	p, err := evidence.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	rep, err := evidence.Verify(p, evidence.VerifyOptions{Registry: reg})
	if err != nil {
		return nil, nil, &UnverifiedPackageError{path, err}
	}
	return p, rep, nil
}

// OpenEvidence opens the package in the file in, sealed to id, into the
// new directory out (evidence.Open, Opened.WriteDir: the files are
// readable by their owner only).
func OpenEvidence(in, out string, id *trust.Identity, reg *trust.Registry) (*evidence.Opened, error) {
	p, err := evidence.ReadFile(in)
	if err != nil {
		return nil, err
	}
	o, err := evidence.Open(p, id, evidence.VerifyOptions{Registry: reg})
	if err != nil {
		return nil, err
	}
	return o, o.WriteDir(out)
}

// WriteEvidenceFile writes the package to a new file at path, readable by
// its owner only (it is TLP:RED); it refuses to overwrite a file.
func WriteEvidenceFile(path string, p *evidence.Package) error {
	data, err := p.Marshal()
	if err != nil {
		return err
	}
	if err := atomicfile.Create(path, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %v", path, strings.TrimPrefix(err.Error(), "open "+path+": "))
	}
	return nil
}
