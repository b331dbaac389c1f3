package warninglist

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/rampart-cti/rampart/internal/ahocorasick"
)

// Hit is one list holding a value.
type Hit struct {
	// List is the list's ID, Name its own name.
	List, Name string
	// Entry is the entry that holds the value, as the list writes it.
	Entry string
	// Value is the value checked.
	Value string
}

// String says which list holds the value, as an error or a console would.
func (h Hit) String() string {
	return fmt.Sprintf("value %s is on warninglist '%s'", h.Value, h.Name)
}

// EntryError is one entry of a list that cannot be used (an invalid CIDR,
// a regular expression that does not compile); the rest of the list is.
type EntryError struct {
	List  string // the list's ID
	Index int    // from 0, in the list's "list" member
	Entry string
	Err   error
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("warninglist %q: entry %d %q: %v", e.List, e.Index, e.Entry, e.Err)
}

func (e *EntryError) Unwrap() error { return e.Err }

// ref is one entry of one list.
type ref struct {
	list, entry int32
}

// Checker holds many lists compiled into indexes: a map of exact values, a
// map of domains walked label by label, per-prefix-length maps of
// networks, an Aho-Corasick automaton of substrings and one combined
// regular expression. It is immutable once compiled and safe for
// concurrent use.
type Checker struct {
	lists []*List
	kinds []map[Kind]bool // per list; nil: every kind

	strs  map[string][]ref
	hosts map[string][]ref
	// nets are the networks as sorted disjoint ranges of addresses, each
	// with the networks that hold all of it: one binary search finds the
	// networks that hold an address.
	nets    []netRange
	subs    *ahocorasick.Automaton
	subRefs [][]ref // per automaton pattern
	// res are the regexes that apply to each kind named by a list's
	// matching attributes; anyRes those of lists that apply to every
	// kind (for other kinds).
	res    map[Kind]*regexSet
	anyRes *regexSet
	// types are, per kind, the types of the lists that apply to it, and
	// anyTypes those of lists that apply to every kind: a value is only
	// looked up in the indexes some list of its kind uses.
	types    map[Kind]typeMask
	anyTypes typeMask
	entries  int
}

// typeMask is a set of list types.
type typeMask uint8

func maskOf(typ string) typeMask {
	for i, t := range Types {
		if t == typ {
			return 1 << i
		}
	}
	return 0
}

type regex struct {
	re  *regexp.Regexp
	src string
	ref ref
}

// regexSet is the regexes that apply to one kind, and all of them in one
// expression to answer misses in one pass.
type regexSet struct {
	res []regex
	any *regexp.Regexp
}

func newRegexSet(res []regex) *regexSet {
	if len(res) == 0 {
		return nil
	}
	rs := &regexSet{res: res}
	if len(res) > 1 {
		srcs := make([]string, len(res))
		for i, r := range res {
			// Flags stay inside each group, so the alternation means
			// what each expression means alone.
			srcs[i] = "(?:" + r.src + ")"
		}
		rs.any, _ = regexp.Compile(strings.Join(srcs, "|"))
	}
	return rs
}

