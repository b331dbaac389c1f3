package node

import (
	"errors"
	"fmt"
	"os"

	"github.com/rampart-cti/rampart/internal/atomicfile"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// ObjectFile is a file of STIX objects as they are signed and verified
// offline: a bundle (or a TAXII envelope), or a single object.
type ObjectFile struct {
	Objects []*stix.Object
	// Single reports a file of one object, not in a bundle.
	Single bool
	// BundleID is the bundle's id, if any.
	BundleID string
}

// ObjectFileError reports the objects of a file that could not be read;
// ReadObjectFile returns the others with it, for callers that go on
// without them.
type ObjectFileError struct {
	Path string
	Bad  *stix.BundleError
}

func (e *ObjectFileError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Bad) }

// ReadObjectFile reads a bundle (or TAXII envelope) or a single STIX
// object from the file path. When some objects of a bundle are invalid
// it returns the valid ones with an *ObjectFileError listing the others;
// any other error names the file.
func ReadObjectFile(path string) (*ObjectFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, err := stix.ParseBundle(data)
	if errors.Is(err, stix.ErrNotEnvelope) {
		o, err := stix.ParseObject(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		return &ObjectFile{Objects: []*stix.Object{o}, Single: true}, nil
	}
	if bad, ok := errors.AsType[*stix.BundleError](err); ok {
		return &ObjectFile{Objects: b.Objects, BundleID: b.ID}, &ObjectFileError{path, bad}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &ObjectFile{Objects: b.Objects, BundleID: b.ID}, nil
}

// Marshal returns the file's contents: the one object as it came, or the
// objects as a bundle with the file's bundle id (a new one when none);
// with a final newline.
func (f *ObjectFile) Marshal() ([]byte, error) {
	if f.Single && len(f.Objects) == 1 {
		return append(f.Objects[0].Raw, '\n'), nil
	}
	b := stix.NewBundle(f.Objects...)
	if f.BundleID != "" {
		b.ID = f.BundleID
	}
	data, err := b.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// WriteFile writes the file (Marshal) to path, replacing any file there
// at once, with FileMode.
func (f *ObjectFile) WriteFile(path string) error {
	data, err := f.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.Replace(path, data, FileMode(f.Objects))
}

// FileMode is the mode of a file of objects: readable by its owner only
// when any of them may travel only sealed (TLP:RED, TLP:AMBER+STRICT,
// addressed), since the file holds them in clear; readable by all
// otherwise.
func FileMode(objs []*stix.Object) os.FileMode {
	for _, o := range objs {
		if stix.Restriction(o) >= stix.TLPAmberStrict {
			return 0o600
		}
	}
	return 0o644
}

// SignRequest is a file of objects to sign offline, with the keys of an
// organisation.
type SignRequest struct {
	// KeyFile holds the organisation's private keys.
	KeyFile string
	// Input is the file of objects (ReadObjectFile); Output, when given,
	// the file the signed objects are written to (WriteFile).
	Input, Output string
	// Recipients and Registry are as in trust.SignOptions.
	Recipients []string
	Registry   *trust.Registry
}

// SignResult is a signed file of objects and what signing found worth a
// warning.
type SignResult struct {
	File     *ObjectFile
	Identity *trust.Identity
	*trust.SignReport
}

// SignFile reads the keys and the objects, signs every object
// (trust.Identity.SignObjects) and, with req.Output, writes them. Nothing
// is written when an object cannot be read or signed.
func SignFile(req SignRequest) (*SignResult, error) {
	id, err := trust.ReadIdentityFile(req.KeyFile)
	if err != nil {
		return nil, err
	}
	f, err := ReadObjectFile(req.Input)
	if err != nil {
		return nil, err
	}
	rep, err := id.SignObjects(f.Objects, trust.SignOptions{Recipients: req.Recipients, Registry: req.Registry})
	if err != nil {
		return nil, err
	}
	if req.Output != "" {
		if err := f.WriteFile(req.Output); err != nil {
			return nil, err
		}
	}
	return &SignResult{File: f, Identity: id, SignReport: rep}, nil
}
