package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/feed"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var feedUsage = helpText("feed-usage.txt")

var feedExamples = helpText("feed-examples.txt")

// feedFlags are the flags of the feed commands, one set for all of them;
// those of a feed's settings are read by name (feed.Definition).
type feedFlags struct {
	store storeFlags

	preset, headerStdin, apiRoot, collection string
	headers                                  multiFlag
	tokenStdin, replace, all, asJSON, dryRun bool
	limit                                    int
}

// multiFlag is a flag given several times.
type multiFlag []string

func (f *multiFlag) String() string     { return strings.Join(*f, ", ") }
func (f *multiFlag) Set(v string) error { *f = append(*f, v); return nil }

func (f *feedFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	fs.StringVar(&f.preset, "preset", "", "start from the preset `NAME`")
	fs.String("url", "", "the feed's `URL`")
	fs.String("format", "", "`FORMAT`: csv, list, json, jsonl, taxii or misp")
	fs.String("separator", "", "csv column separator (default \",\"; \"\\t\" for tabs)")
	fs.String("comment", "", "`PREFIX` of comment lines (\"#\", \";\")")
	fs.Bool("header-row", false, "csv: the first line that is not a comment names the columns")
	fs.String("columns", "", "csv: comma-separated column `NAMES` of a feed without a header row")
	fs.String("records", "", "json: the `FIELD` of each object holding an array of records")
	fs.String("value", "", "the column or field holding the value (`SPEC`: name, 1-based index,\nnegative from the end, dotted path; a|b tries a then b)")
	fs.String("kind", "", "the values' `KIND` (default auto: told from each value's shape)")
	fs.String("kind-field", "", "the column or field naming each record's kind (`SPEC`)")
	fs.String("prefix", "", "the column holding a prefix length that makes the value a CIDR block (`SPEC`)")
	fs.String("first-seen", "", "the column or field saying when the value was first seen (`SPEC`)")
	fs.String("description", "", "comma-separated columns or fields for the description (`SPECS`)")
	fs.String("port", "", "the column or field holding a port (`SPEC`)")
	fs.String("tlp-field", "", "the column or field holding a per-record TLP level (`SPEC`)")
	fs.Duration("interval", 0, "how often serve runs the feed (default 1h)")
	fs.String("producer", "", "who publishes the feed (`NAME`), as the indicators' created_by_ref")
	fs.Int("confidence", -1, "the indicators' confidence, 0-100 (default 50)")
	fs.String("marking", "", "the indicators' TLP `LEVEL`: clear, green, amber, amber+strict, red")
	fs.Duration("expiry", 0, "how long an indicator stays valid after its value was last seen (default 168h)")
	fs.StringVar(&f.apiRoot, "api-root", node.DefaultAPIRoot, "API root `name` of the collection")
	fs.StringVar(&f.collection, "collection", node.DefaultCollection, "collection `id or alias` the indicators go to")
	fs.Var(&f.headers, "http-header", "an HTTP header sent with each request, `NAME: VALUE` (not for keys: see --http-header-stdin)")
	fs.StringVar(&f.headerStdin, "http-header-stdin", "", "read the value of the HTTP header `NAME` (an API key) from standard input")
	fs.BoolVar(&f.tokenStdin, "token-stdin", false, "read a bearer token from standard input")
	fs.Int64("max-body", 0, "the largest body fetched, in `BYTES` (default 128 MiB)")
	fs.BoolVar(&f.replace, "replace", false, "feed add: replace a feed of that name")
	fs.BoolVar(&f.dryRun, "dry-run", false, "feed add: fetch and read the feed once, show what it holds, store nothing")
	fs.BoolVar(&f.all, "all", false, "feed run: run every feed")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON")
	fs.IntVar(&f.limit, "limit", 10, "feed runs: how many runs to show")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), feedUsage+"\nFlags:\n")
		printFlags(fs)
		fmt.Fprint(fs.Output(), feedExamples)
	}
}

