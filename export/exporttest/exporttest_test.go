package exporttest

import (
	"errors"
	"strings"
	"testing"
)

// TestMissingParsers checks that a machine without the parsers fails the
// tests that need them, naming the Debian package to install.
func TestMissingParsers(t *testing.T) {
	py, cz := pythons, checkzones
	t.Cleanup(func() { pythons, checkzones = py, cz })
	pythons, checkzones = []string{"/nonexistent/python3"}, []string{"/nonexistent/named-checkzone"}
	if _, err := ParseSuricataRules([]byte("alert ip any any -> any any (msg:\"x\"; sid:1; rev:1;)\n")); !errors.Is(err, ErrSuricataUpdateMissing) || !strings.Contains(err.Error(), "apt-get install suricata-update") {
		t.Errorf("without suricata-update: %v", err)
	}
	if _, err := CheckZone("rpz.example", []byte("$TTL 1\n")); !errors.Is(err, ErrNamedCheckzoneMissing) || !strings.Contains(err.Error(), "apt-get install bind9-utils") {
		t.Errorf("without named-checkzone: %v", err)
	}
}

// TestParsers checks that the parsers are here, and tell a good rule and
// zone from bad ones.
func TestParsers(t *testing.T) {
	rules, err := ParseSuricataRules([]byte("# a comment\nalert ip any any -> any any (msg:\"x\"; sid:7; rev:2;)\nalert ip any any -> any any (msg:\"no sid\"; rev:1;)\nnot a rule\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 3 || rules[0] == nil || rules[0]["sid"] != float64(7) || rules[0]["msg"] != "x" || rules[2] != nil {
		t.Errorf("rules: %v", rules)
	}
	good := "$TTL 300\n@ IN SOA localhost. h.localhost. ( 1 3600 600 86400 300 )\n@ IN NS localhost.\nevil.example CNAME .\n"
	if _, err := CheckZone("rpz.example", []byte(good)); err != nil {
		t.Errorf("a good zone: %v", err)
	}
	if _, err := CheckZone("rpz.example", []byte(good+"evil.example A 192.0.2.1\n")); err == nil {
		t.Errorf("CNAME and other data: passes")
	}
}
