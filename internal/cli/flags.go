package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// IsHelp reports whether arg asks for help.
func IsHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// NewFlagSet returns the flag set of a command whose usage text is usage.
// Commands that list their flags' defaults set their own Usage, writing to
// fs.Output().
func NewFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage) }
	return fs
}

// PrintFlags writes the flags of fs as flag.PrintDefaults does, but
// spelled with two dashes as in every usage text.
func PrintFlags(fs *flag.FlagSet) {
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

// FlagGiven reports whether a flag was given on the command line.
func FlagGiven(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// ParseFlags parses flags that may come before or after the positional
// arguments ("rampart keys sign in.json --key org.key" as well as
// "rampart keys sign --key org.key in.json"), leaving the positional ones
// in fs.Args(); "--" ends the flags. -h prints the command's usage on
// stdout and returns ErrHelp; a bad flag is a usage error, reported as
// "rampart: error:" with a hint rather than the flag package's message
// followed by the whole usage text.
func (c *IO) ParseFlags(fs *flag.FlagSet, args []string) error {
	pos, err := c.parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// parseOnce parses the flags before the first positional argument.
func (c *IO) parseOnce(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		var usage strings.Builder
		fs.SetOutput(&usage)
		fs.Usage()
		io.WriteString(c.Stdout, usage.String())
		for _, name := range Undocumented(fs, usage.String()) {
			c.Warnf("%s: the usage text does not mention --%s", fs.Name(), name)
		}
		return ErrHelp
	}
	// The flag package names flags with one dash; usage texts use two.
	c.Errorf("%s: %s", fs.Name(), longFlagRE.ReplaceAllString(err.Error(), "$1--$2"))
	c.Hintf(`run "rampart %s -h" for its flags and examples`, fs.Name())
	return ErrUsage
}

// longFlagRE matches a flag name of more than one letter in the flag
// package's error messages ("flag provided but not defined: -bogus").
var longFlagRE = regexp.MustCompile(`(: |flag )-(\w[\w-]+)`)

// parseInterspersed parses flags that may come before or after positional
// arguments, as "rampart user grant NAME COLL --read" reads naturally, and
// returns the positional arguments.
func (c *IO) parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := c.parseOnce(fs, args); err != nil {
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

// Vars registers flags with set (fs.IntVar, fs.StringVar, …), each with
// the value its pointer holds as default and no help string: the usage
// text describes them.
func Vars[T any](set func(p *T, name string, value T, usage string), vars map[string]*T) {
	for name, p := range vars {
		set(p, name, *p, "")
	}
}

// Undocumented returns the flags of fs that usage does not mention, as
// --name (or -n for a one-letter flag), so that a usage text kept by hand
// cannot fall behind the flags a command takes.
func Undocumented(fs *flag.FlagSet, usage string) []string {
	var missing []string
	fs.VisitAll(func(f *flag.Flag) {
		spelled := "--" + f.Name
		if len(f.Name) == 1 {
			spelled = "-" + f.Name
		}
		if !mentions(usage, spelled) {
			missing = append(missing, f.Name)
		}
	})
	return missing
}

// mentions reports whether text holds flag as a whole word: not as the
// start of a longer flag ("--tls" in "--tls-cert").
func mentions(text, flag string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], flag)
		if j < 0 {
			return false
		}
		end := i + j + len(flag)
		if end == len(text) || !isFlagByte(text[end]) {
			return true
		}
		i = end
	}
}

func isFlagByte(b byte) bool {
	return b == '-' || b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}
