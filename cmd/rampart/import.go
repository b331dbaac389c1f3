package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var importUsage = helpText("import-usage.txt")

var importExamples = helpText("import-examples.txt")

// maxListedFailures is how many failures are shown one by one.
const maxListedFailures = 20

func (m *Main) runImport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	root := fs.String("api-root", node.DefaultAPIRoot, "API root `name` of the collection")
	coll := fs.String("collection", node.DefaultCollection, "collection `id or alias`")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), importUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), importExamples)
	}
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		m.errorf("import needs at least one FILE (or - for standard input)")
		return errUsage
	}
	n, err := m.openNode(ctx, &sf)
	if err != nil {
		return err
	}
	c, err := n.FindCollection(ctx, *root, *coll)
	if err != nil {
		return err
	}
	var total importSummary
	for _, name := range fs.Args() {
		var s importSummary
		var err error
		if fetch, ok := node.MISPSource(name); ok {
			s, err = m.importMISP(ctx, n, c, name, node.MISPFeed(fetch, time.Time{}))
		} else {
			s, err = m.importFile(ctx, n, c, name)
		}
		total.add(s)
		if err != nil {
			m.errorf("%s: %v", name, err)
			total.broken++
		}
	}
	if len(fs.Args()) > 1 {
		fmt.Fprintf(m.Stdout, "total: %s\n", total.String())
	}
	if total.Invalid > 0 || total.NotStored > 0 || total.broken > 0 {
		return errReported
	}
	return nil
}

type importSummary struct {
	ingest.Summary
	broken  int // files that could not be read to their end
	elapsed time.Duration
}

func (s *importSummary) add(o importSummary) {
	s.Summary.Add(o.Summary)
	s.elapsed += o.elapsed
}

func (s importSummary) String() string {
	n := s.Read()
	notStored := ""
	if s.NotStored > 0 {
		notStored = fmt.Sprintf(", %d not stored", s.NotStored)
	}
	return fmt.Sprintf("%s: %d imported, %d already present, %d failed%s (%.1fs, %.0f objects/s)",
		plural(n, "object"), s.Added, s.Present, s.Invalid, notStored, s.elapsed.Seconds(), perSecond(n, s.elapsed))
}

// importFile streams one file into the collection through the node's
// ingester, as a TAXII POST is stored. Objects stored before a fatal error
// (a truncated file, say) stay stored; the summary counts them.
func (m *Main) importFile(ctx context.Context, n *node.Node, c *rampart.Collection, name string) (importSummary, error) {
	start := time.Now()
	var s importSummary
	r, err := m.openInput(name)
	if err != nil {
		return s, err
	}
	defer r.Close()
	var size int64 // for the progress bar; 0 for a stream
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	counted := &countReader{r: r}
	in, err := node.OpenImport(counted)
	if err != nil {
		return s, err
	}
	defer in.Close()
	if in.MISP {
		produce, err := node.MISPFile(in, name)
		if err != nil {
			return s, err
		}
		return m.importMISP(ctx, n, c, name, produce)
	}
	bar := progress.New(m.Stderr, "importing "+name, size, "objects")
	failed := 0
	s.Summary, err = n.ImportSTIX(ctx, c, in, func(o ingest.Outcome) {
		if o.State == ingest.Invalid {
			if failed++; failed <= maxListedFailures {
				m.errorf("%s: %v", name, o.Err)
			}
		}
		bar.Set(counted.n, int64(o.Index+1))
	})
	bar.Set(counted.n, int64(s.Read()))
	bar.Done()
	s.elapsed = time.Since(start)
	fmt.Fprintf(m.Stdout, "%s: %s\n", name, s.String())
	if failed > maxListedFailures {
		m.hintf("%s: %d more failures not shown", name, failed-maxListedFailures)
	}
	return s, err
}

// countReader counts the bytes read, for progress.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// importMISP stores what produce converts from MISP data and prints the
// summary.
func (m *Main) importMISP(ctx context.Context, n *node.Node, c *rampart.Collection, name string, produce node.MISPProducer) (importSummary, error) {
	start := time.Now()
	bar := progress.New(m.Stderr, "importing MISP "+name, 0, "objects")
	failed := 0
	var read int64
	sum, err := n.ImportMISP(ctx, c, produce, func(o ingest.Outcome) {
		if o.State == ingest.Invalid {
			if failed++; failed <= maxListedFailures {
				m.errorf("%s: %v", name, o.Err)
			}
		}
		read++
		bar.Set(0, read)
	})
	bar.Done()
	s := importSummary{Summary: sum.Store, elapsed: time.Since(start)}
	ms := sum.MISP
	for i, f := range ms.Failures {
		if i == maxListedFailures {
			m.hintf("%s: %d more MISP failures not shown", name, len(ms.Failures)-maxListedFailures)
			break
		}
		m.errorf("%v", f)
	}
	for _, note := range ms.Notes {
		m.hintf("%s: %s", name, note)
	}
	s.Invalid += len(ms.Failures)
	feed := ""
	if ms.Listed > 0 {
		feed = fmt.Sprintf("%d listed, %d fetched, %d unchanged; ", ms.Listed, ms.Fetched, ms.Skipped)
	}
	fmt.Fprintf(m.Stdout, "%s: MISP: %s%d events, %d attributes, %d indicators, %d observables, %d custom, %d objects, %d sightings, %d galaxy clusters, %d failures\n",
		name, feed, ms.Events, ms.Attributes, ms.Indicators, ms.Observables, ms.Custom, ms.Objects, ms.Sightings, ms.Galaxies, len(ms.Failures))
	fmt.Fprintf(m.Stdout, "%s: %s; %.0f MISP attributes/s\n", name, s.String(), perSecond(ms.Attributes, s.elapsed))
	return s, err
}

// perSecond returns n per second of d, 0 for no time.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
