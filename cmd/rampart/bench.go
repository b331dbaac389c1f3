package main

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/bench"
	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
)

// The benchmarks of internal/bench drive nodes (they import node), so the
// command calls them itself rather than through node.

var (
	benchUsage, benchExamples = helpText("bench-usage.txt"), helpText("bench-examples.txt")
	benchStoreUsage           = strings.Replace(benchUsage, `Run "rampart bench taxii -h" (or pages -h) for the flags.`+"\n",
		helpText("bench-store-flags.txt"), 1) + benchExamples
	benchPagesUsage      = helpText("bench-pages-usage.txt") + helpText("bench-pages-examples.txt")
	benchFederationUsage = helpText("bench-federation-usage.txt") + helpText("bench-federation-examples.txt")
	benchConsoleUsage    = helpText("bench-console-usage.txt") + helpText("bench-console-examples.txt")
)

func (m *Main) runBench(ctx context.Context, args []string) error {
	sub, args, err := m.Subcommand(args, benchUsage+benchExamples)
	if err != nil {
		return err
	}
	switch sub {
	case "pages":
		return m.benchPages(ctx, args)
	case "console":
		return m.benchConsole(ctx, args)
	case "attack":
		return m.runAttack(ctx, args)
	case "federation":
		return m.benchFederation(ctx, args)
	case "taxii", "import":
		return m.benchStore(ctx, sub, args)
	}
	return m.UnknownSubcommand("bench", sub, "taxii, import, pages, console, attack or federation")
}

// benchmark is a measurement of internal/bench.
type benchmark interface {
	Validate() error
	Run(ctx context.Context) error
}

// runBenchmark checks b's flags, a usage error when they do not make a
// measurement, and runs it.
func (m *Main) runBenchmark(ctx context.Context, b benchmark) error {
	if err := b.Validate(); err != nil {
		return m.Usagef("%v", err)
	}
	return b.Run(ctx)
}

// benchStore runs "rampart bench taxii" and "rampart bench import", which
// share their flags.
func (m *Main) benchStore(ctx context.Context, sub string, args []string) error {
	fs := cli.NewFlagSet("bench "+sub, benchStoreUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	sf.dataDir = "" // a fresh store unless --data names one
	b := &bench.TAXII{Stdout: m.Stdout, Stderr: m.Stderr, Bundles: 100, BundleSize: 1000, Clients: 2, Stored: 1000000, Pages: 200, PageSize: 1000}
	cli.Vars(fs.IntVar, map[string]*int{"bundles": &b.Bundles, "bundle-size": &b.BundleSize, "clients": &b.Clients, "stored": &b.Stored,
		"pages": &b.Pages, "page-size": &b.PageSize})
	sizeFlag := fs.String("size", "1GiB", "")
	fs.StringVar(&b.CPUProfile, "cpuprofile", "", "")
	if _, err := m.ParseArgs(fs, args, cli.Exactly(0, "flags only")); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return m.Usagef("%v", err)
	}
	size, err := bench.ParseSize(*sizeFlag)
	if err != nil {
		return m.Usagef("--size: %v", err)
	}
	if b.Node = sf.config(); sub == "taxii" {
		return b.Run(ctx)
	}
	return (&bench.Import{Node: b.Node, CPUProfile: b.CPUProfile, Size: size, ImportFile: m.importReader, Stdout: m.Stdout, Stderr: m.Stderr}).Run(ctx)
}

// importReader imports the bundle r into collection c of n as "rampart
// import -" does, for "rampart bench import".
func (m *Main) importReader(ctx context.Context, n *node.Node, c *rampart.Collection, r io.Reader) (int, time.Duration, error) {
	m.Stdin = r
	s, err := m.importFile(ctx, n, c, "-")
	return s.Added, s.elapsed, err
}

// benchPages runs "rampart bench pages".
func (m *Main) benchPages(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("bench pages", benchPagesUsage)
	b := &bench.Pages{Stdout: m.Stdout, Stderr: m.Stderr, Objects: 100, Readers: 10, Limit: 100, PostObjects: 12000}
	cli.Vars(fs.IntVar, map[string]*int{"objects": &b.Objects, "readers": &b.Readers, "limit": &b.Limit, "post-objects": &b.PostObjects})
	fs.StringVar(&b.Binary, "binary", "", "")
	sizeFlag := fs.String("object-size", "2MiB", "")
	if _, err := m.ParseArgs(fs, args, cli.Exactly(0, "flags only")); err != nil {
		return err
	}
	size, err := bench.ParseSize(*sizeFlag)
	if err != nil || size < 300 {
		return m.Usagef("--object-size: want a size of at least 300 bytes (got %q)", *sizeFlag)
	}
	b.ObjectSize = size
	return m.runBenchmark(ctx, b)
}

// benchFederation runs "rampart bench federation".
func (m *Main) benchFederation(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("bench federation", benchFederationUsage)
	b := &bench.Federation{Stdout: m.Stdout, Stderr: m.Stderr, Nodes: 27, Hubs: 2, Trials: 5, StoreObjects: 10000}
	cli.Vars(fs.IntVar, map[string]*int{"nodes": &b.Nodes, "hubs": &b.Hubs, "trials": &b.Trials, "store-objects": &b.StoreObjects})
	cli.Vars(fs.StringVar, map[string]*string{"binary": &b.Binary, "dir": &b.Dir})
	fs.DurationVar(&b.RoundWindow, "round-window", 30*time.Second, "")
	fs.BoolVar(&b.JSON, "json", false, "")
	if _, err := m.ParseArgs(fs, args, cli.Exactly(0, "flags only")); err != nil {
		return err
	}
	return m.runBenchmark(ctx, b)
}

// benchConsole runs "rampart bench console".
func (m *Main) benchConsole(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("bench console", benchConsoleUsage)
	b := &bench.Console{Stdout: m.Stdout, Stderr: m.Stderr, Objects: 1000000, Requests: 20}
	cli.Vars(fs.StringVar, map[string]*string{"binary": &b.Binary, "data": &b.Data})
	cli.Vars(fs.IntVar, map[string]*int{"objects": &b.Objects, "requests": &b.Requests})
	if _, err := m.ParseArgs(fs, args, cli.Exactly(0, "flags only")); err != nil {
		return err
	}
	return m.runBenchmark(ctx, b)
}
