package main

import (
	"context"
	json "encoding/json/v2"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/lifecycle"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/stix"
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
		in, err := m.openInput(pos[0])
		if err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(in, 1<<20))
		in.Close()
		if err != nil {
			return fmt.Errorf("read %s: %v", pos[0], err)
		}
		if err := json.Unmarshal(data, &set, json.RejectUnknownMembers(true)); err != nil {
			m.errorf("%s: %v", pos[0], err)
			return errReported
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
		if err := m.changeLifecycle(fs, &f, &set); err != nil {
			return err
		}
		if err := n.SetLifecycleSettings(ctx, set); err != nil {
			return err
		}
		return m.showLifecycle(ctx, n, false)
	case "load":
		if err := n.SetLifecycleSettings(ctx, set); err != nil {
			return err
		}
		return m.showLifecycle(ctx, n, false)
	case "score":
		o, err := m.findIndicator(ctx, n, pos[0])
		if err != nil {
			return err
		}
		sc, err := n.IndicatorScore(ctx, o)
		if err != nil {
			return err
		}
		if f.asJSON {
			return m.printJSON(sc)
		}
		m.printScore(o.ID, sc)
		return nil
	case "false-positive":
		o, err := m.findIndicator(ctx, n, pos[0])
		if err != nil {
			return err
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
		sc, err := n.IndicatorScore(ctx, o)
		if err == nil {
			fmt.Fprintf(m.Stderr, "rampart: %s reported a false positive in collection %s; its score is now %s\n", o.ID, coll.ID, fmtScore(sc.Value))
		}
		return nil
	}
	return nil
}

// findIndicator returns the newest version of an indicator the node holds.
func (m *Main) findIndicator(ctx context.Context, n *node.Node, id string) (*stix.Object, error) {
	if stix.IDType(id) != "indicator" {
		return nil, m.usagef("%q is not an indicator id (indicator--<uuid>)", id)
	}
	o, err := n.NewestObject(ctx, id)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, rampart.Errorf(rampart.ENOTFOUND, "no indicator %s in any collection of the node", id)
	}
	return o, nil
}

