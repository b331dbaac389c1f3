package httpauth

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestSourceOf(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"IPv4", "192.0.2.1:5000", "", nil, "192.0.2.1/32"},
		{"IPv4-mapped IPv6", "[::ffff:192.0.2.1]:5000", "", nil, "192.0.2.1/32"},
		{"IPv6 by /64", "[2001:db8:1:2:3:4:5:6]:5000", "", nil, "2001:db8:1:2::/64"},
		{"IPv6 with a zone", "[fe80::1%eth0]:5000", "", nil, "fe80::/64"},
		// A client writes what it likes in X-Forwarded-For.
		{"forwarded, untrusted peer", "192.0.2.1:5000", "203.0.113.5", nil, "192.0.2.1/32"},
		{"forwarded, peer not a proxy", "192.0.2.1:5000", "203.0.113.5", proxy, "192.0.2.1/32"},
		{"forwarded by a proxy", "10.1.1.1:5000", "203.0.113.5", proxy, "203.0.113.5/32"},
		// The right-most entry that is not a proxy: those left of it
		// are the client's to write.
		{"forged entry left of the client", "10.1.1.1:5000", "198.51.100.1, 203.0.113.5", proxy, "203.0.113.5/32"},
		{"two proxies", "10.1.1.1:5000", "203.0.113.5, 10.2.2.2", proxy, "203.0.113.5/32"},
		{"unreadable entry", "10.1.1.1:5000", "203.0.113.5, junk", proxy, "10.1.1.1/32"},
		{"only proxies", "10.1.1.1:5000", "10.3.3.3, 10.2.2.2", proxy, "10.3.3.3/32"},
		{"no header from a proxy", "[::1]:5000", "", proxy, "::/64"},
		{"unix socket", "@", "", nil, "invalid Prefix"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := sourceOf(r, tt.trusted).String(); got != tt.want {
			t.Errorf("%s: source %s, want %s", tt.name, got, tt.want)
		}
	}
}
