package main

// Output rules of the rampart command, which every subcommand follows:
//
//   - Results go to stdout, and only results: what a script reads or pipes
//     on (an id, a table, JSON lines, a bundle, a one-time password).
//   - Diagnostics go to stderr: "rampart: error: …" says what failed and
//     names the file, object, flag or argument concerned; "rampart: hint: …"
//     says what to do about it. Progress lines and notices ("rampart:
//     created …") go there too, and so does the summary of a command whose
//     stdout carries data (export, match); where the summary is all a
//     command has to say (import), it is the result.
//   - The exit status is 0 on success, 1 on failure and 2 on a usage error:
//     a missing or unknown subcommand, argument or flag, or a malformed flag
//     value. A command that answers a question may use 1 for "no" ("pattern
//     match" prints "no match").
//   - Usage texts, examples, errors and hints spell flags with two dashes
//     (--data DIR); Go's flag package accepts one dash too. The one-letter
//     flags -o and -h keep one dash.
//   - "-h", "--help" or "help" prints the command's usage, with examples, on
//     stdout and exits 0. A bad flag or argument prints an error and a hint
//     on stderr and exits 2; a command that needs a subcommand and got none
//     prints its usage on stderr and exits 2.
//   - Secrets are printed only by the commands that exist to show them once
//     (a generated password, a new bearer token), on stdout; they never
//     appear in usage texts, errors or logs. Secrets are read from standard
//     input or files, never from flags, which other users can read in the
//     process list.

import (
	"bufio"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// errUsage reports a usage error that has already been printed.
var errUsage = errors.New("usage error")

// errReported reports a failure whose message has already been printed.
var errReported = errors.New("failure reported")

// errHelp reports that a command printed its usage because it was asked
// to: a success.
var errHelp = errors.New("help shown")

func (m *Main) exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errReported):
		return 1
	}
	m.errorf("%s", err)
	return 1
}

func (m *Main) errorf(format string, args ...any) {
	fmt.Fprintf(m.Stderr, "rampart: error: "+format+"\n", args...)
}

func (m *Main) warnf(format string, args ...any) {
	fmt.Fprintf(m.Stderr, "rampart: warning: "+format+"\n", args...)
}

func (m *Main) hintf(format string, args ...any) {
	fmt.Fprintf(m.Stderr, "rampart: hint: "+format+"\n", args...)
}

// usagef reports a usage error: it prints the error and returns errUsage.
func (m *Main) usagef(format string, args ...any) error {
	m.errorf(format, args...)
	return errUsage
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// newFlagSet returns the flag set of a command whose usage text is usage.
// Commands that list their flags' defaults set their own Usage, writing to
// fs.Output().
func newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage) }
	return fs
}

// printFlags writes the flags of fs as flag.PrintDefaults does, but
// spelled with two dashes as in every usage text.
func printFlags(fs *flag.FlagSet) {
	w := fs.Output()
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if name != "" {
			fmt.Fprintf(w, " %s", name)
		}
		fmt.Fprintf(w, "\n    \t%s", strings.ReplaceAll(usage, "\n", "\n    \t"))
		if def := f.DefValue; def != "" && def != "0" && def != "false" {
			if g, ok := f.Value.(flag.Getter); ok {
				if _, isString := g.Get().(string); isString {
					def = fmt.Sprintf("%q", def)
				}
			}
			fmt.Fprintf(w, " (default %s)", def)
		}
		fmt.Fprintln(w)
	})
}

// parseFlags parses a command's flags. -h prints the command's usage on
// stdout and returns errHelp; a bad flag is a usage error, reported as
// "rampart: error:" with a hint rather than the flag package's message
// followed by the whole usage text.
// parseFlags parses flags that may come before or after the positional
// arguments ("rampart keys sign in.json --key org.key" as well as
// "rampart keys sign --key org.key in.json"), leaving the positional ones
// in fs.Args(). "--" ends the flags.
func (m *Main) parseFlags(fs *flag.FlagSet, args []string) error {
	pos, err := m.parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// parseFlagsOnce parses the flags before the first positional argument.
func (m *Main) parseFlagsOnce(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(m.Stdout)
		fs.Usage()
		return errHelp
	}
	// The flag package names flags with one dash; usage texts use two.
	m.errorf("%s: %s", fs.Name(), longFlagRE.ReplaceAllString(err.Error(), "$1--$2"))
	m.hintf(`run "rampart %s -h" for its flags and examples`, fs.Name())
	return errUsage
}

// longFlagRE matches a flag name of more than one letter in the flag
// package's error messages ("flag provided but not defined: -bogus").
var longFlagRE = regexp.MustCompile(`(: |flag )-(\w[\w-]+)`)