// Compile builds a Checker over lists. An entry that cannot be used is
// left out and reported in the *EntryError list; the others are all in.
// Lists are taken as they are and must not be changed afterwards.
func Compile(lists []*List) (*Checker, []error) {
	c := &Checker{
		lists: lists, kinds: make([]map[Kind]bool, len(lists)),
		strs: map[string][]ref{}, hosts: map[string][]ref{},
		res: map[Kind]*regexSet{}, types: map[Kind]typeMask{},
	}
	var res []regex
	var errs []error
	var subs []string
	subIndex := map[string]int{}
	nets := map[netip.Prefix][]ref{}
	for li, l := range lists {
		if len(l.MatchingAttributes) > 0 {
			c.kinds[li] = map[Kind]bool{}
			for _, a := range l.MatchingAttributes {
				for _, k := range KindsOf(a) {
					c.kinds[li][k] = true
					c.types[k] |= maskOf(l.Type)
				}
			}
		} else {
			c.anyTypes |= maskOf(l.Type)
		}
		for ei, e := range l.Entries {
			r := ref{int32(li), int32(ei)}
			bad := func(err error) { errs = append(errs, &EntryError{List: l.ID, Index: ei, Entry: e, Err: err}) }
			v := strings.TrimSpace(e)
			if v == "" {
				bad(errors.New("empty"))
				continue
			}
			switch l.Type {
			case TypeString:
				k := strings.ToLower(v)
				c.strs[k] = append(c.strs[k], r)
			case TypeHostname:
				h := normHost(strings.TrimPrefix(v, "*."))
				if h == "" {
					bad(errors.New("not a hostname"))
					continue
				}
				c.hosts[h] = append(c.hosts[h], r)
			case TypeCIDR:
				p, err := parsePrefix(v)
				if err != nil {
					bad(err)
					continue
				}
				nets[p] = append(nets[p], r)
			case TypeSubstring:
				k := strings.ToLower(v)
				i, ok := subIndex[k]
				if !ok {
					i = len(subs)
					subIndex[k] = i
					subs = append(subs, k)
					c.subRefs = append(c.subRefs, nil)
				}
				c.subRefs[i] = append(c.subRefs[i], r)
			case TypeRegex:
				src, err := goRegexp(v)
				if err == nil {
					var re *regexp.Regexp
					if re, err = regexp.Compile(src); err == nil {
						res = append(res, regex{re, src, r})
					}
				}
				if err != nil {
					bad(err)
					continue
				}
			}
			c.entries++
		}
	}
	c.nets = rangesOf(nets)
	if len(subs) > 0 {
		c.subs = ahocorasick.New(subs)
	}
	var anyRes []regex
	for _, r := range res {
		if c.kinds[r.ref.list] == nil {
			anyRes = append(anyRes, r)
		}
	}
	c.anyRes = newRegexSet(anyRes)
	for k, m := range c.types {
		if m&maskOf(TypeRegex) == 0 {
			continue
		}
		var kr []regex
		for _, r := range res {
			if c.applies(r.ref.list, k) {
				kr = append(kr, r)
			}
		}
		c.res[k] = newRegexSet(kr)
	}
	return c, errs
}

// Lists returns the lists compiled, in order.
func (c *Checker) Lists() []*List { return c.lists }

// Entries returns the number of entries compiled.
func (c *Checker) Entries() int {
	if c == nil {
		return 0
	}
	return c.entries
}

// parsePrefix reads a network or a single address (a /32 or /128).
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return p, errors.New("not a CIDR network")
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, errors.New("not an IP address or CIDR network")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// normHost lowercases a hostname and drops the dots around it.
func normHost(s string) string {
	return strings.Trim(strings.ToLower(s), ".")
}

// goRegexp turns a PCRE-style /expression/flags into Go's syntax: flags
// i, m and s become (?ims); g is meaningless for a test and dropped; any
// other flag is refused. Text without delimiters is taken as it is.
func goRegexp(s string) (string, error) {
	if len(s) < 2 || s[0] != '/' {
		return s, nil
	}
	end := strings.LastIndexByte(s, '/')
	if end == 0 {
		return "", errors.New("regular expression opened with '/' is not closed")
	}
	expr, flags := s[1:end], s[end+1:]
	var f strings.Builder
	for _, c := range flags {
		switch c {
		case 'i', 'm', 's':
			if !strings.ContainsRune(f.String(), c) {
				f.WriteRune(c)
			}
		case 'g':
		default:
			return "", fmt.Errorf("regular expression flag %q is not supported (i, m, s, g are)", c)
		}
	}
	if f.Len() > 0 {
		return "(?" + f.String() + ")" + expr, nil
	}
	return expr, nil
}

// applies reports whether list li applies to values of kind k.
func (c *Checker) applies(li int32, k Kind) bool {
	ks := c.kinds[li]
	return ks == nil || ks[k]
}

// Check returns the lists that hold value, a value of kind k, each with
// the entry that holds it; none for most values. An empty kind matches
// lists that apply to every kind only. A nil Checker holds nothing.
//
// Matching per list type: string lists hold the value exactly (ignoring
// case); hostname lists hold a domain and its subdomains (of a URL, its
// host); cidr lists hold the addresses of their networks (an IP value may
// be a network, held when a listed network covers it all; of a URL whose
// host is an address, that address); substring lists hold values that
// contain an entry (ignoring case); regex lists the values an entry
// matches.
func (c *Checker) Check(k Kind, value string) []Hit {
	if c == nil || c.entries == 0 || value == "" {
		return nil
	}
	var hits []Hit
	add := func(refs []ref) {
		for _, r := range refs {
			if c.applies(r.list, k) {
				l := c.lists[r.list]
				hits = append(hits, Hit{List: l.ID, Name: l.Name, Entry: l.Entries[r.entry], Value: value})
			}
		}
	}
	types := c.types[k] | c.anyTypes
	if types&maskOf(TypeString) != 0 {
		add(c.strs[lower(value)])
	}
	host := ""
	switch k {
	case KindDomain:
		host = value
	case KindURL:
		if types&(maskOf(TypeHostname)|maskOf(TypeCIDR)) != 0 {
			host = urlHost(value)
		}
	case KindEmail:
	case KindIP:
		if types&maskOf(TypeCIDR) != 0 {
			c.checkNet(value, add)
		}
	default:
		if k == "" {
			host = value
		}
	}
	if host != "" {
		if types&maskOf(TypeCIDR) != 0 && looksLikeAddr(host) {
			c.checkNet(host, add)
		}
		if types&maskOf(TypeHostname) != 0 {
			h := normHost(host)
			for {
				add(c.hosts[h])
				i := strings.IndexByte(h, '.')
				if i < 0 {
					break
				}
				h = h[i+1:]
			}
		}
	}
	if c.subs != nil && types&maskOf(TypeSubstring) != 0 {
		var buf [8]int32
		hits := c.subs.Scan(lower(value), buf[:0])
		slices.Sort(hits)
		for i, h := range hits {
			if i == 0 || h != hits[i-1] {
				add(c.subRefs[h])
			}
		}
	}
	if types&maskOf(TypeRegex) != 0 {
		rs, ok := c.res[k]
		if !ok {
			rs = c.anyRes
		}
		if rs != nil && (rs.any == nil || rs.any.MatchString(value)) {
			for _, re := range rs.res {
				if re.re.MatchString(value) {
					add([]ref{re.ref})
				}
			}
		}
	}
	return dedupe(hits)
}

