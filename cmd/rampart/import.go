package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
)

var importUsage = helpText("import-usage.txt") + helpText("import-flags.txt") + helpText("import-examples.txt")

// maxListedFailures is how many failures are shown one by one.
const maxListedFailures = 20

func (m *Main) runImport(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("import", importUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	root := fs.String("api-root", node.DefaultAPIRoot, "")
	coll := fs.String("collection", node.DefaultCollection, "")
	if err := m.ParseFlags(fs, args); err != nil {
		return err
	} else if fs.NArg() == 0 {
		return m.Usagef("import needs at least one FILE (or - for standard input)")
	}
	names := fs.Args()
	n, c, err := m.openCollection(ctx, &sf, *root, *coll)
	if err != nil {
		return err
	}
	var total node.ImportSummary
	broken := 0
	for _, name := range names {
		s, err := m.importFile(ctx, n, c, name)
		total.Add(s.ImportSummary)
		if err != nil {
			m.Errorf("%s: %v", name, err)
			broken++
		}
	}
	if len(names) > 1 {
		fmt.Fprintf(m.Stdout, "total: %s\n", total)
	}
	if total.Invalid > 0 || total.NotStored > 0 || broken > 0 {
		return cli.ErrReported
	}
	return nil
}

// importSummary is the summary of an import and the time it took.
type importSummary struct {
	node.ImportSummary
	elapsed time.Duration
}

// importFile imports one argument into collection c, listing the first
// objects refused, and prints its summary.
func (m *Main) importFile(ctx context.Context, n *node.Node, c *rampart.Collection, name string) (importSummary, error) {
	failed := 0
	req := node.ImportRequest{Name: name, Collection: c, Open: m.OpenInput, Progress: m.Stderr, Invalid: func(err error) {
		if failed++; failed <= maxListedFailures {
			m.Errorf("%s: %v", name, err)
		}
	}}
	ns, err := n.ImportFile(ctx, req)
	s := importSummary{ns, ns.Elapsed}
	if !s.Started {
		return s, err
	}
	if s.MISP != nil {
		for i, f := range s.MISP.Failures {
			if i == maxListedFailures {
				m.Hintf("%s: %d more MISP failures not shown", req.Name, len(s.MISP.Failures)-maxListedFailures)
				break
			}
			m.Errorf("%v", f)
		}
		for _, note := range s.MISP.Notes {
			m.Hintf("%s: %s", req.Name, note)
		}
	}
	if werr := s.WriteText(m.Stdout, req.Name); werr != nil {
		return s, werr
	}
	if s.MISP == nil && failed > maxListedFailures {
		m.Hintf("%s: %d more failures not shown", req.Name, failed-maxListedFailures)
	}
	return s, err
}
