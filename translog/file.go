package translog

import (
	"fmt"
)

// InclusionProof is the proof that a leaf is in the tree of a size: what
// GET /api/v1/log/inclusion answers and "rampart log proof" writes. Head,
// when set, is the signed head of that size the proof leads to.
type InclusionProof struct {
	LeafIndex int64       `json:"leaf_index"`
	TreeSize  int64       `json:"tree_size"`
	LeafHash  Hash        `json:"leaf_hash"`
	Path      []Hash      `json:"path"`
	Head      *SignedHead `json:"head,omitempty"`
}

// Verify checks that the proof puts leaf at its index of the tree of
// head: same size, and a path that leads from leaf to head's root. It
// does not check head's signature (SignedHead.Verify does).
func (p *InclusionProof) Verify(head *SignedHead, leaf Hash) error {
	if leaf != p.LeafHash {
		return fmt.Errorf("%w: it is for leaf %s, not %s", ErrProof, p.LeafHash, leaf)
	}
	if head.Size != p.TreeSize {
		return fmt.Errorf("%w: it is for a tree of size %d, the head is of size %d", ErrProof, p.TreeSize, head.Size)
	}
	return VerifyInclusion(p.LeafIndex, p.TreeSize, leaf, p.Path, head.Root)
}

// ConsistencyProof is the proof that the tree of size First is a prefix
// of the tree of size Second: what GET /api/v1/log/consistency answers.
// "rampart log proof --consistency" adds the two signed heads, so that the
// file can be checked on its own.
type ConsistencyProof struct {
	First      int64       `json:"first"`
	Second     int64       `json:"second"`
	Path       []Hash      `json:"path"`
	FirstHead  *SignedHead `json:"first_head,omitempty"`
	SecondHead *SignedHead `json:"second_head,omitempty"`
}

// Verify checks that the proof shows first's tree to be a prefix of
// second's: heads of one origin, of the proof's sizes, and a proof that
// verifies between their roots. It does not check the heads' signatures.
func (p *ConsistencyProof) Verify(first, second *SignedHead) error {
	switch {
	case first.Origin != second.Origin:
		return fmt.Errorf("%w: the heads are of two logs, %s and %s", ErrProof, first.Origin, second.Origin)
	case first.Size != p.First || second.Size != p.Second:
		return fmt.Errorf("%w: it is from size %d to %d, the heads are of sizes %d and %d", ErrProof, p.First, p.Second, first.Size, second.Size)
	}
	return VerifyConsistency(p.First, p.Second, first.Root, second.Root, p.Path)
}
