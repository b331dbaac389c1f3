package main

import (
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/internal/cli"
)

// commands is every subcommand, with the arguments that name it ("user
// add" for "user"), as "rampart help" lists them.
var commands = [][]string{
	{"serve"}, {"import"}, {"export"}, {"user", "add"}, {"collection", "add"},
	{"pattern", "check"}, {"match"}, {"match", "generate"}, {"attribute"}, {"attribution", "eval"},
	{"keys", "generate"}, {"keys", "sign"}, {"registry", "init"}, {"registry", "show"}, {"verify"},
	{"peer", "add"}, {"incident", "create"}, {"alert", "list"}, {"statement", "draft"},
	{"bench", "taxii"}, {"bench", "import"}, {"bench", "pages"}, {"bench", "attack", "slow-body"},
	{"bench", "attack", "writers"}, {"warninglist", "add"}, {"evidence", "package"}, {"evidence", "verify"}, {"version"},
}

// TestHelp checks that every command answers -h and --help with its usage
// and examples on stdout, nothing on stderr, and exit status 0; and that
// no usage text shows the PostgreSQL URL of the environment, which may
// hold a password (the flag defaults once printed it).
func TestHelp(t *testing.T) {
	const secret = "s3cret-db-password"
	env := []string{"RAMPART_POSTGRES=postgres://rampart:" + secret + "@db.example/rampart"}
	for _, cmd := range commands {
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string{}, cmd...), h)
			stdout, stderr, code := runCLI(t, "", env, args...)
			if code != 0 || stderr != "" || !strings.Contains(stdout, "Usage") || !strings.Contains(stdout, "Example") {
				t.Errorf("rampart %s: exit %d, stderr %q, stdout without usage and examples:\n%s", strings.Join(args, " "), code, stderr, stdout)
			}
			if strings.Contains(stdout+stderr, secret) {
				t.Errorf("rampart %s printed the password of $RAMPART_POSTGRES", strings.Join(args, " "))
			}
		}
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"user", "help"}, {"pattern", "check", "-h"}, {"keys", "--help"}} {
		stdout, stderr, code := runCLI(t, "", nil, args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "Usage") {
			t.Errorf("rampart %s: exit %d, stderr %q, stdout %q", strings.Join(args, " "), code, stderr, stdout)
		}
	}
}

