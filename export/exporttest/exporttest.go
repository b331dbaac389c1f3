// Package exporttest runs the parsers of the tools that load Rampart's
// exports: suricata-update's rule parser and BIND's named-checkzone.
// Tests call them on what they export, and fail (naming the Debian
// package to install) when a parser is missing.
package exporttest

import (
	"bytes"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// suricataParser is a Python program that reads rules with
// suricata-update's parser (suricata.update.rule) and prints each rule it
// read as a JSON object (null for a line it refuses), one a line, after a
// first line with the number of rule lines it was given.
const suricataParser = `
import json, sys
import suricata.update.rule as r
data = open(sys.argv[1], encoding="utf-8").read().splitlines()
lines = [l for l in data if l.strip() and not l.startswith("#")]
print(len(lines))
for l in lines:
    try:
        rule = r.parse(l)
    except Exception:
        rule = None
    print(json.dumps(dict(rule) if rule else None))
`

// Where the parsers are looked for, in order (tests change them).
var (
	pythons    = []string{"/usr/bin/python3", "python3"}
	checkzones = []string{"named-checkzone", "/usr/sbin/named-checkzone", "/usr/bin/named-checkzone"}
)

// ErrSuricataUpdateMissing is returned by ParseSuricataRules when no
// Python 3 with suricata-update's rule parser is found.
var ErrSuricataUpdateMissing = errors.New("suricata-update's rule parser (python3 module suricata.update.rule) not found: install Debian's package suricata-update (apt-get install suricata-update)")

// ErrNamedCheckzoneMissing is returned by CheckZone when named-checkzone
// is not found.
var ErrNamedCheckzoneMissing = errors.New("named-checkzone not found: install Debian's package bind9-utils (apt-get install bind9-utils)")

// SuricataRule is a rule as suricata-update's parser reads it: its
// fields, and every option by name (the last value of a repeated one).
type SuricataRule map[string]any

// ParseSuricataRules reads rules with suricata-update's own parser, the
// one suricata-update applies to every rule source, and returns the rules
// it read, nil in place of each line it could not read. It looks for
// Debian's python3 (/usr/bin/python3) first, where the package installs
// the module, then python3 on the PATH.
func ParseSuricataRules(rules []byte) ([]SuricataRule, error) {
	py := ""
	for _, c := range pythons {
		p, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		if exec.Command(p, "-c", "import suricata.update.rule").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		return nil, ErrSuricataUpdateMissing
	}
	dir, err := os.MkdirTemp("", "rampart-rules")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "rampart.rules")
	if err := os.WriteFile(file, rules, 0o600); err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd := exec.Command(py, "-c", suricataParser, file)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("suricata-update's parser: %v: %s", err, stderr.Bytes())
	}
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	var n int
	if _, err := fmt.Sscan(string(lines[0]), &n); err != nil || n != len(lines)-1 {
		return nil, fmt.Errorf("suricata-update's parser: unexpected output %q", out)
	}
	rs := make([]SuricataRule, n)
	for i, l := range lines[1:] {
		if err := json.Unmarshal(l, &rs[i]); err != nil {
			return nil, fmt.Errorf("suricata-update's parser: line %d: %v", i+2, err)
		}
	}
	return rs, nil
}

// CheckZone runs named-checkzone (BIND's zone checker, with full
// integrity checks and bad names refused) on a zone file for origin, and
// returns its output; the error includes the output when the zone fails.
func CheckZone(origin string, zone []byte) (string, error) {
	bin := ""
	for _, c := range checkzones {
		if p, err := exec.LookPath(c); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		return "", ErrNamedCheckzoneMissing
	}
	dir, err := os.MkdirTemp("", "rampart-zone")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "zone")
	if err := os.WriteFile(file, zone, 0o600); err != nil {
		return "", err
	}
	out, err := exec.Command(bin, "-i", "full", "-k", "fail", "-n", "fail", origin, file).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("named-checkzone %s: %v: %s", origin, err, out)
	}
	return string(out), nil
}
