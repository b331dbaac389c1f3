package node

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/internal/progress"
)

// maxUnmapped is how many objects not mapped to MISP an export lists one
// by one.
const maxUnmapped = 20

// Export writes the collection collectionID as job (checked) says: a STIX
// bundle or MISP event JSON to stdout or the file job.Output, a MISP feed
// into the directory job.Output, or a file for security tools. Progress,
// warnings, hints and the summary, which says how long the export took
// since started, go to the node's Notices. Errors are the store's and the
// output's.
func (n *Node) Export(ctx context.Context, job *ExportJob, collectionID string, stdout io.Writer, started time.Time) error {
	job.Filter.CollectionID, job.Tool.CollectionID = collectionID, collectionID
	x := exportRun{n: n, job: job, coll: collectionID, stdout: stdout, started: started, notes: n.Config.Notices}
	if x.notes == nil {
		x.notes = io.Discard
	}
	switch job.Kind() {
	case "bundle":
		return x.bundle(ctx)
	case "misp":
		return x.misp(ctx)
	}
	return x.tool(ctx)
}

// exportRun is an export being written.
type exportRun struct {
	n       *Node
	job     *ExportJob
	coll    string
	stdout  io.Writer
	notes   io.Writer
	started time.Time
}

func (x *exportRun) notef(format string, args ...any) {
	fmt.Fprintf(x.notes, "rampart: "+format+"\n", args...)
}

// output returns where a format that writes one stream writes: stdout, or
// the file job.Output, readable by its owner alone.
func (x *exportRun) output() (io.WriteCloser, error) {
	if x.job.Output == "-" {
		return nopWriteCloser{x.stdout}, nil
	}
	return CreateExportFile(x.job.Output)
}

// nopWriteCloser is a writer whose Close does nothing.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// bundle writes the collection as one STIX bundle.
func (x *exportRun) bundle(ctx context.Context) error {
	w, err := x.output()
	if err != nil {
		return err
	}
	defer w.Close()
	bar := progress.New(x.notes, "exporting", 0, "objects")
	count, err := x.n.WriteBundle(ctx, w, x.job.Filter, bar.Set)
	if err != nil {
		return err
	}
	bar.Done()
	of := ""
	if len(x.job.Filter.Types) > 0 {
		of = " of type " + strings.Join(x.job.Filter.Types, ", ")
	}
	x.notef("exported %s%s from collection %s in %.1fs", countOf(int(count), "object", "objects"), of, x.coll, time.Since(x.started).Seconds())
	return nil
}

// tool writes the collection's indicators in a format for security tools.
func (x *exportRun) tool(ctx context.Context) error {
	bar := progress.New(x.notes, "reading indicators", 0, "indicators")
	t, err := x.n.ExportTool(ctx, x.job.Tool, func(read int64) { bar.Set(0, read) })
	if err != nil {
		return err
	}
	bar.Done()
	var written []string
	if x.job.Output != "-" {
		if written, err = t.Save(x.job.Output); err != nil {
			return err
		}
	} else if _, err := x.stdout.Write(t.Body); err != nil {
		return err
	} else if len(t.Lists) > 0 {
		x.notef("hint: the file-hash rules name list files (%s): write them beside the rules with --out DIR", strings.Join(slices.Sorted(maps.Keys(t.Lists)), ", "))
	}
	for _, line := range t.Summary(x.coll, time.Since(x.started), written) {
		x.notef("%s", line)
	}
	return nil
}

// misp writes the collection as MISP event JSON, or as a MISP feed into
// the directory job.Output.
func (x *exportRun) misp(ctx context.Context) error {
	m, err := x.n.ExportMISP(ctx, x.coll)
	if err != nil {
		return err
	}
	for i, err := range m.Unmapped {
		if i == maxUnmapped {
			x.notef("hint: %d more objects not mapped to MISP", len(m.Unmapped)-maxUnmapped)
			break
		}
		x.notef("warning: not mapped to MISP: %v", err)
	}
	if x.job.Format == "misp-feed" {
		if m.Restricted {
			x.notef("hint: the collection holds objects above TLP:GREEN: the feed's files are readable by you alone")
		}
		if err := m.SaveFeed(x.job.Output); err != nil {
			return err
		}
	} else {
		w, err := x.output()
		if err != nil {
			return err
		}
		defer w.Close()
		if err := m.WriteEvents(w); err != nil {
			return err
		}
	}
	x.notef("exported %s as %s from collection %s in %.1fs", countOf(len(m.Events), "event", "events"), x.job.Format, x.coll, time.Since(x.started).Seconds())
	return nil
}