// parseInterspersed parses flags that may come before or after positional
// arguments, as "rampart user grant NAME COLL --read" reads naturally, and
// returns the positional arguments. Errors are those of parseFlags.
func (m *Main) parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := m.parseFlagsOnce(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			// "--" ends the flags: the rest is positional, whatever it looks like.
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// subcommand splits the arguments of a command that has subcommands
// ("rampart user add …"). Without arguments it prints usage on stderr and
// returns errUsage; asked for help it prints usage on stdout and returns
// errHelp.
func (m *Main) subcommand(args []string, usage string) (sub string, rest []string, err error) {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return "", nil, errUsage
	}
	if isHelp(args[0]) {
		fmt.Fprint(m.Stdout, usage)
		return "", nil, errHelp
	}
	return args[0], args[1:], nil
}

// unknownSubcommand reports a subcommand that cmd does not have.
func (m *Main) unknownSubcommand(cmd, sub, want string) error {
	m.errorf("unknown %s command %q (want %s)", cmd, sub, want)
	m.hintf(`run "rampart %s -h" for its commands and examples`, cmd)
	return errUsage
}

// arity is how many positional arguments a command takes, from lo to hi,
// and how its usage error says so ("one IDENTITY").
type arity struct {
	lo, hi int
	want   string
}

// exactly is the arity of a command that takes n arguments.
func exactly(n int, want string) arity { return arity{n, n, want} }

// parseArgs parses a command's flags, which may come before or after its
// positional arguments, and returns the positional ones, refusing a number
// the arity does not allow.
func (m *Main) parseArgs(fs *flag.FlagSet, args []string, a arity) ([]string, error) {
	pos, err := m.parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) < a.lo || len(pos) > a.hi {
		return nil, m.wrongArgs(fs.Name(), a.want, pos)
	}
	return pos, nil
}

// subcommands describes the subcommands of a command ("rampart user
// add …") that share one set of flags: the arguments each takes, and
// their names as an unknown one's error lists them ("add, list or
// delete").
type subcommands struct {
	cmd, usage string
	args       map[string]arity
	names      string
}

// flagSetter registers a command's flags on its flag set.
type flagSetter interface {
	register(fs *flag.FlagSet, getenv func(string) string)
}

// parseSubcommand splits args into a subcommand of c and its positional
// arguments, parsing the flags f registers. Errors are those of subcommand,
// unknownSubcommand and parseArgs, printed already.
func (m *Main) parseSubcommand(c subcommands, args []string, f flagSetter) (sub string, pos []string, fs *flag.FlagSet, err error) {
	sub, args, err = m.subcommand(args, c.usage)
	if err != nil {
		return "", nil, nil, err
	}
	a, ok := c.args[sub]
	if !ok {
		return "", nil, nil, m.unknownSubcommand(c.cmd, sub, c.names)
	}
	fs = newFlagSet(c.cmd+" "+sub, c.usage)
	f.register(fs, m.Getenv)
	pos, err = m.parseArgs(fs, args, a)
	return sub, pos, fs, err
}

// wrongArgs reports a wrong number of positional arguments.
func (m *Main) wrongArgs(cmd, want string, got []string) error {
	if len(got) == 0 {
		m.errorf("%s needs %s", cmd, want)
	} else {
		m.errorf("%s takes %s (got %d: %q)", cmd, want, len(got), got)
	}
	m.hintf(`run "rampart %s -h" for examples`, strings.Fields(cmd)[0])
	return errUsage
}

// openInput opens the named file, or standard input for "-". Closing the
// result closes the file, never standard input.
func (m *Main) openInput(name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(m.Stdin), nil
	}
	return os.Open(name)
}

// splitComma splits a comma-separated flag value, dropping empty items.
func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// readLine reads one line from standard input, a secret a command must not
// take from its flags; what names it in errors ("password").
func (m *Main) readLine(what string) (string, error) {
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the %s from standard input: %v", what, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no %s on standard input", what)
	}
	return line, nil
}

// table returns a writer of aligned columns on stdout with header (columns
// separated by tabs) as its first line, none when it is empty; Flush
// prints the table.
func (m *Main) table(header string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	if header != "" {
		fmt.Fprintln(tw, header)
	}
	return tw
}

// printLine writes a JSON document (an object's raw form) as one line on
// stdout.
func (m *Main) printLine(b []byte) {
	fmt.Fprintf(m.Stdout, "%s\n", b)
}

// dash returns s, or "-" for an empty value in a table or a summary.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printJSON writes v as indented JSON, its object members sorted, on
// stdout.
func (m *Main) printJSON(v any) error {
	b, err := json.Marshal(v, json.Deterministic(true), jsontext.WithIndent("  "))
	if err != nil {
		return err
	}
	m.printLine(b)
	return nil
}

// flagGiven reports whether a flag was given on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// plural writes a count with its noun, "1 object", "2 objects".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// parseDays parses a Go duration or a number of days ("90d") or
// years ("2y", 365 days each).
func parseDays(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "y": 365 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("%q is not a duration (90d, 2y, 36h)", s)
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (90d, 2y, 36h)", s)
	}
	return d, nil
}