// TestUsageErrors checks each command's usage-error paths: exit status 2,
// nothing on stdout, and on stderr "rampart: error: …" with what is wrong
// and a hint, or (for a command that needs a subcommand and got none) its
// usage. A bad flag never dumps the whole usage text.
func TestUsageErrors(t *testing.T) {
	if _, err := os.Stat("rampart-data"); err == nil {
		t.Fatal("rampart-data exists in the package directory before the test; remove it")
	}
	t.Cleanup(func() {
		if _, err := os.Stat("rampart-data"); err == nil {
			t.Error("a usage error opened a store: rampart-data was created")
			os.RemoveAll("rampart-data")
		}
	})
	// Every command refuses an unknown flag the same way.
	for _, cmd := range commands {
		args := append(append([]string{}, cmd...), "--no-such-flag")
		stdout, stderr, code := runCLI(t, "", nil, args...)
		name := strings.Join(cmd, " ")
		want := "rampart: error: " + name + ": flag provided but not defined: --no-such-flag\n" +
			`rampart: hint: run "rampart ` + name + ` -h" for its flags and examples` + "\n"
		if code != 2 || stdout != "" || stderr != want {
			t.Errorf("rampart %s: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and:\n%s", strings.Join(args, " "), code, stdout, stderr, want)
		}
	}
	tests := []struct {
		args   []string
		stderr string // a regular expression
	}{
		{nil, `^Rampart: .*\n\nUsage:`},
		{[]string{"frobnicate"}, `error: unknown command "frobnicate"\n.*hint:`},
		{[]string{"version", "extra"}, `error: version takes no arguments \(got 1: \["extra"\]\)`},
		{[]string{"serve", "extra"}, `error: serve takes no arguments`},
		{[]string{"serve", "--listen", "0.0.0.0:0"}, `error: refusing to serve plain HTTP on "0.0.0.0:0".*\n.*hint: give --tls-cert`},
		{[]string{"serve", "--tls-cert", "a.crt"}, `error: --tls-cert and --tls-key go together`},
		{[]string{"serve", "--identity", "a.key"}, `error: --identity "a.key": no such file`},
		{[]string{"serve", "--log-level", "loud"}, `error: --log-level "loud"`},
		{[]string{"import"}, `error: import needs at least one FILE`},
		{[]string{"export", "x"}, `error: export takes no arguments`},
		{[]string{"export", "--added-after", "yesterday"}, `error: --added-after:`},
		{[]string{"user"}, `^Usage: rampart user`},
		{[]string{"user", "frob"}, `error: unknown user command "frob" \(want add, list, grant, org, token, passwd or delete\)\n.*hint:`},
		{[]string{"user", "add"}, `error: user add needs NAME`},
		{[]string{"user", "grant", "a"}, `error: user grant takes NAME and COLLECTION \(got 1`},
		{[]string{"collection"}, `^Usage: rampart collection`},
		{[]string{"collection", "frob"}, `error: unknown collection command "frob"`},
		{[]string{"collection", "list", "x"}, `error: collection list takes no arguments`},
		{[]string{"pattern"}, `^Usage:\n    rampart pattern check`},
		{[]string{"pattern", "frob"}, `error: unknown pattern command "frob" \(want check or match\)`},
		{[]string{"pattern", "check"}, `error: pattern check takes one PATTERN argument`},
		{[]string{"pattern", "match", "[x:y = 1]"}, `error: pattern match takes PATTERN and FILE`},
		{[]string{"match"}, `error: give either --indicators FILE or --collection REF`},
		{[]string{"match", "--indicators", "a", "extra"}, `error: match takes flags only`},
		{[]string{"match", "--indicators", "a", "--identity", "x"}, `error: --identity "x" is not an identity--UUID identifier`},
		{[]string{"match", "generate"}, `error: match generate needs --dir DIR`},
		{[]string{"attribute"}, `error: attribute needs --bundle FILE`},
		{[]string{"attribute", "--bundle", "kb.json"}, `error: attribute needs --queries FILE\|- or --techniques/--software`},
		{[]string{"attribution"}, `^Usage:\n    rampart attribution eval`},
		{[]string{"attribution", "frob"}, `error: unknown attribution command "frob"`},
		{[]string{"attribution", "eval"}, `error: attribution eval needs --bundle FILE`},
		{[]string{"keys"}, `^Usage:\n    rampart keys generate`},
		{[]string{"keys", "frob"}, `error: unknown keys command "frob" \(want generate or sign\)`},
		{[]string{"keys", "generate"}, `error: keys generate needs -o FILE and no arguments`},
		{[]string{"keys", "generate", "-o", "x.key", "--profile", "weak"}, `error: .*weak`},
		{[]string{"keys", "sign"}, `error: keys sign needs --key FILE and one INPUT`},
		{[]string{"registry"}, `^Usage:\n    rampart registry init`},
		{[]string{"registry", "frob"}, `error: unknown registry command "frob"`},
		{[]string{"registry", "show"}, `error: registry show needs one REGISTRY file argument`},
		{[]string{"registry", "init", "r.json"}, `error: registry init needs --threshold K and at least one --authority NAME=FILE.pub`},
		{[]string{"verify"}, `error: verify needs --registry REGISTRY and at least one FILE\n.*hint:`},
		{[]string{"verify", "--registry", "r.json", "--policy", "weak", "b.json"}, `error: --policy:`},
		{[]string{"peer"}, `^Usage: rampart peer`},
		{[]string{"peer", "frob"}, `error: unknown peer command "frob"`},
		{[]string{"peer", "add"}, `error: peer add needs --org IDENTITY`},
		{[]string{"peer", "remove"}, `error: peer remove needs one IDENTITY`},
		{[]string{"incident"}, `^Usage: rampart incident`},
		{[]string{"incident", "frob"}, `error: unknown incident command "frob"`},
		{[]string{"incident", "show"}, `error: incident show needs one incident ID`},
		{[]string{"incident", "list", "--now", "soon"}, `error: --now "soon": give an RFC 3339 time`},
		{[]string{"incident", "create", "--name", "x"}, `error: incident create needs --name TEXT and --detected TIME`},
		{[]string{"incident", "update", "incident--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10"}, `error: incident update needs at least one change`},
		{[]string{"incident", "update", "incident--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10", "--tlp", "clear"}, `error: --tlp is set when an incident is created`},
		{[]string{"alert"}, `^Usage: rampart alert`},
		{[]string{"alert", "frob"}, `error: unknown alert command "frob"`},
		{[]string{"alert", "show"}, `error: alert show needs one alert ID`},
		{[]string{"alert", "scan", "--now", "soon"}, `error: --now "soon"`},
		{[]string{"alert", "watchlist", "frob"}, `error: unknown watchlist command "frob"`},
		{[]string{"alert", "watchlist", "add"}, `error: alert watchlist add needs a NAME`},
		{[]string{"alert", "webhook", "add", "https://soc.example/hook"}, `error: alert webhook add needs --secret-stdin`},
		{[]string{"attribute", "--limit", "x"}, `error: attribute: invalid value "x" for flag --limit`},
		{[]string{"keys", "generate", "-o"}, `error: keys generate: flag needs an argument: -o\n`},
		{[]string{"statement"}, `^Usage: rampart statement`},
		{[]string{"statement", "frob"}, `error: unknown statement command "frob"`},
		{[]string{"statement", "sign"}, `error: statement sign needs one statement ID`},
		{[]string{"statement", "verify", "s.json"}, `error: statement verify needs --registry FILE`},
		{[]string{"statement", "draft", "--key", "k", "--registry", "r"}, `error: statement draft needs --confidence N`},
		{[]string{"statement", "sign"}, `error: statement sign needs one statement ID`},
		{[]string{"evidence"}, `^Usage: rampart evidence`},
		{[]string{"evidence", "frob"}, `error: unknown evidence command "frob" \(want package, hand-over, receive, verify or open\)`},
		{[]string{"evidence", "package", "--incident", "incident--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10", "--out", "p.evidence"}, `error: evidence package needs --to`},
		{[]string{"evidence", "hand-over", "--in", "p.evidence", "--to", "x.pub", "--out", "q.evidence"}, `error: evidence hand-over needs --purpose`},
		{[]string{"evidence", "verify"}, `error: evidence verify needs --in`},
		{[]string{"evidence", "verify", "--in", "p.evidence", "--artefact", "x"}, `error: evidence verify does not take --artefact`},
		{[]string{"evidence", "receive", "--in", "p.evidence", "--out", "q.evidence", "extra"}, `error: evidence receive takes no arguments`},
		{[]string{"evidence", "receive", "--in", "p.evidence", "--out", "q.evidence", "--insecure-unpinned"}, `error: --registry-fingerprint and --insecure-unpinned go with --key FILE`},
		{[]string{"bench"}, `^Usage: rampart bench`},
		{[]string{"bench", "frob"}, `error: unknown bench command "frob" \(want taxii, import, pages, console, attack or federation\)`},
		{[]string{"bench", "pages", "--object-size", "1"}, `error: --object-size: want a size of at least 300 bytes \(got "1"\)`},
		{[]string{"bench", "taxii", "--pages", "0"}, `error: --pages must be at least 1 \(got 0\)`},
		{[]string{"bench", "import", "--size", "huge"}, `error: --size: "huge" is not a size`},
	}
	for _, tt := range tests {
		stdout, stderr, code := runCLI(t, "", nil, tt.args...)
		if code != 2 || stdout != "" || !regexp.MustCompile(tt.stderr).MatchString(stderr) {
			t.Errorf("rampart %s: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and stderr matching %s", strings.Join(tt.args, " "), code, stdout, stderr, tt.stderr)
		}
	}
}

