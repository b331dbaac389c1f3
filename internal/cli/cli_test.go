package cli

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

// newIO returns an IO on buffers, with stdin reading in.
func newIO(in string) (*IO, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &IO{Stdin: strings.NewReader(in), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}, &out, &errb
}

func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		err    error
		code   int
		stderr string
	}{
		{nil, 0, ""},
		{ErrHelp, 0, ""},
		{ErrUsage, 2, ""},
		{ErrReported, 1, ""},
		{errors.New("store: disk full"), 1, "rampart: error: store: disk full\n"},
	} {
		c, _, errb := newIO("")
		if got := c.ExitCode(tt.err); got != tt.code || errb.String() != tt.stderr {
			t.Errorf("ExitCode(%v) = %d, stderr %q; want %d, %q", tt.err, got, errb.String(), tt.code, tt.stderr)
		}
	}
}

func TestParseFlagsInterspersed(t *testing.T) {
	for _, tt := range []struct {
		args []string
		key  string
		pos  []string
	}{
		{[]string{"--key", "org.key", "in.json"}, "org.key", []string{"in.json"}},
		{[]string{"in.json", "--key", "org.key"}, "org.key", []string{"in.json"}},
		{[]string{"a", "-key=k", "b"}, "k", []string{"a", "b"}},
		{[]string{"a", "--", "--key", "b"}, "", []string{"a", "--key", "b"}},
	} {
		c, _, _ := newIO("")
		fs := NewFlagSet("keys sign", "usage\n")
		key := fs.String("key", "", "")
		if err := c.ParseFlags(fs, tt.args); err != nil {
			t.Fatalf("ParseFlags(%q): %v", tt.args, err)
		}
		if *key != tt.key || strings.Join(fs.Args(), " ") != strings.Join(tt.pos, " ") {
			t.Errorf("ParseFlags(%q): key %q, args %q; want %q, %q", tt.args, *key, fs.Args(), tt.key, tt.pos)
		}
	}
}

func TestParseFlagsErrors(t *testing.T) {
	c, out, errb := newIO("")
	fs := NewFlagSet("serve", "Usage: rampart serve [--max N]\n")
	fs.Int("max", 0, "")
	if err := c.ParseFlags(fs, []string{"-h"}); !errors.Is(err, ErrHelp) || out.String() != "Usage: rampart serve [--max N]\n" || errb.Len() != 0 {
		t.Errorf("-h: err %v, stdout %q, stderr %q", err, out, errb)
	}
	out.Reset()
	err := c.ParseFlags(fs, []string{"x", "--bogus"})
	want := "rampart: error: serve: flag provided but not defined: --bogus\n" +
		`rampart: hint: run "rampart serve -h" for its flags and examples` + "\n"
	if !errors.Is(err, ErrUsage) || errb.String() != want || out.Len() != 0 {
		t.Errorf("--bogus: err %v, stdout %q, stderr %q; want %q", err, out, errb, want)
	}
	errb.Reset()
	if err := c.ParseFlags(fs, []string{"--max", "many"}); !errors.Is(err, ErrUsage) || !strings.Contains(errb.String(), `invalid value "many" for flag --max`) {
		t.Errorf("--max many: err %v, stderr %q", err, errb)
	}
}

func TestParseSubcommand(t *testing.T) {
	s := Subcommands{Cmd: "user", Usage: "Usage: rampart user\n", Names: "add or list",
		Args: map[string]Arity{"add": Exactly(1, "one NAME"), "list": Between(0, 0, "no arguments")}}
	for _, tt := range []struct {
		args         []string
		err          error
		sub, stdout  string
		stderrPrefix string
	}{
		{nil, ErrUsage, "", "", "Usage: rampart user\n"},
		{[]string{"help"}, ErrHelp, "", "Usage: rampart user\n", ""},
		{[]string{"frob"}, ErrUsage, "", "", `rampart: error: unknown user command "frob" (want add or list)`},
		{[]string{"add"}, ErrUsage, "", "", "rampart: error: user add needs one NAME\n"},
		{[]string{"list", "x", "y"}, ErrUsage, "", "", `rampart: error: user list takes no arguments (got 2: ["x" "y"])`},
		{[]string{"add", "alice", "--admin"}, nil, "add", "", ""},
	} {
		c, out, errb := newIO("")
		var admin bool
		sub, pos, _, err := c.ParseSubcommand(s, tt.args, func(fs *flag.FlagSet) { fs.BoolVar(&admin, "admin", false, "") })
		if !errors.Is(err, tt.err) || out.String() != tt.stdout || !strings.HasPrefix(errb.String(), tt.stderrPrefix) {
			t.Errorf("%q: err %v, stdout %q, stderr %q", tt.args, err, out, errb)
		}
		if tt.err == nil && (sub != tt.sub || len(pos) != 1 || pos[0] != "alice" || !admin) {
			t.Errorf("%q: sub %q, pos %q, admin %v", tt.args, sub, pos, admin)
		}
	}
}

