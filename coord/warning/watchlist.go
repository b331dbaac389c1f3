package warning

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart-cti/rampart/lookalike"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

// Limits on a watchlist.
const (
	// MaxWatchlistEntries is the most entries (networks, ASNs, domains and
	// brands together) one watchlist holds.
	MaxWatchlistEntries = 100000
	// MinBrandLength is the shortest brand: shorter ones would match
	// half of all domain names.
	MinBrandLength = 4
)

// Watchlist is what one member state watches for in the indicators its
// peers publish: its networks, autonomous systems, domains and protected
// brands. A peer's indicator whose pattern names any of them raises an
// alert marked TLP:RED (the match reveals the watchlist, so it stays on
// the node).
//
// A Watchlist must not be changed once handed to an engine; give the
// engine a new one with SetWatchlists.
type Watchlist struct {
	// Name identifies the watchlist on the node.
	Name string `json:"name"`
	// MemberState is the member state whose assets these are (ISO 3166-1
	// alpha-2).
	MemberState string `json:"member_state"`
	// Owner is the organisation that keeps the watchlist; its own
	// indicators never match (it published them knowingly).
	Owner string `json:"owner,omitempty"`
	// Networks are IP prefixes (a single address is a /32 or /128).
	Networks []netip.Prefix `json:"networks,omitempty"`
	// ASNs are autonomous system numbers.
	ASNs []int64 `json:"asns,omitempty"`
	// Domains match themselves and their subdomains.
	Domains []string `json:"domains,omitempty"`
	// Brands match a domain name (or URL host, or e-mail domain) with a
	// label that contains the brand: "acme" matches acme-login.example and
	// secure.myacme.example.
	Brands []string `json:"brands,omitempty"`

	once sync.Once
	idx  *watchIndex
}

// Validate checks the watchlist and normalises its domains and brands to
// lower case. It returns an error naming the first bad entry.
func (wl *Watchlist) Validate() error {
	who := fmt.Sprintf("watchlist %q", wl.Name)
	switch {
	case wl.Name == "" || strings.ContainsAny(wl.Name, " \t\n/"):
		return fmt.Errorf("watchlist name must be a non-empty word without spaces or '/' (got %q)", wl.Name)
	case !validCountry(wl.MemberState):
		return fmt.Errorf("%s: member_state must be an ISO 3166-1 alpha-2 code in upper case (got %q)", who, wl.MemberState)
	case len(wl.Networks)+len(wl.ASNs)+len(wl.Domains)+len(wl.Brands) > MaxWatchlistEntries:
		return fmt.Errorf("%s: more than MaxWatchlistEntries (%d) entries", who, MaxWatchlistEntries)
	}
	if wl.Owner != "" {
		if typ, _, err := stix.ParseID(wl.Owner); err != nil || typ != "identity" {
			return fmt.Errorf("%s: owner must be an identity id (got %q)", who, wl.Owner)
		}
	}
	for i, p := range wl.Networks {
		if !p.IsValid() {
			return fmt.Errorf("%s: networks[%d] is not an IP prefix", who, i)
		}
		wl.Networks[i] = p.Masked()
	}
	for _, a := range wl.ASNs {
		if a < 0 || a > 4294967295 {
			return fmt.Errorf("%s: ASN %d is out of range (0 to 4294967295)", who, a)
		}
	}
	for i, d := range wl.Domains {
		d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
		if d == "" || strings.ContainsAny(d, " /:@") || !strings.Contains(d, ".") {
			return fmt.Errorf("%s: domain %q is not a domain name such as example.eu", who, wl.Domains[i])
		}
		wl.Domains[i] = d
	}
	for i, b := range wl.Brands {
		b = strings.ToLower(strings.TrimSpace(b))
		if len(b) < MinBrandLength || strings.ContainsAny(b, " ./:@") {
			return fmt.Errorf("%s: brand %q must be one word of at least %d characters", who, wl.Brands[i], MinBrandLength)
		}
		wl.Brands[i] = b
	}
	return nil
}

