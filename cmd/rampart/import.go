package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/misp"
	"github.com/rampart-cti/rampart/node"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/stix"
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
	rate := 0.0
	if s.elapsed > 0 {
		rate = float64(n) / s.elapsed.Seconds()
	}
	notStored := ""
	if s.NotStored > 0 {
		notStored = fmt.Sprintf(", %d not stored", s.NotStored)
	}
	return fmt.Sprintf("%s: %d imported, %d already present, %d failed%s (%.1fs, %.0f objects/s)",
		plural(n, "object"), s.Added, s.Present, s.Invalid, notStored, s.elapsed.Seconds(), rate)
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
	br := bufio.NewReaderSize(counted, 1<<16)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return s, fmt.Errorf("gzip: %v", err)
		}
		defer zr.Close()
		in = bufio.NewReaderSize(zr, 1<<16)
	}
	if head, _ := peekMISP(in); misp.Sniff(head) {
		return m.importMISPFile(ctx, n, c, name, in)
	}
	bar := progress.New(m.Stderr, "importing "+name, size, "objects")
	ing := n.Ingester(c)
	failed := 0
	ing.Report = func(o ingest.Outcome) {
		if o.State == ingest.Invalid {
			if failed++; failed <= maxListedFailures {
				m.errorf("%s: %v", name, o.Err)
			}
		}
		bar.Set(counted.n, int64(o.Index+1))
	}
	s.Summary, err = ing.Ingest(ctx, c.ID, stix.NewObjectReader(in))
	bar.Set(counted.n, int64(s.Read()))
	bar.Done()
	s.elapsed = time.Since(start)
	fmt.Fprintf(m.Stdout, "%s: %s\n", name, s.String())
	if failed > maxListedFailures {
		m.hintf("%s: %d more failures not shown", name, failed-maxListedFailures)
	}
	return s, err
}

// peekMISP returns the first bytes of in, enough for misp.Sniff, without
// consuming them (importFile always reads through a *bufio.Reader).
func peekMISP(in io.Reader) ([]byte, error) {
	if br, ok := in.(*bufio.Reader); ok {
		return br.Peek(1 << 16)
	}
	return nil, nil
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