var feedCommands = subcommands{cmd: "feed", usage: feedUsage + feedExamples,
	names: "add, list, run, runs or remove", args: map[string]arity{
		"add": exactly(1, "one NAME"), "list": exactly(0, "no arguments"), "run": {0, 1000, "feed NAMEs or --all"},
		"runs": exactly(1, "one NAME"), "remove": exactly(1, "one NAME"),
	}}

func (m *Main) runFeed(ctx context.Context, args []string) error {
	var f feedFlags
	sub, pos, fs, err := m.parseSubcommand(feedCommands, args, &f)
	if err != nil {
		return err
	}
	if sub == "run" && (len(pos) == 0) == !f.all {
		return m.usagef("feed run takes feed NAMEs or --all")
	}
	var def *feed.Feed
	if sub == "add" {
		if def, err = m.feedDefinition(pos[0], fs, &f); err != nil {
			return err
		}
		if f.dryRun {
			return m.tryFeed(ctx, def)
		}
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		if err := n.Feeds().AddFeed(ctx, def, f.replace); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "feed %s: %s %s every %s into %s/%s\n", def.Name, def.Format, feed.Redact(def.URL), def.EffectiveInterval(), dash(def.APIRoot), dash(def.Collection))
		return nil
	case "remove":
		return n.Feeds().RemoveFeed(ctx, pos[0])
	case "list":
		return m.listFeeds(ctx, n, f.asJSON)
	case "runs":
		return m.feedRuns(ctx, n, pos[0], f.limit, f.asJSON)
	}
	return m.runFeeds(ctx, n, pos, f.all)
}

// runFeeds runs the feeds named, or every feed, one after another.
func (m *Main) runFeeds(ctx context.Context, n *node.Node, names []string, all bool) error {
	if all {
		var err error
		if names, err = n.Feeds().Names(ctx); err != nil {
			return err
		}
		if len(names) == 0 {
			m.hintf(`no feed to run: define one with "rampart feed add NAME --preset P"`)
		}
	}
	failed := false
	for _, name := range names {
		if !m.runOneFeed(ctx, n, name) {
			failed = true
		}
	}
	if failed {
		return errReported
	}
	return nil
}

// feedDefinition builds a feed from a preset and the flags given, reading
// its secret from standard input.
func (m *Main) feedDefinition(name string, fs *flag.FlagSet, f *feedFlags) (*feed.Feed, error) {
	given := map[string]string{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = fl.Value.String() })
	def, err := feed.Define(feed.Definition{Name: name, Preset: f.preset, Given: given, Headers: f.headers,
		APIRoot: f.apiRoot, Collection: f.collection})
	if err != nil {
		return nil, m.usagef("%v", err)
	}
	if f.tokenStdin && f.headerStdin != "" {
		return nil, m.usagef("give --token-stdin or --http-header-stdin, not both: standard input holds one secret")
	}
	if f.tokenStdin {
		if def.Token, err = m.readLine("token"); err != nil {
			return nil, err
		}
	}
	if f.headerStdin != "" {
		v, err := m.readLine(f.headerStdin + " header value")
		if err != nil {
			return nil, err
		}
		def.SetHeader(f.headerStdin, v)
	}
	if err := def.CheckNew(); err != nil {
		return nil, m.usagef("%v", err)
	}
	return def, nil
}

