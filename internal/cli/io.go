package cli

import (
	"bufio"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// ErrUsage reports a usage error that has already been printed.
var ErrUsage = errors.New("usage error")

// ErrReported reports a failure whose message has already been printed.
var ErrReported = errors.New("failure reported")

// ErrHelp reports that a command printed its usage because it was asked
// to: a success.
var ErrHelp = errors.New("help shown")

// IO is a command's standard streams and environment; tests give their
// own to run a command in-process.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// ExitCode returns the exit status for the error a command returned,
// printing the error when nothing has printed it yet.
func (c *IO) ExitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	case errors.Is(err, ErrReported):
		return 1
	}
	c.Errorf("%s", err)
	return 1
}

// Errorf prints "rampart: error: …" on stderr.
func (c *IO) Errorf(format string, args ...any) {
	fmt.Fprintf(c.Stderr, "rampart: error: "+format+"\n", args...)
}

// Warnf prints "rampart: warning: …" on stderr.
func (c *IO) Warnf(format string, args ...any) {
	fmt.Fprintf(c.Stderr, "rampart: warning: "+format+"\n", args...)
}

// Hintf prints "rampart: hint: …" on stderr.
func (c *IO) Hintf(format string, args ...any) {
	fmt.Fprintf(c.Stderr, "rampart: hint: "+format+"\n", args...)
}

// Usagef reports a usage error: it prints the error and returns ErrUsage.
func (c *IO) Usagef(format string, args ...any) error {
	c.Errorf(format, args...)
	return ErrUsage
}

// OpenInput opens the named file, or standard input for "-". Closing the
// result closes the file, never standard input.
func (c *IO) OpenInput(name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(c.Stdin), nil
	}
	return os.Open(name)
}

// ReadLine reads one line from standard input, a secret a command must not
// take from its flags; what names it in errors ("password").
func (c *IO) ReadLine(what string) (string, error) {
	line, err := bufio.NewReader(c.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the %s from standard input: %v", what, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no %s on standard input", what)
	}
	return line, nil
}

// Table returns a writer of aligned columns on stdout with header (columns
// separated by tabs) as its first line, none when it is empty; Flush
// prints the table.
func (c *IO) Table(header string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	if header != "" {
		fmt.Fprintln(tw, header)
	}
	return tw
}

// PrintLine writes a JSON document (an object's raw form) as one line on
// stdout.
func (c *IO) PrintLine(b []byte) {
	fmt.Fprintf(c.Stdout, "%s\n", b)
}

// PrintJSON writes v as indented JSON, its object members sorted, on
// stdout.
func (c *IO) PrintJSON(v any) error {
	b, err := json.Marshal(v, json.Deterministic(true), jsontext.WithIndent("  "))
	if err != nil {
		return err
	}
	c.PrintLine(b)
	return nil
}
