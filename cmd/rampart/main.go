// Command rampart runs and administers a Rampart node.
//
// Output rules (cli.go has them in full): results go to stdout;
// diagnostics go to stderr as "rampart: error: …" and "rampart: hint: …".
// The exit status is 0 on success, 1 on failure and 2 for a usage error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/rampart-cti/rampart/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	stop()
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	os.Exit(m.ExitCode(err))
}

// Main is the program: its standard streams and environment, so tests can
// run it in-process.
type Main struct {
	cli.IO

	closers []io.Closer
}

// NewMain returns a Main on the process's standard streams.
func NewMain() *Main {
	return &Main{IO: cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}}
}

var mainUsage = helpText("main-usage.txt")

// Run runs the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, mainUsage)
		return cli.ErrUsage
	}
	cmd, rest := args[0], args[1:]
	if cli.IsHelp(cmd) {
		if len(rest) > 0 {
			// "rampart help serve" is "rampart serve -h"; "rampart
			// help alert rules", "rampart alert rules -h".
			if run := m.command(rest[0]); run != nil {
				return run(ctx, append(slices.Clone(rest[1:]), "-h"))
			}
			return m.unknownCommand(rest[0])
		}
		fmt.Fprint(m.Stdout, mainUsage)
		return nil
	}
	if run := m.command(cmd); run != nil {
		return run(ctx, rest)
	}
	return m.unknownCommand(cmd)
}

// unknownCommand reports a command rampart does not have.
func (m *Main) unknownCommand(name string) error {
	m.Errorf("unknown command %q", name)
	m.Hintf(`run "rampart help" for the list of commands`)
	return cli.ErrUsage
}

// command returns the runner of a subcommand, nil when there is none.
func (m *Main) command(name string) func(context.Context, []string) error {
	return map[string]func(context.Context, []string) error{
		"version":     func(_ context.Context, args []string) error { return m.runVersion(args) },
		"init":        m.runInit,
		"serve":       m.runServe,
		"worker":      m.runWorker,
		"org":         m.runOrg,
		"import":      m.runImport,
		"export":      m.runExport,
		"hunt":        m.runHunt,
		"feed":        m.runFeed,
		"user":        m.runUser,
		"bench":       m.runBench,
		"collection":  m.runCollection,
		"attribute":   m.runAttribute,
		"attribution": m.runAttribution,
		"keys":        m.runKeys,
		"registry":    m.runRegistry,
		"verify":      m.runVerify,
		"peer":        m.runPeer,
		"audit":       m.runAudit,
		"log":         m.runLog,
		"pattern":     m.runPattern,
		"match":       m.runMatch,
		"incident":    m.runIncident,
		"alert":       m.runAlert,
		"statement":   m.runStatement,
		"warninglist": m.runWarninglist,
		"lifecycle":   m.runLifecycle,
		"qkd-sim":     m.runQKDSim,
		"evidence":    m.runEvidence,
	}[name]
}

// Close releases what the subcommand opened.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i].Close())
	}
	m.closers = nil
	return errors.Join(errs...)
}
