package feed

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// The renderings of this file are those of "rampart feed": a feed just
// defined, the list of feeds, a feed's runs and what a dry run read.
// Times are shown in local time.

// Describe says in one line what the feed pulls, from where (its URL
// redacted), how often and into which collection.
func (f *Feed) Describe() string {
	return fmt.Sprintf("feed %s: %s %s every %s into %s/%s", f.Name, f.Format, Redact(f.URL), f.EffectiveInterval(), orDash(f.APIRoot), orDash(f.Collection))
}

// String is the progress of a run in a few words: "storing 3/10 values".
func (p Progress) String() string {
	if p.Total > 0 {
		return fmt.Sprintf("%s %d/%d values", p.Stage, p.Done, p.Total)
	}
	return p.Stage
}

// String is the failed line and why: "line 3: bad value", or the reason
// alone when the failure is not one of a line.
func (f Failure) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("line %d: %s", f.Line, f.Reason)
	}
	return f.Reason
}

// Listings are the feeds of a node as "feed list" shows them.
type Listings []Listing

// WriteText writes the feeds as a table, one row each, with the counts of
// their last run ("never" when they did not run).
func (rows Listings) WriteText(w io.Writer) error {
	tw := newTable(w, "NAME\tFORMAT\tINTERVAL\tCOLLECTION\tLAST RUN\tSTATUS\tNEW\tUPDATED\tEXPIRED\tFAILED\tURL")
	for _, r := range rows {
		when, status, counts := "never", "-", "-\t-\t-\t-"
		if r.Last != nil {
			when, status = r.Last.Started.Local().Format(time.DateTime), string(r.Last.Status)
			counts = fmt.Sprintf("%d\t%d\t%d\t%d", r.Last.New, r.Last.Updated, r.Last.Expired, r.Last.Failed)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Format, r.Interval, r.Collection, when, status, counts, r.URL)
	}
	return tw.Flush()
}

// Runs are the runs of one feed, newest first, as "feed runs" shows them.
type Runs []*Run

// WriteText writes the runs of the feed name as a table, then the failed
// lines of the latest run that read the feed; a line saying so when the
// feed has not run.
func (runs Runs) WriteText(w io.Writer, name string) error {
	if len(runs) == 0 {
		_, err := fmt.Fprintf(w, "feed %s has not run yet\n", name)
		return err
	}
	tw := newTable(w, "STARTED\tSTATUS\tFETCHED\tNEW\tUPDATED\tUNCHANGED\tEXPIRED\tSKIPPED\tFAILED\tTOOK\tERROR")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", r.Started.Local().Format(time.DateTime), r.Status,
			r.Fetched, r.New, r.Updated, r.Unchanged, r.Expired, r.Skipped, r.Failed, r.Finished.Sub(r.Started).Round(time.Millisecond), orDash(r.Error))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	last := LatestRead(runs)
	if last == nil || len(last.Failures) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nfailed lines of the latest run that read the feed, %s (%d of %d):\n",
		last.Started.Local().Format(time.DateTime), len(last.Failures), last.Failed)
	for _, f := range last.Failures {
		if _, err := fmt.Fprintf(w, "  line %d: %s\n", f.Line, f.Reason); err != nil {
			return err
		}
	}
	return nil
}

// WriteText writes what a dry run of the feed name read: the values of
// the sample, each with the pattern its indicator would have, then a
// summary line. The failed lines are left to the caller.
func (t *Trial) WriteText(w io.Writer, name string) error {
	for _, e := range t.Sample {
		fmt.Fprintf(w, "line %d: %s %s  %s\n", e.Line, e.Kind, e.Value, Pattern(e.Kind, e.Value))
		if e.Description != "" {
			fmt.Fprintf(w, "    %s\n", e.Description)
		}
	}
	_, err := fmt.Fprintf(w, "%s: %d bytes, %d values (%s), %d failed, %d skipped; nothing stored (--dry-run)\n",
		name, t.Bytes, t.Values, orDash(t.KindCounts()), t.Failed, t.Skipped)
	return err
}

// newTable returns a writer of aligned columns with header as its first
// line; Flush writes the table.
func newTable(w io.Writer, header string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	return tw
}

// orDash returns s, or "-" for an empty value in a table or a summary.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
