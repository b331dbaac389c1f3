package httpauth

import (
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// sourceOf returns the source address a request's failed logins count
// against: the peer's address (RemoteAddr), an IPv6 address as its
// IPv6PrefixBits prefix. When the peer is one of trusted (reverse
// proxies), it is the address the proxies put in X-Forwarded-For instead:
// the right-most entry that is not itself a trusted proxy. X-Forwarded-For
// from any other peer is ignored: a client can write what it likes there.
// A peer address that cannot be read (a Unix socket) is the zero Prefix,
// one source for all such peers.
func sourceOf(r *http.Request, trusted []netip.Prefix) netip.Prefix {
	peer, ok := addrOf(r.RemoteAddr)
	if !ok {
		return netip.Prefix{}
	}
	if len(trusted) > 0 && inAny(trusted, peer) {
		peer = forwarded(r.Header.Values("X-Forwarded-For"), trusted, peer)
	}
	return prefixOf(peer)
}

// forwarded walks the X-Forwarded-For entries from the right, past the
// trusted proxies, and returns the first address that is not one; peer
// when an entry cannot be read (the proxy's own address is then the
// source), the left-most entry when all are trusted.
func forwarded(values []string, trusted []netip.Prefix, peer netip.Addr) netip.Addr {
	var entries []string
	for _, v := range values {
		entries = append(entries, strings.Split(v, ",")...)
	}
	last := peer
	for _, e := range slices.Backward(entries) {
		a, ok := addrOf(strings.TrimSpace(e))
		if !ok {
			return peer
		}
		if !inAny(trusted, a) {
			return a
		}
		last = a
	}
	return last
}

// addrOf reads an address with or without a port, IPv4-mapped IPv6
// addresses as IPv4.
func addrOf(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

func inAny(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// prefixOf returns the source an address belongs to.
func prefixOf(a netip.Addr) netip.Prefix {
	bits := a.BitLen()
	if a.Is6() {
		bits = IPv6PrefixBits
	}
	p, _ := a.WithZone("").Prefix(bits)
	return p
}

// sourceName returns a source as text for messages and logs.
func sourceName(p netip.Prefix) string {
	switch {
	case !p.IsValid():
		return "an unknown address"
	case p.IsSingleIP():
		return p.Addr().String()
	}
	return p.String()
}
