package main

// MISP input for "rampart import": event JSON files (recognised by their
// first members), feed directories (holding manifest.json) and feed URLs.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/ingest"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/misp"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/stix"
)

// importMISP stores what produce converts and prints the summary.
func (m *Main) importMISP(ctx context.Context, n *node.Node, c *rampart.Collection, name string, produce node.MISPProducer) (importSummary, error) {
	start := time.Now()
	var s importSummary
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
	s.Summary = sum.Store
	s.elapsed = time.Since(start)
	for i, f := range sum.MISP.Failures {
		if i == maxListedFailures {
			m.hintf("%s: %d more MISP failures not shown", name, len(sum.MISP.Failures)-maxListedFailures)
			break
		}
		m.errorf("%v", f)
	}
	for _, note := range sum.MISP.Notes {
		m.hintf("%s: %s", name, note)
	}
	s.Invalid += len(sum.MISP.Failures)
	ms := sum.MISP
	feed := ""
	if ms.Listed > 0 {
		feed = fmt.Sprintf("%d listed, %d fetched, %d unchanged; ", ms.Listed, ms.Fetched, ms.Skipped)
	}
	fmt.Fprintf(m.Stdout, "%s: MISP: %s%d events, %d attributes, %d indicators, %d observables, %d custom, %d objects, %d sightings, %d galaxy clusters, %d failures\n",
		name, feed, ms.Events, ms.Attributes, ms.Indicators, ms.Observables, ms.Custom, ms.Objects, ms.Sightings, ms.Galaxies, len(ms.Failures))
	rate := 0.0
	if s.elapsed > 0 {
		rate = float64(ms.Attributes) / s.elapsed.Seconds()
	}
	fmt.Fprintf(m.Stdout, "%s: %s; %.0f MISP attributes/s\n", name, s.String(), rate)
	return s, err
}

// importMISPFile imports MISP JSON read from r.
func (m *Main) importMISPFile(ctx context.Context, n *node.Node, c *rampart.Collection, name string, r io.Reader) (importSummary, error) {
	evs, fails, err := misp.Read(r, filepath.Base(name))
	if err != nil && len(evs) == 0 {
		if errors.Is(err, misp.ErrTooLarge) {
			return importSummary{}, err
		}
		return importSummary{}, fmt.Errorf("MISP JSON: %v", err)
	}
	produce := node.MISPEvents(evs, filepath.Base(name))
	withFails := func(ctx context.Context, conv *misp.Converter, emit func(*stix.Object) error) (misp.FeedSummary, error) {
		s, err := produce(ctx, conv, emit)
		s.Failures = append(fails, s.Failures...)
		return s, err
	}
	s, ierr := m.importMISP(ctx, n, c, name, withFails)
	if ierr == nil && err != nil {
		ierr = err
	}
	return s, ierr
}
