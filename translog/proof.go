package translog

import (
	"errors"
	"fmt"
)

// MaxProofHashes bounds the hashes of a proof: a tree of 2^63 leaves
// needs at most 63 in an inclusion proof and 126 in a consistency proof.
const MaxProofHashes = 128

// ErrProof reports a proof that does not prove what it is said to.
var ErrProof = errors.New("the proof does not verify")

// VerifyInclusion checks that leaf is leaf number index of the tree of
// size n whose root is root, given its audit path (RFC 9162 section
// 2.1.3.2). It returns nil when it is, an error wrapping ErrProof saying
// why when it is not.
func VerifyInclusion(index, n int64, leaf Hash, path []Hash, root Hash) error {
	got, err := RootFromInclusion(index, n, leaf, path)
	if err != nil {
		return err
	}
	if got != root {
		return fmt.Errorf("%w: leaf %d with this path gives root %s, not %s", ErrProof, index, got, root)
	}
	return nil
}

// RootFromInclusion returns the root that leaf at index of a tree of size
// n and its audit path lead to.
func RootFromInclusion(index, n int64, leaf Hash, path []Hash) (Hash, error) {
	if index < 0 || index >= n {
		return Hash{}, fmt.Errorf("%w: leaf index %d is not below tree size %d", ErrProof, index, n)
	}
	if len(path) > MaxProofHashes {
		return Hash{}, fmt.Errorf("%w: %d hashes, more than MaxProofHashes (%d)", ErrProof, len(path), MaxProofHashes)
	}
	fn, sn := index, n-1
	r := leaf
	for _, p := range path {
		if sn == 0 {
			return Hash{}, fmt.Errorf("%w: the path is longer than a tree of size %d needs", ErrProof, n)
		}
		if fn&1 == 1 || fn == sn {
			r = NodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = NodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return Hash{}, fmt.Errorf("%w: the path is shorter than a tree of size %d needs", ErrProof, n)
	}
	return r, nil
}

// VerifyConsistency checks that the tree of size m with root rootM is a
// prefix of the tree of size n with root rootN, given the consistency
// proof between them (RFC 9162 section 2.1.4.2). Two trees of one size
// are consistent when their roots are equal and the proof empty; the
// empty tree is a prefix of every tree. It returns nil when the proof
// holds, an error wrapping ErrProof saying why when it does not.
func VerifyConsistency(m, n int64, rootM, rootN Hash, proof []Hash) error {
	switch {
	case m < 0 || m > n:
		return fmt.Errorf("%w: the first size %d is not between 0 and the second %d", ErrProof, m, n)
	case len(proof) > MaxProofHashes:
		return fmt.Errorf("%w: %d hashes, more than MaxProofHashes (%d)", ErrProof, len(proof), MaxProofHashes)
	case m == n:
		if len(proof) != 0 {
			return fmt.Errorf("%w: trees of one size need an empty proof (got %d hashes)", ErrProof, len(proof))
		}
		if rootM != rootN {
			return fmt.Errorf("%w: two trees of size %d with different roots %s and %s", ErrProof, m, rootM, rootN)
		}
		return nil
	case m == 0:
		if len(proof) != 0 {
			return fmt.Errorf("%w: the empty tree needs an empty proof (got %d hashes)", ErrProof, len(proof))
		}
		return nil
	case len(proof) == 0:
		return fmt.Errorf("%w: the proof from size %d to %d is empty", ErrProof, m, n)
	}
	if m&(m-1) == 0 {
		proof = append([]Hash{rootM}, proof...)
	}
	fn, sn := m-1, n-1
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	fr, sr := proof[0], proof[0]
	for _, c := range proof[1:] {
		if sn == 0 {
			return fmt.Errorf("%w: the proof is longer than trees of sizes %d and %d need", ErrProof, m, n)
		}
		if fn&1 == 1 || fn == sn {
			fr = NodeHash(c, fr)
			sr = NodeHash(c, sr)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			sr = NodeHash(sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	switch {
	case sn != 0:
		return fmt.Errorf("%w: the proof is shorter than trees of sizes %d and %d need", ErrProof, m, n)
	case fr != rootM:
		return fmt.Errorf("%w: it leads to root %s for size %d, not %s", ErrProof, fr, m, rootM)
	case sr != rootN:
		return fmt.Errorf("%w: it leads to root %s for size %d, not %s", ErrProof, sr, n, rootN)
	}
	return nil
}
