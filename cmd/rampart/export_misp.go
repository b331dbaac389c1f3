package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/atomicfile"
	"github.com/rampart-cti/rampart/misp"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/stix"
)

// mispEvents maps the latest version of every object of collection c back
// to MISP events, reporting what could not be mapped, and says whether any
// object is above TLP:GREEN (or addressed to named recipients).
func (m *Main) mispEvents(ctx context.Context, n *node.Node, c *rampart.Collection) (evs []*misp.Event, restricted bool, err error) {
	objs, err := n.ReadableObjects(ctx, c.ID, nil)
	if err != nil {
		return nil, false, err
	}
	for _, o := range objs {
		if tlp := stix.Restriction(o); tlp != stix.TLPClear && tlp != stix.TLPGreen {
			restricted = true
		}
	}
	evs, errs := node.MISPEventsOf(objs, "Rampart collection "+c.ID)
	for i, err := range errs {
		if i == maxListedFailures {
			m.hintf("%d more objects not mapped to MISP", len(errs)-maxListedFailures)
			break
		}
		m.warnf("not mapped to MISP: %v", err)
	}
	return evs, restricted, nil
}

// exportMISP writes the collection as MISP event JSON,
// {"response": [{"Event": …}, …]}.
func (m *Main) exportMISP(ctx context.Context, job *exportJob) error {
	if err := m.mispOnly(job); err != nil {
		return err
	}
	evs, _, err := m.mispEvents(ctx, job.node, job.coll)
	if err != nil {
		return err
	}
	w, done, err := m.exportOutput(job)
	if err != nil {
		return err
	}
	defer done()
	if err := misp.WriteEvents(w, evs); err != nil {
		return err
	}
	m.mispExported(job, len(evs))
	return nil
}

// exportMISPFeed writes the collection as a MISP feed into the directory
// --out.
func (m *Main) exportMISPFeed(ctx context.Context, job *exportJob) error {
	if err := m.mispOnly(job); err != nil {
		return err
	}
	if job.output == "-" {
		return m.usagef("--format misp-feed writes a directory: give --out DIR")
	}
	evs, restricted, err := m.mispEvents(ctx, job.node, job.coll)
	if err != nil {
		return err
	}
	// A feed to publish is readable by all; one that holds anything above
	// TLP:GREEN is for its owner alone, as the other exports' files are.
	mode := os.FileMode(0o644)
	if restricted {
		mode = 0o600
		m.hintf("the collection holds objects above TLP:GREEN: the feed's files are readable by you alone")
	}
	put := func(name string, data []byte) error {
		if name != filepath.Base(name) {
			return fmt.Errorf("feed file name %q is not a plain file name", name)
		}
		if err := os.MkdirAll(job.output, 0o755); err != nil {
			return err
		}
		return atomicfile.Replace(filepath.Join(job.output, name), data, mode)
	}
	if err := misp.WriteFeed(evs, put); err != nil {
		return err
	}
	m.mispExported(job, len(evs))
	return nil
}

// mispOnly refuses the filters the MISP formats do not take.
func (m *Main) mispOnly(job *exportJob) error {
	if len(job.filter.Versions) > 0 || len(job.filter.Types) > 0 || job.filter.AddedAfter != nil || job.tool.given(job.fs) {
		return m.usagef("--format %s writes every event of the collection: --all-versions, --type, --added-after and the filters of the security-tool formats do not apply", job.format)
	}
	return nil
}

func (m *Main) mispExported(job *exportJob, events int) {
	fmt.Fprintf(m.Stderr, "rampart: exported %s as %s from collection %s in %.1fs\n", plural(events, "event"), job.format, job.coll.ID, time.Since(job.started).Seconds())
}