// TestFlagsAfterArguments: flags may follow the positional arguments, and
// "--" ends the flags.
func TestFlagsAfterArguments(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		wantName  string
		wantQuiet bool
		wantPos   []string
	}{
		{[]string{"--name", "x", "a", "b"}, "x", false, []string{"a", "b"}},
		{[]string{"a", "--name", "x", "b", "-q"}, "x", true, []string{"a", "b"}},
		{[]string{"a", "--", "--name", "x"}, "", false, []string{"a", "--name", "x"}},
		{[]string{"-q", "--", "-"}, "", true, []string{"-"}},
	} {
		fs := cli.NewFlagSet("test", "")
		name := fs.String("name", "", "")
		quiet := fs.Bool("q", false, "")
		m := &Main{IO: cli.IO{Stdout: io.Discard, Stderr: io.Discard}}
		if err := m.ParseFlags(fs, tc.args); err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if *name != tc.wantName || *quiet != tc.wantQuiet || !slices.Equal(fs.Args(), tc.wantPos) {
			t.Errorf("%q: name %q quiet %v args %q; want %q %v %q", tc.args, *name, *quiet, fs.Args(), tc.wantName, tc.wantQuiet, tc.wantPos)
		}
	}
}

// TestUsageMentionsEveryFlag asks every subcommand for its usage, which
// warns on stderr of a flag the hand-kept text does not mention.
func TestUsageMentionsEveryFlag(t *testing.T) {
	var all [][]string
	for _, c := range []cli.Subcommands{alertCommands, auditCommands, collectionCommands, evidenceCommands, feedCommands,
		incidentCommands, lifecycleCommands, logCommands, orgCommands, peerCommands, registryCommands,
		statementCommands, userCommands, warninglistCommands} {
		for sub := range c.Args {
			all = append(all, []string{c.Cmd, sub})
		}
	}
	all = append(all, []string{"user", "token", "list"}, []string{"user", "token", "revoke"}, []string{"pattern", "check"}, []string{"pattern", "match"},
		[]string{"keys", "generate"}, []string{"keys", "sign"}, []string{"attribution", "eval"}, []string{"match", "generate"},
		[]string{"bench", "attack", "slow-body"}, []string{"bench", "console"}, []string{"bench", "federation"}, []string{"bench", "import"},
		[]string{"bench", "pages"}, []string{"bench", "taxii"})
	for _, name := range []string{"serve", "worker", "init", "import", "export", "hunt", "match", "attribute", "verify", "qkd-sim", "version"} {
		all = append(all, []string{name})
	}
	for _, args := range all {
		stdout, stderr, code := runCLI(t, "", nil, append(args, "-h")...)
		if code != 0 || stderr != "" || stdout == "" {
			t.Errorf("rampart %s -h: exit %d, stderr %q", strings.Join(args, " "), code, stderr)
		}
	}
}
