package node

import (
	"fmt"
	"io"

	"github.com/rampart-cti/rampart/translog"
	"github.com/rampart-cti/rampart/trust"
)

// Check refuses a query that names no entry or more than one; hash is a
// leaf hash in text (translog.ParseHash), set into q.Leaf when given.
// Errors are ConfigErrors naming the flags of "rampart log proof".
func (q *LogQuery) Check(hash string) error {
	given := 0
	for _, s := range []string{q.ObjectFile, q.ID, hash, q.HeadFile} {
		if s != "" {
			given++
		}
	}
	if given != 1 {
		return configErrorf("log proof: give one of --object FILE, --id ID, --hash LEAF_HASH or --consistency HEAD_FILE")
	}
	if hash != "" {
		leaf, err := translog.ParseHash(hash)
		if err != nil {
			return configErrorf("--hash: %v", err)
		}
		q.Leaf = leaf
	}
	return nil
}

// Check refuses files that name no proof, or both kinds, or an inclusion
// proof without its object; registry and keys are the files that check
// signatures, of which exactly one must be given. Errors are ConfigErrors
// naming the flags of "rampart log verify".
func (f LogProofFiles) Check(registry, keys string) error {
	switch {
	case (f.Inclusion == "") == (f.Consistency == ""):
		return configErrorf("log verify: give --inclusion FILE --object FILE, or --consistency FILE")
	case f.Inclusion != "" && f.Object == "":
		return configErrorf("log verify --inclusion: give the object the proof is for with --object FILE")
	case (registry == "") == (keys == ""):
		return configErrorf("log verify: give what to check signatures with: --registry FILE (with --registry-fingerprint FP) or --keys FILE.pub")
	}
	return nil
}

// LogVerifier returns the verifier of signed heads: of the members of reg
// under the default policy, or, with reg nil, of the organisation whose
// public keys are in the file keys (PublicKeysFileVerifier).
func LogVerifier(reg *trust.Registry, keys string) (*trust.Verifier, error) {
	if reg != nil {
		return trust.NewVerifier(reg, trust.DefaultPolicy()), nil
	}
	v, err := PublicKeysFileVerifier(keys)
	if err != nil {
		return nil, fmt.Errorf("--keys %v", err)
	}
	return v, nil
}

// WriteText says what the proof showed; object names the document an
// inclusion proof is for.
func (c *LogProofCheck) WriteText(w io.Writer, object string) error {
	const layout = "2006-01-02T15:04:05Z"
	if p := c.Consistency; p != nil {
		_, err := fmt.Fprintf(w, "consistent: the log of %s at size %d (signed %s) is a prefix of the log at size %d (signed %s)\n",
			p.FirstHead.Origin, p.First, p.FirstHead.Timestamp.UTC().Format(layout), p.Second, p.SecondHead.Timestamp.UTC().Format(layout))
		return err
	}
	_, err := fmt.Fprintf(w, "included: %s is entry %d of the log of %s at size %d (head signed %s)\n",
		object, c.Inclusion.LeafIndex, c.Head.Origin, c.Head.Size, c.Head.Timestamp.UTC().Format(layout))
	return err
}
