package node

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// The renderings of this file are the diagnostics "rampart match" writes
// on stderr while it runs, in the command's format: "rampart: …" for
// notices, "rampart: error: …" for what was refused or malformed.

// WriteText writes the indicators left out for their score, the first
// maxReported skipped with the reason and a count of the rest, and how
// many were compiled in took.
func (ci *CompiledIndicators) WriteText(w io.Writer, took time.Duration, maxReported int) error {
	var b strings.Builder
	if ci.Decayed > 0 {
		fmt.Fprintf(&b, "rampart: %d indicators left out: their score is below the threshold (--include-decayed matches them)\n", ci.Decayed)
	}
	for i, e := range ci.Skipped {
		if i == maxReported {
			fmt.Fprintf(&b, "rampart: error: … and %d more indicators skipped\n", len(ci.Skipped)-i)
			break
		}
		fmt.Fprintf(&b, "rampart: error: %s: skipped %v\n", ci.Source, e)
	}
	fmt.Fprintf(&b, "rampart: %d indicators compiled in %s\n", ci.Matcher.Len(), took.Round(time.Millisecond))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the entries of the lists left out, as warnings, and
// how many lists and entries apply.
func (a *AppliedWarninglists) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, err := range a.LeftOut {
		fmt.Fprintf(&b, "rampart: warning: %v (left out)\n", err)
	}
	fmt.Fprintf(&b, "rampart: %s with %s applied\n", countOf(a.Lists, "warninglist", "warninglists"), countOf(a.Entries, "entry", "entries"))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the summary of a match over the file input ("-" for
// standard input): its malformed records, the counts, the hits suppressed
// and the sightings stored.
func (r MatchResult) WriteText(w io.Writer, input string) error {
	if input == "-" {
		input = "stdin"
	}
	var b strings.Builder
	for _, le := range r.Errors {
		fmt.Fprintf(&b, "rampart: error: %s: malformed %v\n", input, le)
	}
	if n := r.Malformed - int64(len(r.Errors)); n > 0 {
		fmt.Fprintf(&b, "rampart: error: %s: … and %d more malformed lines\n", input, n)
	}
	fmt.Fprintf(&b, "rampart: %d records read, %d malformed, %d matched, %d sightings, %.0f records/s\n",
		r.Records, r.Malformed, r.Matched, r.Sightings, r.RecordsPerSecond())
	if r.Suppressed > 0 {
		fmt.Fprintf(&b, "rampart: %d matches on warninglists suppressed\n", r.Suppressed)
	}
	if r.Collection != "" {
		fmt.Fprintf(&b, "rampart: stored %s in collection %s\n", countOf(len(r.Stored), "sighting", "sightings"), r.Collection)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// countOf writes a count with its noun, singular for one.
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
