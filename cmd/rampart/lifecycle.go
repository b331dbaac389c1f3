package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/lifecycle"
	"github.com/rampart-cti/rampart/node"
)

// Output: results on stdout (the settings, a score, the id of the
// sighting filed); errors on stderr. Exit 1 on failure, 2 on usage
// errors.

var lifecycleUsage = helpText("lifecycle-usage.txt")

type lifecycleFlags struct {
	store               storeFlags
	asJSON              bool
	note, coll, apiRoot string
	threshold, fpFactor float64
	confidence          int
	change              node.LifecycleChange
}

func (f *lifecycleFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.store.register(fs, getenv)
	f.apiRoot = node.DefaultAPIRoot
	for name, p := range map[string]*string{"feed": &f.change.Feed, "note": &f.note, "collection": &f.coll, "api-root": &f.apiRoot} {
		fs.StringVar(p, name, *p, "")
	}
	fs.BoolVar(&f.asJSON, "json", false, "")
	fs.Float64Var(&f.threshold, "threshold", 0, "")
	fs.Float64Var(&f.fpFactor, "false-positive-factor", 0, "")
	fs.IntVar(&f.confidence, "default-confidence", 0, "")
	fs.Func("model", "", func(v string) error { f.change.Models = append(f.change.Models, v); return nil })
	fs.Func("producer", "", func(v string) error { f.change.Producers = append(f.change.Producers, v); return nil })
}

// given sets the settings of the change given by the flags of fs.
func (f *lifecycleFlags) given(fs *flag.FlagSet) {
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "threshold":
			f.change.Threshold = &f.threshold
		case "false-positive-factor":
			f.change.FalsePositiveFactor = &f.fpFactor
		case "default-confidence":
			f.change.DefaultConfidence = &f.confidence
		}
	})
}

var lifecycleCommands = cli.Subcommands{Cmd: "lifecycle", Usage: lifecycleUsage, Names: "show, set, load, score or false-positive", Args: map[string]cli.Arity{
	"show": cli.Exactly(0, "no arguments"), "set": cli.Exactly(0, "no arguments (flags only)"), "load": cli.Exactly(1, "one FILE"),
	"score": cli.Exactly(1, "one INDICATOR-ID"), "false-positive": cli.Exactly(1, "one INDICATOR-ID"),
}}

func (m *Main) runLifecycle(ctx context.Context, args []string) error {
	var f lifecycleFlags
	sub, pos, fs, err := m.parseSubcommand(lifecycleCommands, args, &f)
	if err != nil {
		return err
	}
	f.given(fs)
	var set lifecycle.Settings
	if sub == "set" {
		if err := f.change.Check(); err != nil {
			return m.configError(err)
		}
	} else if sub == "load" {
		if set, err = m.readLifecycle(pos[0]); err != nil {
			return err
		}
	}
	n, err := m.openNode(ctx, &f.store)
	if err != nil {
		return err
	}
	switch sub {
	case "set":
		if set, err = n.LifecycleSettings(ctx); err != nil {
			return err
		} else if err := f.change.Apply(&set); err != nil {
			return m.Usagef("%v", err)
		}
		fallthrough
	case "load":
		if err := n.SetLifecycleSettings(ctx, set); err != nil {
			return err
		}
		f.asJSON = false
		fallthrough
	case "show":
		if set, err = n.LifecycleSettings(ctx); err != nil {
			return err
		} else if f.asJSON {
			return m.PrintJSON(set)
		}
		return set.WriteText(m.Stdout)
	}
	return m.indicatorCommand(ctx, n, sub, pos[0], &f)
}

// indicatorCommand runs "lifecycle score" or "lifecycle false-positive",
// which files a false-positive sighting of the indicator.
func (m *Main) indicatorCommand(ctx context.Context, n *node.Node, sub, id string, f *lifecycleFlags) error {
	o, err := n.FindIndicator(ctx, id)
	if rampart.ErrorCode(err) == rampart.EINVALID {
		return m.Usagef("%v", err)
	} else if err != nil {
		return err
	}
	if sub == "false-positive" {
		fp, err := n.FileFalsePositive(ctx, f.apiRoot, f.coll, o, f.note)
		if err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, fp.Sighting.ID)
		if notice := fp.Notice(); notice != "" {
			fmt.Fprintf(m.Stderr, "rampart: %s\n", notice)
		}
		return nil
	}
	sc, err := n.IndicatorScore(ctx, o)
	if err != nil {
		return err
	} else if f.asJSON {
		return m.PrintJSON(sc)
	}
	return sc.WriteText(m.Stdout, o.ID)
}

// readLifecycle reads the settings "lifecycle load" stores.
func (m *Main) readLifecycle(name string) (lifecycle.Settings, error) {
	in, err := m.OpenInput(name)
	if err != nil {
		return lifecycle.Settings{}, err
	}
	defer in.Close()
	return node.ReadLifecycleFile(in, name)
}
