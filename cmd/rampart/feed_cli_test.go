package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/feed"
)

// TestFeedHelpAndUsageErrors: "rampart feed" answers -h with its usage,
// flags and examples, names every preset, and refuses bad definitions
// with exit status 2 and an error that says what is wrong, before it opens
// any node.
func TestFeedHelpAndUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"feed", "-h"}, {"feed", "add", "-h"}, {"help", "feed"}} {
		stdout, stderr, code := runCLI(t, "", nil, args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "Usage: rampart feed") || !strings.Contains(stdout, "Examples:") {
			t.Errorf("rampart %s: exit %d, stderr %q\n%s", strings.Join(args, " "), code, stderr, stdout)
		}
		for _, p := range feed.Presets() {
			if !strings.Contains(stdout, p) {
				t.Errorf("rampart %s: preset %s not named", strings.Join(args, " "), p)
			}
		}
	}
	if stdout, _, _ := runCLI(t, "", nil, "feed", "add", "-h"); !strings.Contains(stdout, "--http-header-stdin NAME") {
		t.Errorf("feed add -h lists no flags:\n%s", stdout)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"feed"}, `^Usage: rampart feed`},
		{[]string{"feed", "frob"}, `error: unknown feed command "frob" \(want add, list, run, runs or remove\)\n.*hint:`},
		{[]string{"feed", "add"}, `error: feed add needs one NAME`},
		{[]string{"feed", "run"}, `error: feed run takes feed NAMEs or --all`},
		{[]string{"feed", "run", "x", "--all"}, `error: feed run takes feed NAMEs or --all`},
		{[]string{"feed", "add", "x"}, `error: feed add x: give --url \(or a --preset\)`},
		{[]string{"feed", "add", "x", "--preset", "nope"}, `error: --preset: no preset "nope" \(presets: bambenek-c2,`},
		{[]string{"feed", "add", "x", "--preset", "cert-eu"}, `error: feed add x: preset cert-eu has no public URL: give --url`},
		{[]string{"feed", "add", "x", "--url", "http://feeds.example/a.txt"}, `error: feed add x: give --format`},
		{[]string{"feed", "add", "x", "--url", "ftp://feeds.example/a.txt", "--format", "list"}, `error: feed x: url "ftp://feeds.example/a.txt" is not an http or https URL`},
		{[]string{"feed", "add", "x", "--url", "http://feeds.example/a", "--format", "xml"}, `error: feed x: format "xml" is not one of taxii, misp, csv, list, jsonl, json`},
		{[]string{"feed", "add", "x", "--url", "http://feeds.example/a", "--format", "list", "--kind", "ip"}, `error: feed x: kind "ip" is not one of asn, cidr,`},
		{[]string{"feed", "add", "x", "--url", "http://feeds.example/a", "--format", "list", "--interval", "10ms"}, `error: feed x: interval 10ms is shorter than the minimum 1s`},
		{[]string{"feed", "add", "x", "--url", "http://feeds.example/a", "--format", "list", "--marking", "purple"}, `error: feed x: marking: "purple" is not a TLP level`},
		{[]string{"feed", "add", "x", "--url", "http://feeds.example/a", "--format", "list", "--confidence", "101"}, `error: feed x: confidence 101 is not within 0-100`},
		{[]string{"feed", "add", "x", "--url", "https://cti.example/taxii2/", "--format", "taxii"}, `error: feed x: url "https://cti.example/taxii2/" is not a TAXII 2.1 collection URL`},
		{[]string{"feed", "add", "bad name", "--url", "http://feeds.example/a", "--format", "list"}, `error: feed name "bad name": use 1 to 64 letters`},
		{[]string{"feed", "add", "x", "--url", "http://feeds.example/a", "--format", "list", "--http-header", "novalue"}, `error: --http-header "novalue": want NAME: VALUE`},
	} {
		stdout, stderr, code := runCLI(t, "", nil, c.args...)
		if code != 2 || stdout != "" || !regexp.MustCompile(c.want).MatchString(stderr) {
			t.Errorf("rampart %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), code, stdout, stderr, c.want)
		}
	}
}
