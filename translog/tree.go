package translog

import (
	"fmt"
	"math/bits"
	"sync"
)

// Tree is a Merkle tree of leaf hashes held in memory, with the hash of
// every complete subtree (RFC 9162 section 2.1.1), so that appending a
// leaf costs one hash amortised (at most one per level), the root of the
// tree at any size costs at most one hash per level, and a proof at most
// one per level for each of its hashes. It takes twice the memory of the
// leaf hashes: 64 bytes a leaf, 64 MB for a million leaves.
//
// A Tree is safe for concurrent use.
type Tree struct {
	mu sync.RWMutex
	// levels[0] are the leaf hashes; levels[k][i] is the hash of the
	// complete subtree of leaves i<<k to (i+1)<<k.
	levels [][]Hash
}

// Size returns the number of leaves.
func (t *Tree) Size() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.size()
}

func (t *Tree) size() int64 {
	if len(t.levels) == 0 {
		return 0
	}
	return int64(len(t.levels[0]))
}

// Append adds leaf hashes at the end of the tree.
func (t *Tree) Append(leaves ...Hash) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, h := range leaves {
		if len(t.levels) == 0 {
			t.levels = append(t.levels, nil)
		}
		t.levels[0] = append(t.levels[0], h)
		for k := 0; len(t.levels[k])%2 == 0; k++ {
			if k+1 == len(t.levels) {
				t.levels = append(t.levels, nil)
			}
			n := len(t.levels[k])
			t.levels[k+1] = append(t.levels[k+1], NodeHash(t.levels[k][n-2], t.levels[k][n-1]))
		}
	}
}

// Leaf returns the hash of leaf i.
func (t *Tree) Leaf(i int64) (Hash, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if i < 0 || i >= t.size() {
		return Hash{}, fmt.Errorf("leaf %d: the tree has %d leaves", i, t.size())
	}
	return t.levels[0][i], nil
}

// checkSize returns an error for a size the tree has not reached.
func (t *Tree) checkSize(what string, n int64) error {
	if n < 0 || n > t.size() {
		return &RangeError{What: what, Size: n, Have: t.size()}
	}
	return nil
}

// RangeError reports a tree size or leaf index beyond the tree.
type RangeError struct {
	What string
	Size int64
	Have int64
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("%s %d: the log has %d entries", e.What, e.Size, e.Have)
}

// Root returns the root hash of the tree when it had n leaves.
func (t *Tree) Root(n int64) (Hash, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if err := t.checkSize("tree size", n); err != nil {
		return Hash{}, err
	}
	return t.hash(0, n), nil
}

// split returns the largest power of two smaller than n (n > 1).
func split(n int64) int64 {
	return 1 << (bits.Len64(uint64(n-1)) - 1)
}

// hash returns MTH(D[start:end]).
func (t *Tree) hash(start, end int64) Hash {
	n := end - start
	switch {
	case n == 0:
		return EmptyRoot
	case n&(n-1) == 0 && start%n == 0:
		k := bits.TrailingZeros64(uint64(n))
		return t.levels[k][start>>k]
	}
	k := split(n)
	return NodeHash(t.hash(start, start+k), t.hash(start+k, end))
}

// InclusionProof returns the audit path of leaf i in the tree of size n
// (RFC 9162 section 2.1.3.1).
func (t *Tree) InclusionProof(i, n int64) ([]Hash, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if err := t.checkSize("tree size", n); err != nil {
		return nil, err
	}
	if i < 0 || i >= n {
		return nil, &RangeError{What: "leaf index", Size: i, Have: n}
	}
	var path []Hash
	start, end := int64(0), n
	// The path is built from the root down and returned leaf first.
	for end-start > 1 {
		k := split(end - start)
		if i < start+k {
			path = append(path, t.hash(start+k, end))
			end = start + k
		} else {
			path = append(path, t.hash(start, start+k))
			start += k
		}
	}
	reverse(path)
	return path, nil
}

// ConsistencyProof returns the proof that the tree of size m is a prefix
// of the tree of size n (RFC 9162 section 2.1.4.1); empty when m is 0 or
// m equals n.
func (t *Tree) ConsistencyProof(m, n int64) ([]Hash, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if err := t.checkSize("tree size", n); err != nil {
		return nil, err
	}
	if m < 0 || m > n {
		return nil, fmt.Errorf("consistency from size %d to size %d: the first size must be 0 to %d", m, n, n)
	}
	if m == 0 || m == n {
		return nil, nil
	}
	var path []Hash
	start, end := int64(0), n
	complete := true
	for {
		size := end - start
		if m == size {
			if !complete {
				path = append(path, t.hash(start, end))
			}
			break
		}
		k := split(size)
		if m <= k {
			path = append(path, t.hash(start+k, end))
			end = start + k
		} else {
			path = append(path, t.hash(start, start+k))
			m -= k
			start += k
			complete = false
		}
	}
	reverse(path)
	return path, nil
}

func reverse(p []Hash) {
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
		p[i], p[j] = p[j], p[i]
	}
}