// Match returns the watchlist entries that the observable values name.
// Its cost grows with the number of distinct prefix lengths and the
// logarithm of the number of entries, not with the entries themselves
// (brands excepted, which are few). It is safe for concurrent use.
func (wl *Watchlist) Match(values []Observable) []coord.WatchMatch {
	x := wl.index()
	var out []coord.WatchMatch
	add := func(m coord.WatchMatch) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	networks := func(p netip.Prefix, value string) {
		for _, n := range x.overlapping(p) {
			add(coord.WatchMatch{Kind: "network", Entry: n.String(), Value: value})
		}
	}
	for _, v := range values {
		switch v.Kind() {
		case "ip":
			if p, ok := parsePrefix(v.Value); ok {
				networks(p, v.Value)
			}
		case "asn":
			n, err := strconv.ParseInt(v.Value, 10, 64)
			if err == nil && x.asns[n] {
				add(coord.WatchMatch{Kind: "asn", Entry: v.Value, Value: v.Value})
			}
		case "domain", "url", "email":
			host := hostOf(v)
			if host == "" {
				continue
			}
			if p, ok := parsePrefix(host); ok {
				networks(p, v.Value)
				continue
			}
			// The host and each of its parents, up to the top label.
			for d := host; d != ""; {
				if x.domains[d] {
					add(coord.WatchMatch{Kind: "domain", Entry: d, Value: v.Value})
				}
				_, d, _ = strings.Cut(d, ".")
			}
			branded := map[string]bool{}
			for _, b := range wl.Brands {
				for _, label := range strings.Split(host, ".") {
					if strings.Contains(label, b) {
						add(coord.WatchMatch{Kind: "brand", Entry: b, Value: v.Value})
						branded[b] = true
						break
					}
				}
			}
			// Names that imitate the watched domains and brands.
			for _, m := range x.lookalikes.Check(host) {
				if !branded[m.Protected] {
					add(coord.WatchMatch{Kind: "lookalike", Entry: m.Protected, Value: v.Value, Reason: m.Reason})
				}
			}
		}
	}
	return out
}

// watchIndex is a watchlist compiled for matching.
type watchIndex struct {
	// byLen holds, for each prefix length in use, the prefixes of that
	// length sorted by address.
	byLen   map[int][]netip.Prefix
	lengths []int
	asns    map[int64]bool
	domains map[string]bool
	// lookalikes finds the names that imitate the domains and brands.
	lookalikes *lookalike.Finder
}

func (wl *Watchlist) index() *watchIndex {
	wl.once.Do(func() {
		x := &watchIndex{byLen: map[int][]netip.Prefix{}, asns: map[int64]bool{}, domains: map[string]bool{}}
		for _, p := range wl.Networks {
			if !p.IsValid() {
				continue
			}
			p = p.Masked()
			// IPv4 and IPv6 prefixes of the same length are told apart by
			// the address family, which the sort keeps apart too.
			key := p.Bits()
			if p.Addr().Is6() {
				key += 1000
			}
			x.byLen[key] = append(x.byLen[key], p)
		}
		for k, ps := range x.byLen {
			slices.SortFunc(ps, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
			x.byLen[k] = slices.Compact(ps)
			x.lengths = append(x.lengths, k)
		}
		slices.Sort(x.lengths)
		for _, a := range wl.ASNs {
			x.asns[a] = true
		}
		for _, d := range wl.Domains {
			x.domains[strings.TrimSuffix(strings.ToLower(d), ".")] = true
		}
		x.lookalikes = lookalike.New(wl.Domains, wl.Brands)
		wl.idx = x
	})
	return wl.idx
}

// overlapping returns the watched prefixes that overlap p: those that
// contain it and those it contains.
func (x *watchIndex) overlapping(p netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for _, key := range x.lengths {
		is6, bits := key >= 1000, key%1000
		if is6 != p.Addr().Is6() {
			continue
		}
		ps := x.byLen[key]
		if bits <= p.Bits() {
			// A watched prefix as long as p or shorter contains p when it
			// equals p's address masked to its length.
			want, _ := p.Addr().Prefix(bits)
			if i, ok := slices.BinarySearchFunc(ps, want.Addr(), func(e netip.Prefix, a netip.Addr) int { return e.Addr().Compare(a) }); ok {
				out = append(out, ps[i])
			}
			continue
		}
		// Longer watched prefixes inside p start at or after p's address.
		i, _ := slices.BinarySearchFunc(ps, p.Addr(), func(e netip.Prefix, a netip.Addr) int { return e.Addr().Compare(a) })
		for ; i < len(ps) && p.Contains(ps[i].Addr()); i++ {
			out = append(out, ps[i])
		}
	}
	return out
}

// parsePrefix reads an IP address or prefix.
// ParseNetwork reads a watchlist network as people write it: an IP
// prefix such as 192.0.2.0/24, or one address, which stands for itself
// (a /32 or /128).
func ParseNetwork(s string) (netip.Prefix, error) {
	p, ok := parsePrefix(strings.TrimSpace(s))
	if !ok {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP prefix such as 192.0.2.0/24", s)
	}
	return p, nil
}

// ParseASN reads an autonomous system number as people write it: 64500
// or AS64500.
func ParseASN(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "AS"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an AS number such as 64500 or AS64500", s)
	}
	return n, nil
}

func parsePrefix(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// hostOf returns the lower-case host an observable names.
func hostOf(v Observable) string {
	s := strings.ToLower(strings.TrimSpace(v.Value))
	switch v.Kind() {
	case "url":
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return ""
		}
		return strings.TrimSuffix(u.Hostname(), ".")
	case "email":
		_, d, ok := strings.Cut(s, "@")
		if !ok {
			return ""
		}
		return strings.TrimSuffix(d, ".")
	}
	return strings.TrimSuffix(s, ".")
}