// checkNet adds the networks holding an address or covering a network.
func (c *Checker) checkNet(v string, add func([]ref)) {
	if len(c.nets) == 0 {
		return
	}
	p, err := parsePrefix(v)
	if err != nil {
		return
	}
	a := p.Addr()
	i, found := slices.BinarySearchFunc(c.nets, a, func(r netRange, a netip.Addr) int {
		if r.hi.Compare(a) < 0 {
			return -1
		}
		if r.lo.Compare(a) > 0 {
			return 1
		}
		return 0
	})
	if !found {
		return
	}
	for _, nr := range c.nets[i].refs {
		if int(nr.bits) <= p.Bits() {
			add([]ref{nr.ref})
		}
	}
}

// dedupe drops a second hit of one list (a value held by two entries of a
// list, or by its host and its string).
func dedupe(hits []Hit) []Hit {
	if len(hits) < 2 {
		return hits
	}
	out := hits[:1]
	for _, h := range hits[1:] {
		if !slices.ContainsFunc(out, func(o Hit) bool { return o.List == h.List }) {
			out = append(out, h)
		}
	}
	return out
}

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

func looksLikeAddr(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c >= '0' && c <= '9' || c == ':' || c == '['
}

// urlHost returns the host of a URL, without port or brackets; "" when it
// has none.
func urlHost(s string) string {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// netRange is the addresses from lo to hi, both included, and the
// networks that hold them all.
type netRange struct {
	lo, hi netip.Addr
	refs   []netRef
}

type netRef struct {
	ref  ref
	bits uint8
}

// rangesOf cuts the address space the networks cover into disjoint
// ranges, each with the networks that hold it, sorted. Two networks are
// either disjoint or one holds the other, so a sweep over them, sorted
// by first address and widest first, with a stack of the networks open,
// gives at most two ranges per network.
func rangesOf(nets map[netip.Prefix][]ref) []netRange {
	type open struct {
		hi   netip.Addr
		refs []netRef
	}
	ps := make([]netip.Prefix, 0, len(nets))
	for p := range nets {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	var out []netRange
	var stack []open
	var pos netip.Addr // first address not yet in a range
	emit := func(hi netip.Addr) {
		if !pos.IsValid() || pos.BitLen() != hi.BitLen() || pos.Compare(hi) > 0 {
			return
		}
		var refs []netRef
		for _, o := range stack {
			refs = append(refs, o.refs...)
		}
		out = append(out, netRange{pos, hi, refs})
		pos = hi.Next() // invalid past the last address
	}
	closeUntil := func(a netip.Addr) {
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			if a.IsValid() && top.hi.BitLen() == a.BitLen() && top.hi.Compare(a) >= 0 {
				return
			}
			emit(top.hi)
			stack = stack[:len(stack)-1]
		}
	}
	for _, p := range ps {
		lo := p.Addr()
		closeUntil(lo)
		if len(stack) > 0 && pos.IsValid() && pos.Compare(lo) < 0 {
			emit(lo.Prev())
		}
		pos = lo
		refs := make([]netRef, len(nets[p]))
		for i, r := range nets[p] {
			refs[i] = netRef{r, uint8(p.Bits())}
		}
		stack = append(stack, open{lastAddr(p), refs})
	}
	closeUntil(netip.Addr{})
	return out
}

// lastAddr returns the last address of network p (masked).
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