func (m *Main) listFeeds(ctx context.Context, n *node.Node, asJSON bool) error {
	rows, err := n.Feeds().List(ctx)
	if err != nil && len(rows) == 0 {
		return err
	}
	if err != nil {
		m.warnf("%v", err)
	}
	if asJSON {
		return m.printJSON(append([]feed.Listing{}, rows...))
	}
	tw := m.table("NAME\tFORMAT\tINTERVAL\tCOLLECTION\tLAST RUN\tSTATUS\tNEW\tUPDATED\tEXPIRED\tFAILED\tURL")
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

func (m *Main) feedRuns(ctx context.Context, n *node.Node, name string, limit int, asJSON bool) error {
	runs, err := n.Feeds().Runs(ctx, name, limit)
	if err != nil {
		return err
	}
	if asJSON {
		return m.printJSON(append([]*feed.Run{}, runs...))
	}
	if len(runs) == 0 {
		fmt.Fprintf(m.Stdout, "feed %s has not run yet\n", name)
		return nil
	}
	tw := m.table("STARTED\tSTATUS\tFETCHED\tNEW\tUPDATED\tUNCHANGED\tEXPIRED\tSKIPPED\tFAILED\tTOOK\tERROR")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", r.Started.Local().Format(time.DateTime), r.Status,
			r.Fetched, r.New, r.Updated, r.Unchanged, r.Expired, r.Skipped, r.Failed, r.Finished.Sub(r.Started).Round(time.Millisecond), dash(r.Error))
	}
	tw.Flush()
	if last := feed.LatestRead(runs); last != nil && len(last.Failures) > 0 {
		fmt.Fprintf(m.Stdout, "\nfailed lines of the latest run that read the feed, %s (%d of %d):\n",
			last.Started.Local().Format(time.DateTime), len(last.Failures), last.Failed)
		for _, f := range last.Failures {
			fmt.Fprintf(m.Stdout, "  line %d: %s\n", f.Line, f.Reason)
		}
	}
	return nil
}

// runOneFeed runs one feed with progress, prints its summary, and reports
// whether it went well.
func (m *Main) runOneFeed(ctx context.Context, n *node.Node, name string) bool {
	line := progress.NewLine(m.Stderr)
	holder := "rampart feed run (pid " + strconv.Itoa(os.Getpid()) + ")"
	run, err := n.RunFeed(ctx, name, holder, func(p feed.Progress) {
		if p.Total > 0 {
			line.Printf("feed %s: %s %d/%d values", name, p.Stage, p.Done, p.Total)
		} else {
			line.Printf("feed %s: %s", name, p.Stage)
		}
	})
	line.Clear()
	if err != nil {
		m.errorf("feed %s: %v", name, err)
		return run != nil && run.Status != feed.StatusFailed && run.Failed == 0
	}
	fmt.Fprintf(m.Stdout, "%s (%s)\n", run.Summary(), run.Finished.Sub(run.Started).Round(time.Millisecond))
	for i, f := range run.Failures {
		if i == maxListedFailures {
			m.hintf("feed %s: %d more failed lines: rampart feed runs %s", name, run.Failed-i, name)
			break
		}
		if f.Line > 0 {
			m.errorf("feed %s: line %d: %s", name, f.Line, f.Reason)
		} else {
			m.errorf("feed %s: %s", name, f.Reason)
		}
	}
	return run.Status != feed.StatusFailed && run.Status != feed.StatusCancelled && run.Failed == 0
}

// maxShownValues is how many values "feed add --dry-run" shows.
const maxShownValues = 10

// tryFeed fetches and reads a feed once, as a run would, and shows what it
// read: no node is opened, nothing is stored.
func (m *Main) tryFeed(ctx context.Context, def *feed.Feed) error {
	if err := def.CheckTrial(); err != nil {
		return m.usagef("%v", err)
	}
	t, err := feed.Try(ctx, &feed.Fetcher{UserAgent: "Rampart feed"}, def, maxShownValues, maxListedFailures)
	if err != nil {
		return err
	}
	for _, e := range t.Sample {
		fmt.Fprintf(m.Stdout, "line %d: %s %s  %s\n", e.Line, e.Kind, e.Value, feed.Pattern(e.Kind, e.Value))
		if e.Description != "" {
			fmt.Fprintf(m.Stdout, "    %s\n", e.Description)
		}
	}
	for _, err := range t.Failures {
		m.errorf("feed %s: %v", def.Name, err)
	}
	fmt.Fprintf(m.Stdout, "%s: %d bytes, %d values (%s), %d failed, %d skipped; nothing stored (--dry-run)\n",
		def.Name, t.Bytes, t.Values, dash(t.KindCounts()), t.Failed, t.Skipped)
	if t.Broken != nil {
		return fmt.Errorf("feed %s: %v", def.Name, t.Broken)
	}
	if t.Failed > 0 || t.Values == 0 {
		return errReported
	}
	return nil
}
