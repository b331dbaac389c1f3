package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart/coord"
)

// TestPatternValues: the parser-backed reader the node uses for watchlists
// finds the same values as the engine's own scanner.
func TestPatternValues(t *testing.T) {
	for _, p := range []string{
		"[ipv4-addr:value = '10.0.0.1']",
		"[domain-name:value = 'a.example'] OR [url:value = 'http://b.example/it\\'s']",
		"([autonomous-system:number = 64500] AND [x-custom:a_b = 'c']) WITHIN 60 SECONDS",
		"[email-message:to_refs[*].value IN ('a@b.example', 'c@d.example')]",
		"[network-traffic:dst_ref.value ISSUBSET '192.0.2.0/24' AND network-traffic:dst_port = 443]",
		"[file:hashes.'SHA-256' = 'ab']",
		"[domain-name:value != 'gouv.example'] AND [domain-name:value NOT = 'x.example']",
		"[process:pid > 4]",
	} {
		want, err := coord.SimplePatterns{}.Values(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := patternValues{}.Values(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if p == "[file:hashes.'SHA-256' = 'ab']" {
			// The scanner cannot read quoted keys; the parser can.
			want = []coord.Observable{{Type: "file", Path: "hashes.SHA-256", Value: "ab"}}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-scanner +parser):\n%s", p, diff)
		}
	}
	if _, err := (patternValues{}).Values("[domain-name:value = "); err == nil {
		t.Error("a malformed pattern was read")
	}
}