func TestReadLine(t *testing.T) {
	for _, tt := range []struct{ in, want, err string }{
		{"s3cret\r\nrest\n", "s3cret", ""},
		{"last", "last", ""},
		{"", "", "no password on standard input"},
		{"\n", "", "no password on standard input"},
	} {
		c, _, _ := newIO(tt.in)
		got, err := c.ReadLine("password")
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
			t.Errorf("ReadLine(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestOpenInput(t *testing.T) {
	c, _, _ := newIO("from stdin")
	r, err := c.OpenInput("-")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	if string(b) != "from stdin" || r.Close() != nil {
		t.Errorf("OpenInput(-) read %q", b)
	}
	if _, err := c.OpenInput("/no/such/file"); err == nil || !strings.Contains(err.Error(), "/no/such/file") {
		t.Errorf("OpenInput of a missing file: %v", err)
	}
}

func TestPrinting(t *testing.T) {
	c, out, _ := newIO("")
	tw := c.Table("NAME\tROLE")
	tw.Write([]byte("alice\tadmin\nbob\tanalyst\n"))
	tw.Flush()
	if want := "NAME   ROLE\nalice  admin\nbob    analyst\n"; out.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", out, want)
	}
	out.Reset()
	if err := c.PrintJSON(map[string]int{"b": 2, "a": 1}); err != nil || out.String() != "{\n  \"a\": 1,\n  \"b\": 2\n}\n" {
		t.Errorf("PrintJSON: %v, %q", err, out)
	}
	out.Reset()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.String("data", "rampart-data", "data `directory`")
	fs.Int("limit", 0, "how many")
	PrintFlags(fs)
	if want := "  --data directory\n    \tdata directory (default \"rampart-data\")\n  --limit int\n    \thow many\n"; out.String() != want {
		t.Errorf("PrintFlags:\n%q\nwant:\n%q", out, want)
	}
	if FlagGiven(fs, "data") {
		t.Error("FlagGiven reports a flag that was not given")
	}
	fs.Parse([]string{"--data", "d"})
	if !FlagGiven(fs, "data") || FlagGiven(fs, "limit") {
		t.Error("FlagGiven does not tell the given flag from the other")
	}
}

func TestValues(t *testing.T) {
	if Plural(1, "object") != "1 object" || Plural(0, "object") != "0 objects" || Plural(2, "value") != "2 values" {
		t.Errorf("Plural: %q %q", Plural(1, "object"), Plural(0, "object"))
	}
	if Dash("") != "-" || Dash("x") != "x" {
		t.Error("Dash")
	}
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true}, {"90d", 90 * 24 * time.Hour, true}, {"2y", 730 * 24 * time.Hour, true},
		{"36h", 36 * time.Hour, true}, {"-1d", 0, false}, {"xd", 0, false}, {"-5h", 0, false}, {"soon", 0, false},
	} {
		got, err := ParseDays(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseDays(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestVars(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	a, b := 3, 5
	Vars(fs.IntVar, map[string]*int{"a": &a, "b": &b})
	if err := fs.Parse([]string{"--b", "7"}); err != nil {
		t.Fatal(err)
	}
	if a != 3 || b != 7 || fs.Lookup("a").DefValue != "3" {
		t.Errorf("a %d, b %d, default of a %q", a, b, fs.Lookup("a").DefValue)
	}
}

func TestUndocumented(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.String("tls", "", "")
	fs.String("tls-cert", "", "")
	fs.String("o", "", "")
	fs.Bool("json", false, "")
	usage := "Usage: rampart serve [--tls-cert FILE] [-o FILE] [--json]\n"
	if got := Undocumented(fs, usage); len(got) != 1 || got[0] != "tls" {
		t.Errorf("Undocumented = %q, want [tls] (--tls-cert does not mention --tls)", got)
	}
	c, out, errb := newIO("")
	fs = NewFlagSet("serve", usage)
	fs.String("tls", "", "")
	fs.String("tls-cert", "", "")
	if err := c.ParseFlags(fs, []string{"-h"}); !errors.Is(err, ErrHelp) || out.String() != usage ||
		errb.String() != "rampart: warning: serve: the usage text does not mention --tls\n" {
		t.Errorf("-h with an undocumented flag: err %v, stdout %q, stderr %q", err, out, errb)
	}
}
