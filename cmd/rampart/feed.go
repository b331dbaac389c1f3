package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/feed"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var feedUsage = helpText("feed-usage.txt")

var feedExamples = helpText("feed-examples.txt")

// feedFlags are the flags of the feed commands, one set for all of them.
type feedFlags struct {
	store storeFlags
	def   feed.Feed

	preset, format, kind, marking          string
	interval, expiry                       time.Duration
	confidence                             int
	columns                                string
	headers                                multiFlag
	headerStdin                            string
	tokenStdin, replace, all, asJSON, head bool
	dryRun                                 bool
	limit                                  int
}

// multiFlag is a flag given several times.
type multiFlag []string

func (f *multiFlag) String() string     { return strings.Join(*f, ", ") }
func (f *multiFlag) Set(v string) error { *f = append(*f, v); return nil }

func (f *feedFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	d := &f.def
	fs.StringVar(&f.preset, "preset", "", "start from the preset `NAME`")
	fs.StringVar(&d.URL, "url", "", "the feed's `URL`")
	fs.StringVar(&f.format, "format", "", "`FORMAT`: csv, list, json, jsonl, taxii or misp")
	fs.StringVar(&d.Separator, "separator", "", "csv column separator (default \",\"; \"\\t\" for tabs)")
	fs.StringVar(&d.Comment, "comment", "", "`PREFIX` of comment lines (\"#\", \";\")")
	fs.BoolVar(&f.head, "header-row", false, "csv: the first line that is not a comment names the columns")
	fs.StringVar(&f.columns, "columns", "", "csv: comma-separated column `NAMES` of a feed without a header row")
	fs.StringVar(&d.Records, "records", "", "json: the `FIELD` of each object holding an array of records")
	fs.StringVar(&d.Value, "value", "", "the column or field holding the value (`SPEC`: name, 1-based index,\nnegative from the end, dotted path; a|b tries a then b)")
	fs.StringVar(&f.kind, "kind", "", "the values' `KIND` (default auto: told from each value's shape)")
	fs.StringVar(&d.KindField, "kind-field", "", "the column or field naming each record's kind (`SPEC`)")
	fs.StringVar(&d.Prefix, "prefix", "", "the column holding a prefix length that makes the value a CIDR block (`SPEC`)")
	fs.StringVar(&d.FirstSeen, "first-seen", "", "the column or field saying when the value was first seen (`SPEC`)")
	fs.StringVar(&d.Description, "description", "", "comma-separated columns or fields for the description (`SPECS`)")
	fs.StringVar(&d.Port, "port", "", "the column or field holding a port (`SPEC`)")
	fs.StringVar(&d.TLP, "tlp-field", "", "the column or field holding a per-record TLP level (`SPEC`)")
	fs.DurationVar(&f.interval, "interval", 0, "how often serve runs the feed (default 1h)")
	fs.StringVar(&d.Producer, "producer", "", "who publishes the feed (`NAME`), as the indicators' created_by_ref")
	fs.IntVar(&f.confidence, "confidence", -1, "the indicators' confidence, 0-100 (default 50)")
	fs.StringVar(&f.marking, "marking", "", "the indicators' TLP `LEVEL`: clear, green, amber, amber+strict, red")
	fs.DurationVar(&f.expiry, "expiry", 0, "how long an indicator stays valid after its value was last seen (default 168h)")
	fs.StringVar(&d.APIRoot, "api-root", node.DefaultAPIRoot, "API root `name` of the collection")
	fs.StringVar(&d.Collection, "collection", node.DefaultCollection, "collection `id or alias` the indicators go to")
	fs.Var(&f.headers, "http-header", "an HTTP header sent with each request, `NAME: VALUE` (not for keys: see --http-header-stdin)")
	fs.StringVar(&f.headerStdin, "http-header-stdin", "", "read the value of the HTTP header `NAME` (an API key) from standard input")
	fs.BoolVar(&f.tokenStdin, "token-stdin", false, "read a bearer token from standard input")
	fs.Int64Var(&d.MaxBodyBytes, "max-body", 0, "the largest body fetched, in `BYTES` (default 128 MiB)")
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
	names := pos
	if f.all {
		feeds, err := n.Feeds().Feeds(ctx)
		if err != nil {
			return err
		}
		for _, x := range feeds {
			names = append(names, x.Name)
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

// feedDefinition builds a feed from a preset and the flags given.
func (m *Main) feedDefinition(name string, fs *flag.FlagSet, f *feedFlags) (*feed.Feed, error) {
	def := &feed.Feed{}
	if f.preset != "" {
		p, ok := feed.Preset(f.preset)
		if !ok {
			return nil, m.usagef("--preset: no preset %q (presets: %s)", f.preset, strings.Join(feed.Presets(), ", "))
		}
		def = &p
	}
	def.Name = name
	given := func(n string) bool { return flagGiven(fs, n) }
	strs := map[string]*string{
		"url": &def.URL, "separator": &def.Separator, "comment": &def.Comment, "records": &def.Records,
		"value": &def.Value, "kind-field": &def.KindField, "prefix": &def.Prefix, "first-seen": &def.FirstSeen,
		"description": &def.Description, "port": &def.Port, "tlp-field": &def.TLP, "producer": &def.Producer,
	}
	for flagName, dst := range strs {
		if given(flagName) {
			*dst = fs.Lookup(flagName).Value.String()
		}
	}
	def.APIRoot, def.Collection = f.def.APIRoot, f.def.Collection
	if given("format") {
		def.Format = feed.Format(f.format)
	}
	if given("kind") {
		def.Kind = feed.Kind(f.kind)
	}
	if given("marking") {
		def.Marking = f.marking
	}
	if given("header-row") {
		def.Header = f.head
	}
	if given("columns") {
		def.Columns = splitComma(f.columns)
	}
	if given("interval") {
		def.Interval = feed.Duration{D: f.interval}
	}
	if given("expiry") {
		def.Expiry = feed.Duration{D: f.expiry}
	}
	if given("confidence") {
		c := f.confidence
		def.Confidence = &c
	}
	if given("max-body") {
		def.MaxBodyBytes = f.def.MaxBodyBytes
	}
	if def.Separator == `\t` {
		def.Separator = "\t"
	}
	for _, h := range f.headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return nil, m.usagef("--http-header %q: want NAME: VALUE", h)
		}
		if def.Headers == nil {
			def.Headers = map[string]string{}
		}
		def.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if f.tokenStdin && f.headerStdin != "" {
		return nil, m.usagef("give --token-stdin or --http-header-stdin, not both: standard input holds one secret")
	}
	if f.tokenStdin {
		tok, err := m.readLine("token")
		if err != nil {
			return nil, err
		}
		def.Token = tok
	}
	if f.headerStdin != "" {
		v, err := m.readLine(f.headerStdin + " header value")
		if err != nil {
			return nil, err
		}
		if def.Headers == nil {
			def.Headers = map[string]string{}
		}
		def.Headers[f.headerStdin] = v
	}
	if def.URL == "" {
		if f.preset != "" {
			return nil, m.usagef("feed add %s: preset %s has no public URL: give --url", name, f.preset)
		}
		return nil, m.usagef("feed add %s: give --url (or a --preset)", name)
	}
	if def.Format == "" {
		return nil, m.usagef("feed add %s: give --format (csv, list, json, jsonl, taxii, misp) or a --preset", name)
	}
	if err := def.Check(); err != nil {
		return nil, m.usagef("%v", err)
	}
	return def, nil
}

func (m *Main) listFeeds(ctx context.Context, n *node.Node, asJSON bool) error {
	feeds, err := n.Feeds().Feeds(ctx)
	if err != nil && len(feeds) == 0 {
		return err
	}
	if err != nil {
		m.warnf("%v", err)
	}
	type row struct {
		Name       string    `json:"name"`
		Format     string    `json:"format"`
		Preset     string    `json:"preset,omitempty"`
		URL        string    `json:"url"`
		Interval   string    `json:"interval"`
		Collection string    `json:"collection"`
		Secrets    bool      `json:"secrets"`
		Last       *feed.Run `json:"last_run,omitempty"`
	}
	var rows []row
	for _, f := range feeds {
		last, _ := n.Feeds().LastRun(ctx, f.Name)
		if last != nil {
			last.Failures = nil
		}
		rows = append(rows, row{Name: f.Name, Format: string(f.Format), Preset: f.Preset, URL: feed.Redact(f.URL),
			Interval: f.EffectiveInterval().String(), Collection: f.APIRoot + "/" + f.Collection,
			Secrets: f.Token != "" || len(f.Headers) > 0, Last: last})
	}
	if asJSON {
		if rows == nil {
			rows = []row{}
		}
		return m.printJSON(rows)
	}
	tw := m.table("NAME\tFORMAT\tINTERVAL\tCOLLECTION\tLAST RUN\tSTATUS\tNEW\tUPDATED\tEXPIRED\tFAILED\tURL")
	for _, r := range rows {
		when, status, counts := "never", "-", "-\t-\t-\t-"
		if r.Last != nil {
			when, status = r.Last.Started.Local().Format("2006-01-02 15:04:05"), string(r.Last.Status)
			counts = fmt.Sprintf("%d\t%d\t%d\t%d", r.Last.New, r.Last.Updated, r.Last.Expired, r.Last.Failed)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Format, r.Interval, r.Collection, when, status, counts, r.URL)
	}
	tw.Flush()
	return nil
}

func (m *Main) feedRuns(ctx context.Context, n *node.Node, name string, limit int, asJSON bool) error {
	if _, err := n.Feeds().Feed(ctx, name); err != nil {
		return err
	}
	rec, err := n.Feeds().Record(ctx, name)
	if err != nil {
		return err
	}
	runs := rec.Runs
	if limit > 0 && len(runs) > limit {
		runs = runs[:limit]
	}
	if asJSON {
		if runs == nil {
			runs = []*feed.Run{}
		}
		return m.printJSON(runs)
	}
	if len(runs) == 0 {
		fmt.Fprintf(m.Stdout, "feed %s has not run yet\n", name)
		return nil
	}
	tw := m.table("STARTED\tSTATUS\tFETCHED\tNEW\tUPDATED\tUNCHANGED\tEXPIRED\tSKIPPED\tFAILED\tTOOK\tERROR")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", r.Started.Local().Format("2006-01-02 15:04:05"), r.Status,
			r.Fetched, r.New, r.Updated, r.Unchanged, r.Expired, r.Skipped, r.Failed, r.Finished.Sub(r.Started).Round(time.Millisecond), dash(r.Error))
	}
	tw.Flush()
	if last := feed.LatestRead(runs); last != nil && len(last.Failures) > 0 {
		fmt.Fprintf(m.Stdout, "\nfailed lines of the latest run that read the feed, %s (%d of %d):\n",
			last.Started.Local().Format("2006-01-02 15:04:05"), len(last.Failures), last.Failed)
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
	if def.Format == feed.FormatTAXII || def.Format == feed.FormatMISP {
		return m.usagef("--dry-run reads csv, list, json and jsonl feeds, not %s", def.Format)
	}
	resp, err := (&feed.Fetcher{UserAgent: "Rampart feed"}).Fetch(ctx, feed.Request{URL: def.URL, Token: def.Token, Headers: def.Headers, MaxBodyBytes: def.MaxBodyBytes})
	if err != nil {
		return err
	}
	kinds := map[feed.Kind]int{}
	var values, failed, skipped int
	var broken error
	for e, err := range feed.Parse(def, resp.Body) {
		var le *feed.LineError
		switch {
		case err == nil:
			if values++; values <= maxShownValues {
				fmt.Fprintf(m.Stdout, "line %d: %s %s  %s\n", e.Line, e.Kind, e.Value, feed.Pattern(e.Kind, e.Value))
				if e.Description != "" {
					fmt.Fprintf(m.Stdout, "    %s\n", e.Description)
				}
			}
			kinds[e.Kind]++
		case errors.As(err, &le) && le.Skipped:
			skipped++
		case errors.As(err, &le):
			if failed++; failed <= maxListedFailures {
				m.errorf("feed %s: %v", def.Name, err)
			}
		default:
			broken = err
		}
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		parts = append(parts, fmt.Sprintf("%d %s", kinds[k], k))
	}
	fmt.Fprintf(m.Stdout, "%s: %d bytes, %d values (%s), %d failed, %d skipped; nothing stored (--dry-run)\n",
		def.Name, len(resp.Body), values, dash(strings.Join(parts, ", ")), failed, skipped)
	if broken != nil {
		return fmt.Errorf("feed %s: %v", def.Name, broken)
	}
	if failed > 0 || values == 0 {
		return errReported
	}
	return nil
}
