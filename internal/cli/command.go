package cli

import (
	"flag"
	"fmt"
	"strings"
)

// Arity is how many positional arguments a command takes, from Lo to Hi,
// and how its usage error says so ("one IDENTITY").
type Arity struct {
	Lo, Hi int
	Want   string
}

// Exactly is the arity of a command that takes n arguments.
func Exactly(n int, want string) Arity { return Arity{n, n, want} }

// Between is the arity of a command that takes lo to hi arguments.
func Between(lo, hi int, want string) Arity { return Arity{lo, hi, want} }

// Subcommands describes the subcommands of a command ("rampart user
// add …") that share one set of flags: the arguments each takes, and
// their names as an unknown one's error lists them ("add, list or
// delete").
type Subcommands struct {
	Cmd, Usage string
	Args       map[string]Arity
	Names      string
}

// Subcommand splits the arguments of a command that has subcommands
// ("rampart user add …"). Without arguments it prints usage on stderr and
// returns ErrUsage; asked for help it prints usage on stdout and returns
// ErrHelp.
func (c *IO) Subcommand(args []string, usage string) (sub string, rest []string, err error) {
	if len(args) == 0 {
		fmt.Fprint(c.Stderr, usage)
		return "", nil, ErrUsage
	}
	if IsHelp(args[0]) {
		fmt.Fprint(c.Stdout, usage)
		return "", nil, ErrHelp
	}
	return args[0], args[1:], nil
}

// UnknownSubcommand reports a subcommand that cmd does not have.
func (c *IO) UnknownSubcommand(cmd, sub, want string) error {
	c.Errorf("unknown %s command %q (want %s)", cmd, sub, want)
	c.Hintf(`run "rampart %s -h" for its commands and examples`, cmd)
	return ErrUsage
}

// ParseArgs parses a command's flags, which may come before or after its
// positional arguments, and returns the positional ones, refusing a number
// the arity does not allow.
func (c *IO) ParseArgs(fs *flag.FlagSet, args []string, a Arity) ([]string, error) {
	pos, err := c.parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) < a.Lo || len(pos) > a.Hi {
		return nil, c.WrongArgs(fs.Name(), a.Want, pos)
	}
	return pos, nil
}

// ParseSubcommand splits args into a subcommand of s and its positional
// arguments, parsing the flags register registers. Errors are those of
// Subcommand, UnknownSubcommand and ParseArgs, printed already.
func (c *IO) ParseSubcommand(s Subcommands, args []string, register func(*flag.FlagSet)) (sub string, pos []string, fs *flag.FlagSet, err error) {
	sub, args, err = c.Subcommand(args, s.Usage)
	if err != nil {
		return "", nil, nil, err
	}
	a, ok := s.Args[sub]
	if !ok {
		return "", nil, nil, c.UnknownSubcommand(s.Cmd, sub, s.Names)
	}
	fs = NewFlagSet(s.Cmd+" "+sub, s.Usage)
	register(fs)
	pos, err = c.ParseArgs(fs, args, a)
	return sub, pos, fs, err
}

// WrongArgs reports a wrong number of positional arguments.
func (c *IO) WrongArgs(cmd, want string, got []string) error {
	if len(got) == 0 {
		c.Errorf("%s needs %s", cmd, want)
	} else {
		c.Errorf("%s takes %s (got %d: %q)", cmd, want, len(got), got)
	}
	c.Hintf(`run "rampart %s -h" for examples`, strings.Fields(cmd)[0])
	return ErrUsage
}
