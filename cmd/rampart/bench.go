package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/bench"
	"github.com/rampart-cti/rampart/node"
)

var (
	benchUsage              = helpText("bench-usage.txt")
	benchExamples           = helpText("bench-examples.txt")
	benchPagesUsage         = helpText("bench-pages-usage.txt")
	benchPagesExamples      = helpText("bench-pages-examples.txt")
	benchFederationUsage    = helpText("bench-federation-usage.txt")
	benchFederationExamples = helpText("bench-federation-examples.txt")
	benchConsoleUsage       = helpText("bench-console-usage.txt")
	benchConsoleExamples    = helpText("bench-console-examples.txt")
)

func (m *Main) runBench(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, benchUsage+benchExamples)
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
	return m.unknownSubcommand("bench", sub, "taxii, import, pages, console, attack or federation")
}

// benchmark is a measurement of internal/bench.
type benchmark interface {
	Validate() error
	Run(ctx context.Context) error
}

// parseBenchFlags parses the flags of a "rampart bench" command, which
// takes no arguments; its usage lists the flags with their defaults
// between usage and examples.
func (m *Main) parseBenchFlags(fs *flag.FlagSet, usage, examples string, args []string) error {
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), examples)
	}
	_, err := m.parseArgs(fs, args, exactly(0, "flags only"))
	return err
}

// runBenchmark checks b's flags, a usage error when they do not make a
// measurement, and runs it.
func (m *Main) runBenchmark(ctx context.Context, b benchmark) error {
	if err := b.Validate(); err != nil {
		return m.usagef("%v", err)
	}
	return b.Run(ctx)
}

// benchStore runs "rampart bench taxii" and "rampart bench import", which
// share their flags.
func (m *Main) benchStore(ctx context.Context, sub string, args []string) error {
	fs := flag.NewFlagSet("bench "+sub, flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	// A fresh store unless --data names one.
	sf.dataDir = ""
	data := fs.Lookup("data")
	data.DefValue, data.Usage = "", "data `directory` of the node to measure (default: a fresh store in a temporary directory)"
	b := &bench.TAXII{Stdout: m.Stdout, Stderr: m.Stderr}
	fs.IntVar(&b.Bundles, "bundles", 100, "envelopes to POST in the ingest phase")
	fs.IntVar(&b.BundleSize, "bundle-size", 1000, "indicators per envelope")
	fs.IntVar(&b.Clients, "clients", 2, "concurrent clients")
	fs.IntVar(&b.Stored, "stored", 1000000, "objects the store holds for the read phase")
	fs.IntVar(&b.Pages, "pages", 200, "pages to GET in the read phase")
	fs.IntVar(&b.PageSize, "page-size", 1000, "objects per page")
	sizeFlag := fs.String("size", "1GiB", "bundle size for bench import (e.g. 200MiB, 1GiB)")
	fs.StringVar(&b.CPUProfile, "cpuprofile", "", "write a CPU profile of the run to `file`")
	usage := strings.Replace(benchUsage, `Run "rampart bench taxii -h" (or pages -h) for the flags.`, "Flags:", 1)
	if err := m.parseBenchFlags(fs, usage, benchExamples, args); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return m.usagef("%v", err)
	}
	size, err := bench.ParseSize(*sizeFlag)
	if err != nil {
		return m.usagef("--size: %v", err)
	}
	b.Node = sf.config()
	if sub == "taxii" {
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
	fs := flag.NewFlagSet("bench pages", flag.ContinueOnError)
	b := &bench.Pages{Stdout: m.Stdout, Stderr: m.Stderr}
	fs.StringVar(&b.Binary, "binary", "", "rampart `binary` to serve with (default: this one)")
	fs.IntVar(&b.Objects, "objects", 100, "large objects to store")
	sizeFlag := fs.String("object-size", "2MiB", "size of each large object")
	fs.IntVar(&b.Readers, "readers", 10, "connections that ask for a page and never read it")
	fs.IntVar(&b.Limit, "limit", 100, "objects per page asked for")
	fs.IntVar(&b.PostObjects, "post-objects", 12000, "objects of the POST cut short (0: skip)")
	if err := m.parseBenchFlags(fs, benchPagesUsage, benchPagesExamples, args); err != nil {
		return err
	}
	size, err := bench.ParseSize(*sizeFlag)
	if err != nil || size < 300 {
		return m.usagef("--object-size: want a size of at least 300 bytes (got %q)", *sizeFlag)
	}
	b.ObjectSize = size
	return m.runBenchmark(ctx, b)
}

// benchFederation runs "rampart bench federation".
func (m *Main) benchFederation(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench federation", flag.ContinueOnError)
	b := &bench.Federation{Stdout: m.Stdout, Stderr: m.Stderr}
	fs.StringVar(&b.Binary, "binary", "", "rampart `binary` the nodes run (default: this one)")
	fs.StringVar(&b.Dir, "dir", "", "`directory` the nodes live in, kept after (default: a temporary one, removed after)")
	fs.IntVar(&b.Nodes, "nodes", 27, "national nodes, one per member state (3 to 27)")
	fs.IntVar(&b.Hubs, "hubs", 2, "hubs")
	fs.IntVar(&b.Trials, "trials", 5, "times each latency is measured, each from another producer")
	fs.IntVar(&b.StoreObjects, "store-objects", 10000, "objects added to every store before the round and memory measures are repeated (0: measure small stores only)")
	fs.DurationVar(&b.RoundWindow, "round-window", 30*time.Second, "how long idle rounds are counted at each store size (a node pulls from each idle peer every 25 s)")
	fs.BoolVar(&b.JSON, "json", false, "print the results as JSON")
	if err := m.parseBenchFlags(fs, benchFederationUsage, benchFederationExamples, args); err != nil {
		return err
	}
	return m.runBenchmark(ctx, b)
}

// benchConsole runs "rampart bench console".
func (m *Main) benchConsole(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench console", flag.ContinueOnError)
	b := &bench.Console{Stdout: m.Stdout, Stderr: m.Stderr}
	fs.StringVar(&b.Binary, "binary", "", "rampart `binary` to serve with (default: this one)")
	fs.StringVar(&b.Data, "data", "", "node `directory`, filled once and kept for later runs (default: a temporary one)")
	fs.IntVar(&b.Objects, "objects", 1000000, "objects the store holds")
	fs.IntVar(&b.Requests, "requests", 20, "timed requests per page")
	if err := m.parseBenchFlags(fs, benchConsoleUsage, benchConsoleExamples, args); err != nil {
		return err
	}
	return m.runBenchmark(ctx, b)
}
