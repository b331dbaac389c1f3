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

const benchUsage = `Usage: rampart bench <taxii|import|pages|console|attack|federation> [flags]

Measures a node on this machine and prints the results; docs/PERFORMANCE.md
records them with the command that produced them.

    bench taxii
        Starts a node (a fresh store in a temporary directory unless --data or
        --postgres is given) with its TAXII server on loopback, then
        1. ingest: POSTs --bundles envelopes of --bundle-size indicators from
           --clients concurrent clients, and reports objects/s;
        2. fill: adds objects straight into the store until it holds --stored;
        3. read: GETs --pages pages of --page-size objects at random
           positions (added_after), with and without match[type], and
           reports latency percentiles.
    bench import
        Streams a generated bundle of --size bytes through "rampart import"'s
        code path into a fresh store and reports objects/s and the peak Go
        heap, which stays bounded whatever the size.
    bench pages
        Starts "rampart serve" as a child process and measures its memory
        under clients that ask for pages of large objects and never read
        them, then cuts a POST short and reports the status it left.
    bench console
        Fills a node with many objects, serves it and times each page of
        the analyst console.
    bench attack <slow-readers|idle-links|early-refusal|slow-body|writers>
        Starts "rampart serve" and attacks it with slow, idle or many
        concurrent clients;
        "rampart bench attack -h" describes each attack.
    bench federation
        Starts --nodes national nodes and --hubs hubs as "rampart serve"
        processes with the registry, node links and sealing of production,
        and measures how fast an AMBER indicator reaches every node, a
        sighting its producer and an early-warning alert the hubs, what an
        idle federation round costs as the stores grow, and each node's
        memory; "rampart bench federation -h" says how.

Run "rampart bench taxii -h" (or pages -h) for the flags.
`

const benchExamples = `
Examples:
    rampart bench taxii
    rampart bench taxii --stored 1000000 --pages 500
    rampart bench taxii --postgres postgres://localhost/rampart_bench
    rampart bench import --size 1GiB
    rampart bench pages --readers 10 --objects 100 --object-size 2MiB
    rampart bench console --objects 1000000 --data /tmp/console-1m
    rampart bench attack idle-links
    rampart bench federation --nodes 27 --hubs 2
`

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
