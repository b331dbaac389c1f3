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

var benchUsage = helpText("bench-usage.txt")

var benchExamples = helpText("bench-examples.txt")

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
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), strings.Replace(benchUsage, `Run "rampart bench taxii -h" (or pages -h) for the flags.`, "Flags:", 1))
		printFlags(fs)
		fmt.Fprint(fs.Output(), benchExamples)
	}
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return m.wrongArgs("bench "+sub, "flags only", fs.Args())
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
