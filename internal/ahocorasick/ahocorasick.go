// Package ahocorasick finds, in one pass over a text, every one of many
// patterns it contains, ASCII letters compared whatever their case (an
// Aho-Corasick automaton). The matcher narrows LIKE and MATCHES with it,
// the warninglists their substring entries.
package ahocorasick

import "slices"

// Automaton finds in one pass over a text every one of many patterns it
// contains, ASCII letters compared whatever their case: an Aho-Corasick
// automaton over byte classes (the bytes the patterns use; the others
// share one class). The root's transitions are a table; every other
// state keeps only its children, sorted, and falls back along its failure
// links, so memory grows with the patterns' bytes, not with their bytes
// times the alphabet. It is immutable once built and safe for concurrent
// use.
type Automaton struct {
	class [256]uint8
	root  []int32 // by class: the state after the root
	// The children of state s are edges[first[s]:first[s+1]], by class;
	// a state with many children has them in a table too, by class, at
	// rows[row[s]:] (row[s] < 0 for the others), 0 for no child.
	first  []int32
	edges  []edge
	row    []int32
	rows   []int32
	nclass int
	fail   []int32
	out    []int32 // the first pattern ending at a state, -1 for none
	// same links a pattern to the next one of the same text, -1 for none.
	same []int32
	// dict links a state to the nearest state on its failure chain at
	// which a pattern ends, -1 for none: the patterns that end inside the
	// one matched.
	dict []int32
}

type edge struct {
	class uint8
	state int32
}

// New builds an automaton over patterns; a hit reports a pattern's index
// in patterns. Patterns that are one text once folded are each reported;
// an empty pattern never is.
func New(patterns []string) *Automaton {
	a := &Automaton{same: make([]int32, len(patterns))}
	for i := range a.same {
		a.same[i] = -1
	}
	nclass := 1 // class 0: bytes no pattern uses
	for _, l := range patterns {
		for i := 0; i < len(l); i++ {
			c := foldByte(l[i])
			if a.class[c] == 0 {
				a.class[c] = uint8(nclass)
				if c >= 'a' && c <= 'z' {
					a.class[c-'a'+'A'] = a.class[c]
				}
				nclass++
			}
		}
	}
	// The trie, with a slice of children per state while it is built.
	children := [][]edge{nil}
	out := []int32{-1}
	for li, l := range patterns {
		if l == "" {
			continue
		}
		s := int32(0)
		for i := 0; i < len(l); i++ {
			c := a.class[l[i]]
			k := slices.IndexFunc(children[s], func(e edge) bool { return e.class == c })
			if k >= 0 {
				s = children[s][k].state
				continue
			}
			children = append(children, nil)
			out = append(out, -1)
			next := int32(len(children) - 1)
			children[s] = append(children[s], edge{c, next})
			s = next
		}
		if first := out[s]; first >= 0 {
			// Another pattern of the same text: chained after it.
			k := first
			for a.same[k] >= 0 {
				k = a.same[k]
			}
			a.same[k] = int32(li)
		} else {
			out[s] = int32(li)
		}
	}
	n := len(children)
	a.out = out
	a.root = make([]int32, nclass)
	a.first = make([]int32, n+1)
	a.fail = make([]int32, n)
	a.dict = make([]int32, n)
	for s, cs := range children {
		slices.SortFunc(cs, func(x, y edge) int { return int(x.class) - int(y.class) })
		a.first[s+1] = a.first[s] + int32(len(cs))
		a.edges = append(a.edges, cs...)
	}
	for _, e := range children[0] {
		a.root[e.class] = e.state
	}
	a.nclass = nclass
	a.row = make([]int32, n)
	for s, cs := range children {
		a.row[s] = -1
		if s > 0 && len(cs) > denseChildren {
			a.row[s] = int32(len(a.rows))
			a.rows = append(a.rows, make([]int32, nclass)...)
			for _, e := range cs {
				a.rows[int(a.row[s])+int(e.class)] = e.state
			}
		}
	}
	// Failure links, breadth first: a state's failure state is shallower,
	// so its links are known when the state's children are reached.
	a.dict[0] = -1
	queue := make([]int32, 0, n)
	for _, e := range children[0] {
		a.dict[e.state] = -1
		queue = append(queue, e.state)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range children[s] {
			f := a.step(a.fail[s], e.class)
			a.fail[e.state] = f
			if a.out[f] >= 0 {
				a.dict[e.state] = f
			} else {
				a.dict[e.state] = a.dict[f]
			}
			queue = append(queue, e.state)
		}
	}
	return a
}

// denseChildren is how many children a state has at most before they go
// into a table as well.
const denseChildren = 4

// step is the state after s reads a byte of class c.
func (a *Automaton) step(s int32, c uint8) int32 {
	for s != 0 {
		if r := a.row[s]; r >= 0 {
			if next := a.rows[int(r)+int(c)]; next != 0 {
				return next
			}
		} else {
			for _, e := range a.edges[a.first[s]:a.first[s+1]] {
				if e.class == c {
					return e.state
				}
			}
		}
		s = a.fail[s]
	}
	return a.root[c]
}

// Scan appends to hits the index of every pattern s contains, once per
// occurrence.
func (a *Automaton) Scan(s string, hits []int32) []int32 {
	state := int32(0)
	for i := 0; i < len(s); i++ {
		state = a.step(state, a.class[s[i]])
		if a.out[state] >= 0 {
			hits = a.appendOut(hits, a.out[state])
		}
		for d := a.dict[state]; d >= 0; d = a.dict[d] {
			hits = a.appendOut(hits, a.out[d])
		}
	}
	return hits
}

// appendOut appends pattern p and the patterns of the same text.
func (a *Automaton) appendOut(hits []int32, p int32) []int32 {
	for ; p >= 0; p = a.same[p] {
		hits = append(hits, p)
	}
	return hits
}

func foldByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
