package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/lifecycle"
	"github.com/rampart-cti/rampart/node"
)

// Output: results on stdout (the settings, a score, the id of the
// sighting filed); errors on stderr. Exit 1 on failure, 2 on usage
// errors.

var lifecycleUsage = helpText("lifecycle-usage.txt")

type lifecycleFlags struct {
	store                           storeFlags
	asJSON                          bool
	feed, note, collection, apiRoot string
	threshold, fpFactor             float64
	defaultConfidence               int
	models, producers               []string
}

func (f *lifecycleFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	fs.BoolVar(&f.asJSON, "json", false, "")
	fs.StringVar(&f.feed, "feed", "", "")
	fs.StringVar(&f.note, "note", "", "")
	fs.StringVar(&f.collection, "collection", "", "")
	fs.StringVar(&f.apiRoot, "api-root", node.DefaultAPIRoot, "")
	fs.Float64Var(&f.threshold, "threshold", 0, "")
	fs.Float64Var(&f.fpFactor, "false-positive-factor", 0, "")
	fs.IntVar(&f.defaultConfidence, "default-confidence", 0, "")
	fs.Func("model", "", func(v string) error { f.models = append(f.models, v); return nil })
	fs.Func("producer", "", func(v string) error { f.producers = append(f.producers, v); return nil })
}

// change returns the change of the settings the flags of "lifecycle set"
// give.
func (f *lifecycleFlags) change(fs *flag.FlagSet) node.LifecycleChange {
	c := node.LifecycleChange{Feed: f.feed, Models: f.models, Producers: f.producers}
	if flagGiven(fs, "threshold") {
		c.Threshold = &f.threshold
	}
	if flagGiven(fs, "false-positive-factor") {
		c.FalsePositiveFactor = &f.fpFactor
	}
	if flagGiven(fs, "default-confidence") {
		c.DefaultConfidence = &f.defaultConfidence
	}
	return c
}

var lifecycleCommands = subcommands{cmd: "lifecycle", usage: lifecycleUsage, names: "show, set, load, score or false-positive", args: map[string]arity{
	"show": exactly(0, "no arguments"), "set": exactly(0, "no arguments (flags only)"), "load": exactly(1, "one FILE"),
	"score": exactly(1, "one INDICATOR-ID"), "false-positive": exactly(1, "one INDICATOR-ID"),
}}

func (m *Main) runLifecycle(ctx context.Context, args []string) error {
	var f lifecycleFlags
	sub, pos, fs, err := m.parseSubcommand(lifecycleCommands, args, &f)
	if err != nil {
		return err
	}
	var set lifecycle.Settings
	switch sub {
	case "set":
		if fs.NFlag() == 0 || (fs.NFlag() == 1 && flagGiven(fs, "feed")) {
			return m.usagef("lifecycle set: give a setting to change (--threshold, --model, --producer, --false-positive-factor, --default-confidence)")
		}
	case "load":
		if set, err = m.readLifecycle(pos[0]); err != nil {
			return err
		}
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	switch sub {
	case "show":
		return m.showLifecycle(ctx, n, f.asJSON)
	case "set":
		if set, err = n.LifecycleSettings(ctx); err != nil {
			return err
		}
		if err := f.change(fs).Apply(&set); err != nil {
			return m.usagef("%v", err)
		}
		fallthrough
	case "load":
		if err := n.SetLifecycleSettings(ctx, set); err != nil {
			return err
		}
		return m.showLifecycle(ctx, n, false)
	}
	return m.indicatorCommand(ctx, n, sub, pos[0], &f)
}

// indicatorCommand runs "lifecycle score" or "lifecycle false-positive",
// which files a false-positive sighting of the indicator.
func (m *Main) indicatorCommand(ctx context.Context, n *node.Node, sub, id string, f *lifecycleFlags) error {
	o, err := n.FindIndicator(ctx, id)
	if rampart.ErrorCode(err) == rampart.EINVALID {
		return m.usagef("%v", err)
	} else if err != nil {
		return err
	}
	if sub == "score" {
		sc, err := n.IndicatorScore(ctx, o)
		if err != nil {
			return err
		}
		if f.asJSON {
			return m.printJSON(sc)
		}
		return sc.WriteText(m.Stdout, o.ID)
	}
	coll, err := n.FindCollection(ctx, f.apiRoot, f.collection)
	if err != nil {
		return err
	}
	sg, err := n.ReportFalsePositive(ctx, coll.ID, o, "", f.note)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, sg.ID)
	if sc, err := n.IndicatorScore(ctx, o); err == nil {
		fmt.Fprintf(m.Stderr, "rampart: %s reported a false positive in collection %s; its score is now %s\n", o.ID, coll.ID, lifecycle.FormatNumber(sc.Value))
	}
	return nil
}

// readLifecycle reads the settings "lifecycle load" stores.
func (m *Main) readLifecycle(name string) (lifecycle.Settings, error) {
	in, err := m.openInput(name)
	if err != nil {
		return lifecycle.Settings{}, err
	}
	defer in.Close()
	set, err := lifecycle.ReadSettings(in)
	if err != nil {
		m.errorf("%s: %v", name, err)
		return set, errReported
	}
	return set, nil
}

// showLifecycle prints the settings in force.
func (m *Main) showLifecycle(ctx context.Context, n *node.Node, asJSON bool) error {
	set, err := n.LifecycleSettings(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return m.printJSON(set)
	}
	return set.WriteText(m.Stdout)
}
