package main

import (
	"context"
	"flag"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/trust"
)

var registryUsage = helpText("registry-usage.txt")

// registryFlags are the flags of the registry commands; each registers
// those of its own.
type registryFlags struct {
	req                                 node.RegistryRequest
	expires, validFor, validFrom, since string
	asJSON                              bool
}

func (f *registryFlags) register(fs *flag.FlagSet, _ func(string) string) {
	r, e := &f.req, &f.req.Entry
	f.expires, f.validFor, r.Reason = "90d", "730d", trust.ReasonKeyCompromise
	for name, p := range map[string]map[string]*string{
		"init":   {"expires": &f.expires},
		"add":    {"org": &e.ID, "name": &e.Name, "country": &e.Country, "role": (*string)(&e.Role), "keys": &e.KeysFile, "valid-from": &f.validFrom, "valid-for": &f.validFor},
		"revoke": {"kid": &r.KID, "keys": &r.KeysFile, "reason": &r.Reason, "since": &f.since},
		"sign":   {"key": &r.KeyFile}, "verify": {"trusted": &r.Trusted, "fingerprint": &r.Fingerprint},
	}[strings.TrimPrefix(fs.Name(), "registry ")] {
		fs.StringVar(p, name, *p, "")
	}
	switch fs.Name() {
	case "registry init":
		fs.IntVar(&r.Threshold, "threshold", 0, "")
		fs.Var((*repeatedFlag)(&r.Authorities), "authority", "")
	case "registry add":
		fs.Var((*repeatedFlag)(&e.Nodes), "node", "")
	case "registry show":
		fs.BoolVar(&f.asJSON, "json", false, "")
	}
}

var registryFile = cli.Exactly(1, "one REGISTRY file argument (after the flags)")

// registryCommands are the registry commands, each on one REGISTRY file.
var registryCommands = cli.Subcommands{Cmd: "registry", Usage: registryUsage, Names: "init, add, revoke, sign, verify or show", Args: map[string]cli.Arity{
	"init": registryFile, "add": registryFile, "revoke": registryFile, "sign": registryFile, "verify": registryFile, "show": registryFile,
}}

func (m *Main) runRegistry(ctx context.Context, args []string) error {
	var f registryFlags
	sub, pos, _, err := m.parseSubcommand(registryCommands, args, &f)
	if err != nil {
		return err
	}
	r := &f.req
	r.Op, r.Path = sub, pos[0]
	if r.Expires, err = cli.ParseDays(f.expires); err != nil {
		return m.Usagef("--expires: %v", err)
	}
	if r.Entry.ValidFor, err = cli.ParseDays(f.validFor); err != nil {
		return m.Usagef("--valid-for: %v", err)
	}
	if r.Entry.ValidFrom, err = m.parseTime("valid-from", f.validFrom); err != nil {
		return err
	}
	if r.Since, err = m.parseTime("since", f.since); err != nil {
		return err
	}
	c, err := node.ChangeRegistry(*r)
	if err != nil {
		return m.usageOf(err)
	}
	if f.asJSON {
		data, err := c.JSON()
		if err == nil {
			m.PrintLine(data)
		}
		return err
	}
	if err := c.WriteText(m.Stdout); err != nil {
		return err
	}
	if c.Unconfirmed() {
		m.Hintf("this alone does not show that the authority is the right one: compare the fingerprint with one obtained out of band, or use --trusted")
	}
	if err := c.Expired(time.Now()); err != nil {
		m.Errorf("%v", err)
		return cli.ErrReported
	}
	return nil
}

// repeatedFlag collects a repeatable string flag.
type repeatedFlag []string

func (l *repeatedFlag) String() string     { return strings.Join(*l, ",") }
func (l *repeatedFlag) Set(s string) error { *l = append(*l, s); return nil }

// parseTime parses an RFC 3339 time flag; "" is the zero time.
func (m *Main) parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, m.Usagef("--%s %q is not an RFC 3339 time (2026-01-02T15:04:05Z)", name, v)
	}
	return t, nil
}

// readPinnedRegistry reads the registry at path as node.ReadPinnedRegistry
// does, printing its warning; a registry not pinned is a usage error.
func (m *Main) readPinnedRegistry(path, fingerprint string, unpinned bool) (*trust.Registry, error) {
	reg, warning, err := node.ReadPinnedRegistry(path, fingerprint, unpinned)
	if warning != "" {
		m.Warnf("%s", warning)
	}
	return reg, m.usageOf(err)
}

// resolveOrgs turns the organisations a flag names into identity ids
// (node.ResolveOrganizations).
func resolveOrgs(reg *trust.Registry, items []string, flag string, role trust.Role) ([]string, error) {
	return node.ResolveOrganizations(reg, items, flag, role)
}