// SetWatchlists replaces the engine's watchlists after validating them,
// and checks every indicator in the store against the new ones.
func (w *Engine) SetWatchlists(ctx context.Context, lists []*Watchlist) error {
	seen := map[string]bool{}
	for _, wl := range lists {
		if err := wl.Validate(); err != nil {
			return err
		}
		if seen[wl.Name] {
			return fmt.Errorf("watchlist %q is listed twice", wl.Name)
		}
		seen[wl.Name] = true
	}
	w.mu.Lock()
	w.watchlists = slices.Clone(lists)
	w.Watchlists = w.watchlists
	w.mu.Unlock()
	return w.Rescan(ctx)
}

// SetRules replaces the rules after validating them and evaluates every
// rule again over what the engine holds: alerts missing under the new
// rules are written, and those out of date updated.
func (w *Engine) SetRules(ctx context.Context, r Rules) error {
	r = r.withDefaults()
	if err := r.Validate(); err != nil {
		return err
	}
	w.procMu.Lock()
	defer w.procMu.Unlock()
	w.mu.Lock()
	w.Rules = r
	w.mu.Unlock()
	return w.rescan(ctx)
}

// CurrentRules returns the rules in force.
func (w *Engine) CurrentRules() Rules {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.Rules
}

// CurrentWatchlists returns the watchlists in force.
func (w *Engine) CurrentWatchlists() []*Watchlist {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.watchlists)
}

type indicatorJSON struct {
	Pattern     string `json:"pattern"`
	PatternType string `json:"pattern_type"`
}

// checkWatchlists returns the watchlist alerts an indicator raises or
// changes. The caller holds procMu.
func (w *Engine) checkWatchlists(o *stix.Object, now time.Time) []*coord.Alert {
	w.mu.Lock()
	lists := w.watchlists
	w.mu.Unlock()
	if len(lists) == 0 {
		return nil
	}
	var ind indicatorJSON
	if json.Unmarshal(o.Raw, &ind) != nil || ind.PatternType != "stix" || ind.Pattern == "" {
		return nil
	}
	values, err := Observables(ind.Pattern)
	if err != nil {
		w.logger().Debug("early warning: indicator pattern not read", "id", o.ID, "err", err)
		return nil
	}
	var out []*coord.Alert
	for _, wl := range lists {
		if wl.Owner != "" && o.CreatedByRef == wl.Owner {
			continue
		}
		matches := wl.Match(values)
		if len(matches) == 0 {
			continue
		}
		var sets []string
		for _, t := range w.idx.targets("indicates", o.ID) {
			if stix.IDType(t) == "intrusion-set" {
				sets = append(sets, t)
			}
			if stix.IDType(t) == "campaign" {
				sets = append(sets, w.idx.targets("attributed-to", t)...)
			}
		}
		a := &coord.Alert{
			ID: derivedID(coord.AlertType, w.Organization+"|"+RuleWatchlist+"|"+wl.Name+"|"+o.ID), CreatedBy: w.Organization,
			Markings: []string{stix.TLPRed.MarkingID()}, Rule: RuleWatchlist, SubjectRef: o.ID,
			MemberStates: []string{wl.MemberState}, IndicatorRefs: []string{o.ID}, IntrusionSetRefs: dedupe(sets),
			Watchlist: wl.Name, Matches: matches,
		}
		a.SeverityScore, a.SeverityReasons = scoreAlert(nil, nil, a.IntrusionSetRefs, 2, w.idx.name)
		a.SeverityReasons = append([]string{"+2 a peer's indicator names " + wl.MemberState + "'s assets"}, a.SeverityReasons...)
		a.Severity = severityOf(a.SeverityScore)
		publisher := o.CreatedByRef
		if publisher == "" {
			publisher = "an unnamed publisher"
		} else {
			publisher = w.idx.name(publisher)
		}
		a.Name = fmt.Sprintf("watchlist %s: indicator %s by %s names %s", wl.Name, w.idx.name(o.ID), publisher, describeMatches(matches))
		if prev := w.idx.alerts[a.ID]; prev != nil {
			a.Created = prev.Created
			if a.SameContent(prev) {
				continue
			}
			a.Modified = now
			if !a.Modified.After(prev.Modified) {
				a.Modified = prev.Modified.Add(time.Millisecond)
			}
		} else {
			a.Created, a.Modified = now, now
		}
		out = append(out, a)
	}
	return out
}

func describeMatches(ms []coord.WatchMatch) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, m.Kind+" "+m.Entry)
	}
	return strings.Join(parts, ", ")
}

// validCountry reports whether c is an ISO 3166-1 alpha-2 code in upper
// case.
func validCountry(c string) bool {
	return len(c) == 2 && 'A' <= c[0] && c[0] <= 'Z' && 'A' <= c[1] && c[1] <= 'Z'
}
