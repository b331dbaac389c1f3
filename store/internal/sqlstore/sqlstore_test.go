package sqlstore

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBind(t *testing.T) {
	tests := []struct {
		numbered bool
		in, want string
	}{
		{false, "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = ? AND c = ?"},
		{true, "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2"},
		{true, "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"},
		{true, "SELECT 1", "SELECT 1"},
	}
	for _, tt := range tests {
		d := &Dialect{Numbered: tt.numbered}
		if got := d.bind(tt.in); got != tt.want {
			t.Errorf("bind(%q), numbered %v = %q, want %q", tt.in, tt.numbered, got, tt.want)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		prefix, want string
		ok           bool
	}{
		{"", "", false},
		{"ew/", "ew0", true},
		{"a\x7f", "a\u0080", true},
		{"\ud7ff", "\ue000", true}, // past the surrogates
		{"a\U0010ffff", "b", true},
		{"\U0010ffff\U0010ffff", "", false},
	}
	for _, tt := range tests {
		got, ok := prefixEnd(tt.prefix)
		if got != tt.want || ok != tt.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tt.prefix, got, ok, tt.want, tt.ok)
		}
		if ok && (!utf8.ValidString(got) || got <= tt.prefix || strings.HasPrefix(got, tt.prefix)) {
			t.Errorf("prefixEnd(%q) = %q: not a UTF-8 string above every string with the prefix", tt.prefix, got)
		}
	}
}
