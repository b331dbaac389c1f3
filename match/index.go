package match

import (
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gaissmai/bart"
	"github.com/rampart-cti/rampart/pattern"
)

// entry is one indicator held by a Matcher.
type entry struct {
	ind     *Indicator
	anchors []anchor // nil: evaluated against every observation
	// multi marks patterns that need several observations (AND,
	// FOLLOWEDBY, REPEATS across observations); they are evaluated over a
	// window of recent candidate observations.
	multi bool
	// dead is set when the indicator is removed, revoked or superseded;
	// indexes drop dead entries when they are next rebuilt.
	dead atomic.Bool
	win  *window
}

// pathValue keys the exact and suffix indexes.
type pathValue struct{ path, value string }

// index maps values to the indicators anchored on them. An index is never
// modified once a snapshot holding it is published, so readers need no
// lock; writers build a modified copy.
type index struct {
	exact  map[pathValue][]*entry
	suffix map[pathValue][]*entry
	cidr   map[string]*bart.Table[[]*entry]
	// suffixPaths lists the paths that have suffix anchors, so lookups on
	// other paths skip the label walk.
	suffixPaths map[string]bool
	size        int
}

func newIndex(sizeHint int) *index {
	return &index{
		exact:       make(map[pathValue][]*entry, sizeHint),
		suffix:      make(map[pathValue][]*entry),
		cidr:        make(map[string]*bart.Table[[]*entry]),
		suffixPaths: make(map[string]bool),
	}
}

// add indexes e under each of its anchors. Slices are clipped before
// appending so a copy of an index never writes into arrays an older
// snapshot still reads.
func (ix *index) add(e *entry) {
	ix.size++
	for _, a := range e.anchors {
		switch a.kind {
		case anchorExact:
			k := pathValue{a.path, a.value}
			ix.exact[k] = append(slices.Clip(ix.exact[k]), e)
		case anchorSuffix:
			k := pathValue{a.path, a.value}
			ix.suffix[k] = append(slices.Clip(ix.suffix[k]), e)
			ix.suffixPaths[a.path] = true
		case anchorCIDR:
			t := ix.cidr[a.path]
			if t == nil {
				t = new(bart.Table[[]*entry])
				ix.cidr[a.path] = t
			}
			t.Modify(a.prefix, func(old []*entry, ok bool) ([]*entry, bool) {
				return append(slices.Clip(old), e), false
			})
		}
	}
}

// clone returns a copy that add may modify without disturbing readers of ix.
func (ix *index) clone() *index {
	c := &index{
		exact:       make(map[pathValue][]*entry, len(ix.exact)+16),
		suffix:      make(map[pathValue][]*entry, len(ix.suffix)),
		cidr:        make(map[string]*bart.Table[[]*entry], len(ix.cidr)),
		suffixPaths: make(map[string]bool, len(ix.suffixPaths)),
		size:        ix.size,
	}
	for k, v := range ix.exact {
		c.exact[k] = v
	}
	for k, v := range ix.suffix {
		c.suffix[k] = v
	}
	for k, v := range ix.cidr {
		c.cidr[k] = v.Clone()
	}
	for k := range ix.suffixPaths {
		c.suffixPaths[k] = true
	}
	return c
}

// lookup appends to dst the entries anchored on value at path.
func (ix *index) lookup(dst []*entry, path, value string, addr netip.Addr) []*entry {
	if es, ok := ix.exact[pathValue{path, value}]; ok {
		dst = append(dst, es...)
	}
	if addr.IsValid() && len(ix.cidr) > 0 {
		if t := ix.cidr[path]; t != nil && t.Contains(addr) {
			for _, es := range t.Supernets(netip.PrefixFrom(addr, addr.BitLen())) {
				dst = append(dst, es...)
			}
		}
	}
	if len(ix.suffixPaths) > 0 && ix.suffixPaths[path] {
		// Walk the parent domains: a.b.example -> b.example -> example.
		for s := value; ; {
			i := indexByte(s, '.')
			if i < 0 {
				break
			}
			s = s[i+1:]
			if es, ok := ix.suffix[pathValue{path, s}]; ok {
				dst = append(dst, es...)
			}
		}
	}
	return dst
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// snapshot is what matching reads: a large base index rebuilt rarely, a
// small delta index of recent additions copied on every change, and the
// indicators no index can narrow. A snapshot is immutable once published.
type snapshot struct {
	base, delta *index
	fallback    []*entry
}

// window holds the recent observations that met some part of a
// multi-observation pattern.
type window struct {
	mu  sync.Mutex
	obs []*pattern.Observation
}
