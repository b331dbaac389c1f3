package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rampart-cti/rampart/node"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

const importUsage = `Usage: rampart import [flags] FILE...

Imports STIX 2.1 bundles (.json, or .json.gz; "-" reads standard input) into a
collection of the node's store. Bundles are streamed, so their size is not
limited by memory. Each object is checked on its own: valid objects are
stored, invalid ones are listed with the reason and the import goes on.
Objects already in the collection are counted and left unchanged.

A progress line is drawn on a terminal; a summary is printed at the end. The
exit status is 1 when any object failed.

Flags:
`

const importExamples = `
Examples:
    rampart import enterprise-attack.json.gz
    rampart import --collection default feed1.json feed2.json
    curl -s https://feeds.example/bundle.json | rampart import -
`

// importBatch is how many objects go to the store in one transaction.
const importBatch = 1000

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
		s, err := m.importFile(ctx, n, c, name)
		total.add(s)
		if err != nil {
			m.errorf("%s: %v", name, err)
			total.broken++
		}
	}
	if len(fs.Args()) > 1 {
		fmt.Fprintf(m.Stdout, "total: %s\n", total.String())
	}
	if total.failed > 0 || total.broken > 0 {
		return errReported
	}
	return nil
}

type importSummary struct {
	added, present, failed, broken int
	elapsed                        time.Duration
}

func (s *importSummary) add(o importSummary) {
	s.added += o.added
	s.present += o.present
	s.failed += o.failed
	s.elapsed += o.elapsed
}

func (s importSummary) String() string {
	n := s.added + s.present + s.failed
	rate := 0.0
	if s.elapsed > 0 {
		rate = float64(n) / s.elapsed.Seconds()
	}
	return fmt.Sprintf("%s: %d imported, %d already present, %d failed (%.1fs, %.0f objects/s)",
		plural(n, "object"), s.added, s.present, s.failed, s.elapsed.Seconds(), rate)
}

// importFile streams one file into the collection. Objects stored before a
// fatal error (a truncated file, say) stay stored; the summary counts them.
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
		in = zr
	}
	bar := progress.New(m.Stderr, "importing "+name, size, "objects")
	batch := make([]*stix.Object, 0, importBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := n.Objects.CreateObjects(ctx, c.ID, batch)
		if err != nil {
			return err
		}
		for _, x := range res {
			if x.Added {
				s.added++
			} else {
				s.present++
			}
		}
		batch = batch[:0]
		return nil
	}
	rd := stix.NewBundleReader(in)
	for idx := 0; ; idx++ {
		var o *stix.Object
		o, err = rd.Next()
		if err == io.EOF {
			err = nil
			break
		}
		var oe *stix.ObjectError
		if errors.As(err, &oe) {
			m.importFailure(&s, name, oe)
			continue
		}
		if err != nil {
			break
		}
		verr := taxii.CheckMediaType(c, o)
		if verr == nil {
			verr = node.Validate(o)
		}
		if verr != nil {
			m.importFailure(&s, name, &stix.ObjectError{Index: idx, ID: o.ID, Err: verr})
			continue
		}
		batch = append(batch, o)
		if len(batch) == importBatch {
			if err = flush(); err != nil {
				break
			}
		}
		bar.Set(counted.n, int64(s.added+s.present+s.failed+len(batch)))
	}
	if ferr := flush(); err == nil {
		err = ferr
	}
	bar.Set(counted.n, int64(s.added+s.present+s.failed))
	bar.Done()
	s.elapsed = time.Since(start)
	fmt.Fprintf(m.Stdout, "%s: %s\n", name, s.String())
	if s.failed > maxListedFailures {
		m.hintf("%s: %d more failures not shown", name, s.failed-maxListedFailures)
	}
	return s, err
}

func (m *Main) importFailure(s *importSummary, name string, oe *stix.ObjectError) {
	s.failed++
	if s.failed <= maxListedFailures {
		m.errorf("%s: %v", name, oe)
	}
}

// plural writes a count with its noun, "1 object", "2 objects".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
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
