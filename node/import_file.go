package node

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/misp"
)

// ImportRequest is one argument of "rampart import": a file of STIX
// objects or MISP event JSON, or a MISP feed, stored into a collection.
type ImportRequest struct {
	// Name is a file (.json or .json.gz), a directory holding a MISP feed,
	// or the http(s) URL of one (MISPSource).
	Name       string
	Collection *rampart.Collection
	// Open opens a file; the caller may read "-" as standard input.
	Open func(name string) (io.ReadCloser, error)
	// Invalid, when set, is told of each object refused, with the reason.
	Invalid func(err error)
	// Progress, when set, shows a progress bar when it is a terminal.
	Progress io.Writer
}

// ImportSummary says what the import of one argument (or several, Add)
// stored, and how long it took.
type ImportSummary struct {
	ingest.Summary
	Elapsed time.Duration
	// MISP is what the conversion of MISP data made, nil for STIX; its
	// failures are counted in Invalid too.
	MISP *misp.FeedSummary
	// Started says the input was opened and read, even if not to its end:
	// the summary then counts what was read. It is false when ImportFile
	// failed before.
	Started bool
}

// ImportFile stores what req names into its collection, as a TAXII POST
// is stored: each object is checked on its own, and one refused does not
// stop the others. Objects stored before a fatal error (a truncated file,
// an unreadable feed manifest) stay stored; the summary counts them.
func (n *Node) ImportFile(ctx context.Context, req ImportRequest) (ImportSummary, error) {
	start := time.Now()
	if fetch, ok := MISPSource(req.Name); ok {
		return n.importMISP(ctx, req, MISPFeed(fetch, time.Time{}), start)
	}
	r, err := req.Open(req.Name)
	if err != nil {
		return ImportSummary{}, err
	}
	defer r.Close()
	var size int64 // for the progress bar; 0 for a stream
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	counted := &countReader{r: r}
	in, err := OpenImport(counted)
	if err != nil {
		return ImportSummary{}, err
	}
	defer in.Close()
	if in.MISP {
		produce, err := MISPFile(in, req.Name)
		if err != nil {
			return ImportSummary{}, err
		}
		return n.importMISP(ctx, req, produce, start)
	}
	bar := progress.New(req.progress(), "importing "+req.Name, size, "objects")
	sum, err := n.ImportSTIX(ctx, req.Collection, in, func(o ingest.Outcome) {
		req.report(o)
		bar.Set(counted.n, int64(o.Index+1))
	})
	bar.Set(counted.n, int64(sum.Read()))
	bar.Done()
	return ImportSummary{Summary: sum, Elapsed: time.Since(start), Started: true}, err
}

// importMISP stores what produce converts from MISP data.
func (n *Node) importMISP(ctx context.Context, req ImportRequest, produce MISPProducer, start time.Time) (ImportSummary, error) {
	bar := progress.New(req.progress(), "importing MISP "+req.Name, 0, "objects")
	var read int64
	sum, err := n.ImportMISP(ctx, req.Collection, produce, func(o ingest.Outcome) {
		req.report(o)
		read++
		bar.Set(0, read)
	})
	bar.Done()
	s := ImportSummary{Summary: sum.Store, Elapsed: time.Since(start), MISP: &sum.MISP, Started: true}
	s.Invalid += len(sum.MISP.Failures)
	return s, err
}

func (req *ImportRequest) progress() io.Writer {
	if req.Progress == nil {
		return io.Discard
	}
	return req.Progress
}

func (req *ImportRequest) report(o ingest.Outcome) {
	if o.State == ingest.Invalid && req.Invalid != nil {
		req.Invalid(o.Err)
	}
}

// Add adds the counts and time of o to s.
func (s *ImportSummary) Add(o ImportSummary) {
	s.Summary.Add(o.Summary)
	s.Elapsed += o.Elapsed
}

// String is the summary in one line: the objects read, imported, already
// present and failed, and how fast.
func (s ImportSummary) String() string {
	n := s.Read()
	notStored := ""
	if s.NotStored > 0 {
		notStored = fmt.Sprintf(", %d not stored", s.NotStored)
	}
	return fmt.Sprintf("%s: %d imported, %d already present, %d failed%s (%.1fs, %.0f objects/s)",
		countOf(n, "object", "objects"), s.Added, s.Present, s.Invalid, notStored, s.Elapsed.Seconds(), perSecond(n, s.Elapsed))
}

// WriteText writes the summary of the import of name: one line, and for
// MISP data a line before it saying what the conversion made.
func (s ImportSummary) WriteText(w io.Writer, name string) error {
	ms := s.MISP
	if ms == nil {
		_, err := fmt.Fprintf(w, "%s: %s\n", name, s)
		return err
	}
	feed := ""
	if ms.Listed > 0 {
		feed = fmt.Sprintf("%d listed, %d fetched, %d unchanged; ", ms.Listed, ms.Fetched, ms.Skipped)
	}
	fmt.Fprintf(w, "%s: MISP: %s%d events, %d attributes, %d indicators, %d observables, %d custom, %d objects, %d sightings, %d galaxy clusters, %d failures\n",
		name, feed, ms.Events, ms.Attributes, ms.Indicators, ms.Observables, ms.Custom, ms.Objects, ms.Sightings, ms.Galaxies, len(ms.Failures))
	_, err := fmt.Fprintf(w, "%s: %s; %.0f MISP attributes/s\n", name, s, perSecond(ms.Attributes, s.Elapsed))
	return err
}

// perSecond returns n per second of d, 0 for no time.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
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
