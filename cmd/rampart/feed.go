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
	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

var feedUsage, feedFlagsHelp, feedExamples = helpText("feed-usage.txt"), helpText("feed-flags.txt"), helpText("feed-examples.txt")

// feedFlags are the flags of the feed commands, one set for all of them;
// those of a feed's settings are read by name (feed.Definition).
type feedFlags struct {
	store                                    storeFlags
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
	for _, name := range strings.Fields("url format separator comment columns records value kind kind-field prefix first-seen description port tlp-field producer marking") {
		fs.String(name, "", "")
	}
	fs.Bool("header-row", false, "")
	fs.Duration("interval", 0, "")
	fs.Duration("expiry", 0, "")
	fs.Int("confidence", -1, "")
	fs.Int64("max-body", 0, "")
	f.apiRoot, f.collection, f.limit = node.DefaultAPIRoot, node.DefaultCollection, 10
	for name, p := range map[string]*string{"preset": &f.preset, "api-root": &f.apiRoot, "collection": &f.collection, "http-header-stdin": &f.headerStdin} {
		fs.StringVar(p, name, *p, "")
	}
	for name, p := range map[string]*bool{"token-stdin": &f.tokenStdin, "replace": &f.replace, "dry-run": &f.dryRun, "all": &f.all, "json": &f.asJSON} {
		fs.BoolVar(p, name, false, "")
	}
	fs.Var(&f.headers, "http-header", "")
	fs.IntVar(&f.limit, "limit", f.limit, "")
	fs.Usage = func() { fmt.Fprint(fs.Output(), feedUsage+feedFlagsHelp+feedExamples) }
}

var feedCommands = cli.Subcommands{Cmd: "feed", Usage: feedUsage + feedExamples,
	Names: "add, list, run, runs or remove", Args: map[string]cli.Arity{
		"add": cli.Exactly(1, "one NAME"), "list": cli.Exactly(0, "no arguments"), "run": cli.Between(0, 1000, "feed NAMEs or --all"),
		"runs": cli.Exactly(1, "one NAME"), "remove": cli.Exactly(1, "one NAME"),
	}}

func (m *Main) runFeed(ctx context.Context, args []string) error {
	var f feedFlags
	sub, pos, fs, err := m.parseSubcommand(feedCommands, args, &f)
	if err != nil {
		return err
	}
	if sub == "run" && (len(pos) == 0) == !f.all {
		return m.Usagef("feed run takes feed NAMEs or --all")
	}
	var def *feed.Feed
	if sub == "add" {
		given := map[string]string{}
		fs.Visit(func(fl *flag.Flag) { given[fl.Name] = fl.Value.String() })
		def, err = node.DefineFeed(node.FeedDefinition{Definition: feed.Definition{Name: pos[0], Preset: f.preset, Given: given,
			Headers: f.headers, APIRoot: f.apiRoot, Collection: f.collection}, TokenStdin: f.tokenStdin, HeaderStdin: f.headerStdin, ReadSecret: m.ReadLine})
		if err != nil {
			return m.usageOf(err)
		} else if f.dryRun {
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
		fmt.Fprintln(m.Stdout, def.Describe())
		return nil
	case "remove":
		return n.Feeds().RemoveFeed(ctx, pos[0])
	case "list":
		rows, err := n.Feeds().List(ctx)
		if err != nil && len(rows) == 0 {
			return err
		} else if err != nil {
			m.Warnf("%v", err)
		}
		if f.asJSON {
			return m.PrintJSON(append([]feed.Listing{}, rows...))
		}
		return feed.Listings(rows).WriteText(m.Stdout)
	case "runs":
		runs, err := n.Feeds().Runs(ctx, pos[0], f.limit)
		if err != nil {
			return err
		} else if f.asJSON {
			return m.PrintJSON(append([]*feed.Run{}, runs...))
		}
		return feed.Runs(runs).WriteText(m.Stdout, pos[0])
	}
	return m.runFeeds(ctx, n, pos, f.all)
}

// runFeeds runs the feeds named, or every feed, one after another, each
// with progress and its summary; a run that failed, or a line of it, makes
// the command fail.
func (m *Main) runFeeds(ctx context.Context, n *node.Node, names []string, all bool) error {
	if all {
		var err error
		if names, err = n.Feeds().Names(ctx); err != nil {
			return err
		} else if len(names) == 0 {
			m.Hintf(`no feed to run: define one with "rampart feed add NAME --preset P"`)
		}
	}
	holder, failed := "rampart feed run (pid "+strconv.Itoa(os.Getpid())+")", false
	for _, name := range names {
		line := progress.NewLine(m.Stderr)
		run, err := n.RunFeed(ctx, name, holder, func(p feed.Progress) { line.Printf("feed %s: %s", name, p) })
		line.Clear()
		if err != nil {
			m.Errorf("feed %s: %v", name, err)
			failed = failed || run == nil || run.Status == feed.StatusFailed || run.Failed > 0
			continue
		}
		fmt.Fprintf(m.Stdout, "%s (%s)\n", run.Summary(), run.Finished.Sub(run.Started).Round(time.Millisecond))
		for i, f := range run.Failures {
			if i == maxListedFailures {
				m.Hintf("feed %s: %d more failed lines: rampart feed runs %s", name, run.Failed-i, name)
				break
			}
			m.Errorf("feed %s: %s", name, f)
		}
		failed = failed || run.Status == feed.StatusFailed || run.Status == feed.StatusCancelled || run.Failed > 0
	}
	if failed {
		return cli.ErrReported
	}
	return nil
}

// tryFeed fetches and reads a feed once, as a run would, and shows the
// first values and failed lines: no node is opened, nothing is stored.
func (m *Main) tryFeed(ctx context.Context, def *feed.Feed) error {
	t, err := node.TryFeed(ctx, def, 10, maxListedFailures)
	if err != nil {
		return m.usageOf(err)
	}
	for _, err := range t.Failures {
		m.Errorf("feed %s: %v", def.Name, err)
	}
	if err := t.WriteText(m.Stdout, def.Name); err != nil {
		return err
	}
	if t.Broken != nil {
		return fmt.Errorf("feed %s: %v", def.Name, t.Broken)
	} else if t.Failed > 0 || t.Values == 0 {
		return cli.ErrReported
	}
	return nil
}
