package match

import (
	"hash/maphash"
	stdmaps "maps"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/rampart-cti/rampart/internal/ahocorasick"

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

// pathIndex holds the exact values and domain suffixes anchored at one
// object path, each behind a Bloom filter: almost every logged value
// matches no indicator, and the filter (about 2 bytes per value, one cache
// line per test) answers that without touching the large map.
type pathIndex struct {
	exact       map[string][]*entry
	suffix      map[string][]*entry
	exactBloom  bloom
	suffixBloom bloom
	// literal holds LIKE and MATCHES comparisons by a literal every value
	// they match contains; lits finds them all in one pass over a value,
	// litEntries holding the entries of its i-th literal.
	literal    map[string][]*entry
	lits       *ahocorasick.Automaton
	litEntries [][]*entry
}

// index maps values to the indicators anchored on them. An index is never
// modified once a snapshot holding it is published, so readers need no
// lock; writers build a modified copy.
type index struct {
	paths map[string]*pathIndex
	cidr  map[string]*bart.Table[[]*entry]
	size  int
}

func newIndex() *index {
	return &index{paths: make(map[string]*pathIndex), cidr: make(map[string]*bart.Table[[]*entry])}
}

func (ix *index) path(p string) *pathIndex {
	pi := ix.paths[p]
	if pi == nil {
		pi = &pathIndex{exact: map[string][]*entry{}, suffix: map[string][]*entry{}, literal: map[string][]*entry{}}
		ix.paths[p] = pi
	}
	return pi
}

// add indexes e under each of its anchors. Slices are clipped before
// appending so a copy of an index never writes into arrays an older
// snapshot still reads. Call finish before publishing.
func (ix *index) add(e *entry) {
	ix.size++
	for _, a := range e.anchors {
		switch a.kind {
		case anchorExact:
			pi := ix.path(a.path)
			pi.exact[a.value] = append(slices.Clip(pi.exact[a.value]), e)
		case anchorSuffix:
			pi := ix.path(a.path)
			pi.suffix[a.value] = append(slices.Clip(pi.suffix[a.value]), e)
		case anchorLiteral:
			pi := ix.path(a.path)
			pi.literal[a.value] = append(slices.Clip(pi.literal[a.value]), e)
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

// finish builds the Bloom filters and the literal automatons.
func (ix *index) finish() {
	for _, pi := range ix.paths {
		pi.exactBloom = newBloom(pi.exact)
		pi.suffixBloom = newBloom(pi.suffix)
		pi.lits, pi.litEntries = nil, nil
		if len(pi.literal) > 0 {
			lits := slices.Sorted(stdmaps.Keys(pi.literal))
			pi.lits = ahocorasick.New(lits)
			pi.litEntries = make([][]*entry, len(lits))
			for i, l := range lits {
				pi.litEntries[i] = pi.literal[l]
			}
		}
	}
}

// clone returns a copy that add may modify without disturbing readers of
// ix.
func (ix *index) clone() *index {
	c := &index{paths: make(map[string]*pathIndex, len(ix.paths)), cidr: make(map[string]*bart.Table[[]*entry], len(ix.cidr)), size: ix.size}
	for p, pi := range ix.paths {
		c.paths[p] = &pathIndex{exact: maps(pi.exact), suffix: maps(pi.suffix), literal: maps(pi.literal)}
	}
	for k, v := range ix.cidr {
		c.cidr[k] = v.Clone()
	}
	return c
}

func maps(m map[string][]*entry) map[string][]*entry {
	c := make(map[string][]*entry, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

var hashSeed = maphash.MakeSeed()

// lookup appends to dst the entries anchored on value at path.
func (ix *index) lookup(dst []*entry, path, value string, addr netip.Addr) []*entry {
	if pi := ix.paths[path]; pi != nil {
		dst = pi.lookupValue(dst, value)
		if pi.lits != nil || len(pi.exact)+len(pi.suffix) > 0 {
			// LIKE compares NFC forms: a value that is not in NFC is also
			// looked up as it reads in NFC, and literals are looked for in
			// that form.
			form := literalForm(value)
			if form != value {
				dst = pi.lookupValue(dst, form)
			}
			if pi.lits != nil {
				var hits [8]int32
				for _, i := range pi.lits.Scan(form, hits[:0]) {
					dst = append(dst, pi.litEntries[i]...)
				}
			}
		}
	}
	if addr.IsValid() && len(ix.cidr) > 0 {
		if t := ix.cidr[path]; t != nil && t.Contains(addr) {
			for _, es := range t.Supernets(netip.PrefixFrom(addr, addr.BitLen())) {
				dst = append(dst, es...)
			}
		}
	}
	return dst
}

// lookupValue appends the entries anchored on value exactly or on one of
// its parent domains.
func (pi *pathIndex) lookupValue(dst []*entry, value string) []*entry {
	if len(pi.exact) > 0 && pi.exactBloom.mayContain(maphash.String(hashSeed, value)) {
		dst = append(dst, pi.exact[value]...)
	}
	if len(pi.suffix) > 0 {
		// Walk the parent domains: a.b.example -> b.example -> example.
		for s := value; ; {
			i := indexByte(s, '.')
			if i < 0 {
				break
			}
			s = s[i+1:]
			if pi.suffixBloom.mayContain(maphash.String(hashSeed, s)) {
				dst = append(dst, pi.suffix[s]...)
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

// bloom is a blocked Bloom filter: each key sets 3 bits in one 512-bit
// block, so a test reads one cache line. At 16 bits per key it passes about
// 1% of absent keys.
type bloom []bloomBlock

type bloomBlock [8]uint64

func newBloom(m map[string][]*entry) bloom {
	if len(m) == 0 {
		return nil
	}
	b := make(bloom, max(1, len(m)*16/512))
	for k := range m {
		b.set(maphash.String(hashSeed, k))
	}
	return b
}

func (b bloom) block(h uint64) *bloomBlock {
	return &b[(uint64(uint32(h>>32))*uint64(len(b)))>>32]
}

func (b bloom) set(h uint64) {
	blk := b.block(h)
	for i, x := 0, uint32(h); i < 3; i, x = i+1, x>>9 {
		bit := x & 511
		blk[bit>>6] |= 1 << (bit & 63)
	}
}

// mayContain reports whether the key with hash h may be in the set; a nil
// filter (an index still being built) says yes.
func (b bloom) mayContain(h uint64) bool {
	if b == nil {
		return true
	}
	blk := b.block(h)
	for i, x := 0, uint32(h); i < 3; i, x = i+1, x>>9 {
		bit := x & 511
		if blk[bit>>6]&(1<<(bit&63)) == 0 {
			return false
		}
	}
	return true
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