// changeLifecycle applies the flags of "lifecycle set" to set.
func (m *Main) changeLifecycle(fs *flag.FlagSet, f *lifecycleFlags, set *lifecycle.Settings) error {
	models := &set.Models
	var threshold **float64 = &set.Threshold
	if f.feed != "" {
		if set.Feeds == nil {
			set.Feeds = map[string]lifecycle.Override{}
		}
		o := set.Feeds[f.feed]
		defer func() { set.Feeds[f.feed] = o }()
		models, threshold = &o.Models, &o.Threshold
		for _, name := range []string{"producer", "false-positive-factor", "default-confidence"} {
			if flagGiven(fs, name) {
				return m.usagef("--%s applies to the whole node, not to one --feed", name)
			}
		}
	}
	if flagGiven(fs, "threshold") {
		t := f.threshold
		*threshold = &t
	}
	for _, v := range f.models {
		typ, spec, ok1 := strings.Cut(v, "=")
		life, speed, ok2 := strings.Cut(spec, ":")
		if !ok1 || !ok2 || typ == "" {
			return m.usagef("--model %q: write TYPE=LIFETIME:SPEED, like ipv4-addr=30d:2", v)
		}
		d, err := lifecycle.ParseDuration(life)
		if err != nil {
			return m.usagef("--model %q: lifetime %v", v, err)
		}
		sp, err := strconv.ParseFloat(speed, 64)
		if err != nil {
			return m.usagef("--model %q: speed %q is not a number", v, speed)
		}
		if *models == nil {
			*models = map[string]lifecycle.Model{}
		}
		(*models)[typ] = lifecycle.Model{Lifetime: lifecycle.Duration{D: d}, Speed: sp}
	}
	for _, v := range f.producers {
		id, c, ok := strings.Cut(v, "=")
		conf, err := strconv.Atoi(c)
		if !ok || err != nil || stix.IDType(id) != "identity" {
			return m.usagef("--producer %q: write IDENTITY-ID=CONFIDENCE, like identity--…=60", v)
		}
		if set.Producers == nil {
			set.Producers = map[string]int{}
		}
		set.Producers[id] = conf
	}
	if flagGiven(fs, "false-positive-factor") {
		v := f.fpFactor
		set.FalsePositiveFactor = &v
	}
	if flagGiven(fs, "default-confidence") {
		v := f.defaultConfidence
		set.DefaultConfidence = &v
	}
	return nil
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
	e := set.Effective()
	fmt.Fprintf(m.Stdout, "threshold %s; default confidence %d; default producer confidence %d; false-positive factor %s\n",
		fmtScore(*e.Threshold), *e.DefaultConfidence, *e.DefaultProducerConfidence, strconv.FormatFloat(*e.FalsePositiveFactor, 'f', -1, 64))
	tw := m.table("FEED\tTYPE\tLIFETIME\tSPEED\tTHRESHOLD")
	for _, typ := range slices.Sorted(maps.Keys(e.Models)) {
		md := e.Models[typ]
		fmt.Fprintf(tw, "-\t%s\t%s\t%s\t%s\n", typ, md.Lifetime, strconv.FormatFloat(md.Speed, 'f', -1, 64), fmtScore(*e.Threshold))
	}
	for _, name := range slices.Sorted(maps.Keys(e.Feeds)) {
		o := e.Feeds[name]
		th := *e.Threshold
		if o.Threshold != nil {
			th = *o.Threshold
		}
		if len(o.Models) == 0 {
			fmt.Fprintf(tw, "%s\t(all)\t-\t-\t%s\n", name, fmtScore(th))
		}
		for _, typ := range slices.Sorted(maps.Keys(o.Models)) {
			md := o.Models[typ]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, typ, md.Lifetime, strconv.FormatFloat(md.Speed, 'f', -1, 64), fmtScore(th))
		}
	}
	tw.Flush()
	for _, id := range slices.Sorted(maps.Keys(e.Producers)) {
		fmt.Fprintf(m.Stdout, "producer %s confidence %d\n", id, e.Producers[id])
	}
	return nil
}

// printScore prints a score and its parts.
func (m *Main) printScore(id string, sc lifecycle.Score) {
	state := "matching"
	if sc.Decayed {
		state = "decayed: no longer matched or exported"
	}
	fmt.Fprintf(m.Stdout, "%s score %s (threshold %s, %s)\n", id, fmtScore(sc.Value), fmtScore(sc.Threshold), state)
	fmt.Fprintf(m.Stdout, "  base %s = confidence %d x producer confidence %d / 100\n", fmtScore(sc.Base), sc.Confidence, sc.ProducerConfidence)
	feed := ""
	if sc.Feed != "" {
		feed = ", feed " + sc.Feed
	}
	age := sc.Age.Round(time.Minute).String()
	if sc.Age >= 48*time.Hour {
		age = strconv.FormatFloat(sc.Age.Hours()/24, 'f', 1, 64) + " days"
	}
	fmt.Fprintf(m.Stdout, "  decay %.4f: age %s since %s, model %s (lifetime %s, speed %s%s)\n", sc.Decay,
		age, sc.Since.UTC().Format(time.RFC3339), sc.Type, sc.Model.Lifetime, strconv.FormatFloat(sc.Model.Speed, 'f', -1, 64), feed)
	fmt.Fprintf(m.Stdout, "  false positives %d: factor %s\n", sc.FalsePositives, strconv.FormatFloat(sc.FalsePositiveFactor, 'f', -1, 64))
	if !sc.Until.IsZero() {
		fmt.Fprintf(m.Stdout, "  falls below the threshold at %s\n", sc.Until.UTC().Format(time.RFC3339))
	}
}

func fmtScore(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
