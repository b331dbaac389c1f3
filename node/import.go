package node

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/misp"
	"github.com/rampart-cti/rampart/stix"
)

// ImportInput is a stream to import with its compression undone and its
// form told.
type ImportInput struct {
	io.Reader
	// MISP says the stream is MISP event JSON (misp.Sniff), not STIX.
	MISP bool
	// Close closes what OpenImport opened (the gzip reader), not the
	// stream given.
	Close func() error
}

// OpenImport reads the start of r to tell whether it is gzip-compressed,
// which it undoes, and whether it holds MISP event JSON. It fails on a
// malformed gzip header.
func OpenImport(r io.Reader) (*ImportInput, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	in := &ImportInput{Reader: br, Close: func() error { return nil }}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %v", err)
		}
		br = bufio.NewReaderSize(zr, 1<<16)
		in.Reader, in.Close = br, zr.Close
	}
	head, _ := br.Peek(1 << 16)
	in.MISP = misp.Sniff(head)
	return in, nil
}

// ImportSTIX streams STIX objects (a bundle, or objects one after
// another) from r into collection c through the node's Ingester, as a
// TAXII POST is stored; report, when set, is told what became of each.
// Objects stored before a fatal error (a truncated stream) stay stored;
// the summary counts them.
func (n *Node) ImportSTIX(ctx context.Context, c *rampart.Collection, r io.Reader, report func(ingest.Outcome)) (ingest.Summary, error) {
	in := n.Ingester(c)
	in.Report = report
	return in.Ingest(ctx, c.ID, stix.NewObjectReader(r))
}

// MISPFile reads MISP event JSON from r, a file called name, and returns
// what produces its objects for ImportMISP: the events' objects, with the
// events that could not be read among the summary's failures. It fails
// when no event could be read (misp.ErrTooLarge for a file over
// misp.MaxFileBytes); when some could, the producer returns the reading's
// error after their objects.
func MISPFile(r io.Reader, name string) (MISPProducer, error) {
	evs, fails, rerr := misp.Read(r, filepath.Base(name))
	if rerr != nil && len(evs) == 0 {
		if errors.Is(rerr, misp.ErrTooLarge) {
			return nil, rerr
		}
		return nil, fmt.Errorf("MISP JSON: %v", rerr)
	}
	produce := MISPEvents(evs, filepath.Base(name))
	return func(ctx context.Context, conv *misp.Converter, emit func(*stix.Object) error) (misp.FeedSummary, error) {
		s, err := produce(ctx, conv, emit)
		s.Failures = append(fails, s.Failures...)
		if err == nil {
			err = rerr
		}
		return s, err
	}, nil
}
