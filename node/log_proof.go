package node

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"os"

	"github.com/rampart-cti/rampart/translog"
	"github.com/rampart-cti/rampart/trust"
)

// LogQuery asks the node's transparency log for a proof: of the
// inclusion of a document (ObjectFile), of the latest logged version of
// an object (ID) or of a leaf hash (Leaf, when no other field is set); or
// of the consistency of the log now with an earlier signed head
// (HeadFile).
type LogQuery struct {
	ObjectFile string
	ID         string
	Leaf       translog.Hash
	HeadFile   string

	from *translog.SignedHead
	read bool
}

// ReadFiles reads the files the query names, so that a bad one is
// reported before the node is opened; errors name the file.
func (q *LogQuery) ReadFiles() error {
	var err error
	q.read = true
	switch {
	case q.ObjectFile != "":
		doc, err := os.ReadFile(q.ObjectFile)
		if err != nil {
			return err
		}
		if q.Leaf, err = translog.EntryHash(doc); err != nil {
			return fmt.Errorf("--object %s: %v", q.ObjectFile, err)
		}
	case q.HeadFile != "":
		q.from, err = ReadSignedHeadFile(q.HeadFile)
	}
	return err
}

// LogProof answers q (reading its files first when ReadFiles was not
// called): a *translog.ConsistencyProof for a head, else a
// *translog.InclusionProof with the log's signed head. It returns
// ENOTFOUND when the log holds no such entry.
func (n *Node) LogProof(ctx context.Context, q *LogQuery) (any, error) {
	if !q.read {
		if err := q.ReadFiles(); err != nil {
			return nil, err
		}
	}
	if q.from != nil {
		return n.LogConsistency(ctx, q.from)
	}
	leaf := q.Leaf
	if q.ID != "" {
		var err error
		if leaf, err = n.LogLeafOf(ctx, q.ID); err != nil {
			return nil, err
		}
	}
	p, _, err := n.LogInclusion(ctx, leaf)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ReadSignedHeadFile reads a signed tree head file; a parse error names
// the file.
func ReadSignedHeadFile(path string) (*translog.SignedHead, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h, err := translog.ParseSignedHead(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return h, nil
}

// LogProofFiles are the files of a proof checked offline: an inclusion
// proof (Inclusion) of a document (Object), against the head in the proof
// or a head kept earlier (Head); or a consistency proof (Consistency).
type LogProofFiles struct {
	Inclusion, Object, Head, Consistency string
}

// LogProofCheck is a proof that verified: Consistency, or Inclusion with
// the Head it was checked against.
type LogProofCheck struct {
	Consistency *translog.ConsistencyProof
	Inclusion   *translog.InclusionProof
	Head        *translog.SignedHead
}

// CheckLogProof checks offline, from files only, the proof f names, with
// heads signed by an organisation v trusts. Errors name the file at
// fault.
func CheckLogProof(v *trust.Verifier, f LogProofFiles) (*LogProofCheck, error) {
	if f.Consistency != "" {
		var p translog.ConsistencyProof
		if err := readJSONFile(f.Consistency, &p); err != nil {
			return nil, err
		}
		if err := translog.CheckConsistency(v, &p); err != nil {
			return nil, fmt.Errorf("%s: %v", f.Consistency, err)
		}
		return &LogProofCheck{Consistency: &p}, nil
	}
	var p translog.InclusionProof
	if err := readJSONFile(f.Inclusion, &p); err != nil {
		return nil, err
	}
	head := p.Head
	if f.Head != "" {
		h, err := ReadSignedHeadFile(f.Head)
		if err != nil {
			return nil, err
		}
		head = h
	}
	doc, err := os.ReadFile(f.Object)
	if err != nil {
		return nil, err
	}
	if _, err := translog.CheckInclusion(v, head, &p, doc); err != nil {
		return nil, fmt.Errorf("%s: %v", f.Inclusion, err)
	}
	return &LogProofCheck{Inclusion: &p, Head: head}, nil
}

// PublicKeysFileVerifier returns PublicKeysVerifier for the public keys
// in the file path, which must name their organisation.
func PublicKeysFileVerifier(path string) (*trust.Verifier, error) {
	ks, err := trust.ReadKeySetFile(path)
	if err != nil {
		return nil, err
	}
	v, err := PublicKeysVerifier(ks, ks.Organization, ks.Organization)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return v, nil
}

// readJSONFile decodes a JSON file into v, naming the file on error.
func readJSONFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
