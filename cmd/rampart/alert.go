package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/node"
)

var alertUsage = helpText("alert-usage.txt")

// alertFlags are the flags of the alert commands, one set for all of them.
type alertFlags struct {
	coord                                  coordFlags
	rule, severity, state, since           string
	window, retention, marking, owner, now string
	networks, asns, domains, brands        string
	minStates                              int
	asJSON, secretStdin                    bool
}

func (f *alertFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.coord.register(fs, getenv)
	for name, p := range map[string]*string{
		"rule": &f.rule, "severity": &f.severity, "member-state": &f.state, "since": &f.since, "window": &f.window,
		"retention": &f.retention, "marking": &f.marking, "owner": &f.owner, "networks": &f.networks, "asns": &f.asns,
		"domains": &f.domains, "brands": &f.brands, "now": &f.now,
	} {
		fs.StringVar(p, name, "", "")
	}
	fs.BoolVar(&f.asJSON, "json", false, "")
	fs.IntVar(&f.minStates, "min-states", 0, "")
	fs.BoolVar(&f.secretStdin, "secret-stdin", false, "")
}

// alertCommands are the alert commands and the arguments each takes.
var alertCommands = subcommands{cmd: "alert", usage: alertUsage, names: "list, show, rules, scan, watchlist or webhook", args: map[string]arity{
	"list": exactly(0, "no arguments"), "show": exactly(1, "one alert ID"), "rules": exactly(0, "no arguments"), "scan": exactly(0, "no arguments"),
	"watchlist": {1, 2, "list, show NAME, add NAME or remove NAME"}, "webhook": {1, 2, "list, add URL or remove URL"},
}}

func (m *Main) runAlert(ctx context.Context, args []string) error {
	var f alertFlags
	sub, pos, fs, err := m.parseSubcommand(alertCommands, args, &f)
	if err != nil {
		return err
	}
	// The arguments of watchlist and webhook are checked before the store
	// is opened: a usage error changes nothing.
	if err := m.checkAlertOp(sub, pos, f.secretStdin); err != nil {
		return err
	}
	if f.now != "" {
		t, err := parseTimeFlag("now", f.now)
		if err != nil {
			return m.usagef("%v", err)
		}
		f.coord.now = func() time.Time { return t }
	}
	env, err := m.openCoordination(ctx, &f.coord)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		return m.alertList(ctx, env, &f)
	case "show":
		a, err := env.svc.FindAlertByID(ctx, pos[0])
		switch {
		case err != nil:
			return err
		case !f.asJSON:
			return a.WriteText(m.Stdout)
		}
		return m.printAlertJSON(a)
	case "rules":
		return m.alertRules(ctx, env.n, &f, fs)
	case "scan":
		n, err := env.n.ScanAlerts(ctx)
		if err == nil {
			fmt.Fprintf(m.Stdout, "%d alert versions written\n", n)
		}
		return err
	case "watchlist":
		return m.alertWatchlist(ctx, env.n, pos, &f)
	}
	return m.alertWebhook(ctx, env.n, pos)
}

// printAlertJSON prints an alert as its STIX object, one line.
func (m *Main) printAlertJSON(a *coord.Alert) error {
	o, err := a.Object()
	if err == nil {
		m.printLine(o.Raw)
	}
	return err
}

func (m *Main) alertList(ctx context.Context, env *coordEnv, f *alertFlags) error {
	var filter coord.AlertFilter
	for _, p := range []struct {
		dst **string
		v   string
	}{{&filter.Rule, f.rule}, {&filter.MinSeverity, f.severity}, {&filter.MemberState, strings.ToUpper(f.state)}} {
		if p.v != "" {
			*p.dst = &p.v
		}
	}
	if f.since != "" {
		t, err := parseTimeFlag("since", f.since)
		if err != nil {
			return m.usagef("%v", err)
		}
		filter.Since = &t
	}
	list, err := env.svc.FindAlerts(ctx, filter)
	if err != nil {
		return err
	}
	if f.asJSON {
		for _, a := range list {
			m.printAlertJSON(a) // an alert that cannot be written out is left out
		}
		return nil
	}
	tw := m.table("ID\tRULE\tSEVERITY\tSTATES\tLAST SEEN\tNAME")
	for _, a := range list {
		last := "-"
		if !a.LastSeen.IsZero() {
			last = a.LastSeen.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Rule, a.Severity, strings.Join(a.MemberStates, ","), last, a.Name)
	}
	return tw.Flush()
}

// checkAlertOp checks the operation of "alert watchlist" and "alert
// webhook" and its arguments.
func (m *Main) checkAlertOp(sub string, pos []string, secretStdin bool) error {
	switch {
	case sub == "watchlist":
		switch op := pos[0]; {
		case !slices.Contains([]string{"list", "show", "add", "remove"}, op):
			return m.usagef("unknown watchlist command %q: use list, show NAME, add NAME or remove NAME", op)
		case op == "list" && len(pos) != 1:
			return m.wrongArgs("alert watchlist list", "no NAME", pos[1:])
		case op != "list" && len(pos) != 2:
			return m.usagef("alert watchlist %s needs a NAME", op)
		}
	case sub == "webhook":
		switch op := pos[0]; {
		case !(op == "list" && len(pos) == 1 || (op == "add" || op == "remove") && len(pos) == 2):
			return m.usagef("alert webhook: use list, add URL --secret-stdin, or remove URL")
		case op == "add" && !secretStdin:
			return m.usagef("alert webhook add needs --secret-stdin: the secret is read from standard input, never from the command line")
		}
	}
	return nil
}

func (m *Main) alertRules(ctx context.Context, n *node.Node, f *alertFlags, fs *flag.FlagSet) error {
	var c node.AlertRulesChange
	if flagGiven(fs, "min-states") {
		c.MinStates = &f.minStates
	}
	for _, d := range []struct {
		name, v string
		dst     **time.Duration
	}{{"window", f.window, &c.Window}, {"retention", f.retention, &c.Retention}} {
		if d.v != "" {
			v, err := warning.ParseDuration(d.v)
			if err != nil {
				return m.usagef("--%s: %v", d.name, err)
			}
			*d.dst = &v
		}
	}
	if f.marking != "" {
		c.Marking = &f.marking
	}
	settings, saved, err := n.ChangeAlertRules(ctx, c)
	if err != nil {
		return err
	}
	if saved {
		fmt.Fprintf(m.Stderr, "rampart: rules saved; a running node applies them at once\n")
	}
	for _, d := range settings.Rules.Describe() {
		fmt.Fprintf(m.Stdout, "%-19s %s\n", d.Name, d.Description)
	}
	fmt.Fprintf(m.Stdout, "%-19s %d\n%-19s %d\n", "watchlists", len(settings.Watchlists), "webhooks", len(settings.Webhooks))
	return nil
}

func (m *Main) alertWatchlist(ctx context.Context, n *node.Node, pos []string, f *alertFlags) error {
	switch pos[0] { // checked by checkAlertOp
	case "add":
		wl, err := m.watchlistFromFlags(pos[1], f)
		if err == nil {
			err = n.SaveWatchlist(ctx, wl)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "rampart: watchlist %q saved; a running node applies it at once\n", wl.Name)
	case "remove":
		if err := n.DeleteWatchlist(ctx, pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "rampart: watchlist %q removed; a running node applies it at once\n", pos[1])
	case "show":
		wl, err := n.FindWatchlist(ctx, pos[1])
		if err != nil {
			return err
		}
		return wl.WriteText(m.Stdout)
	default:
		settings, err := n.AlertSettings(ctx)
		if err != nil {
			return err
		}
		tw := m.table("NAME\tSTATE\tNETWORKS\tASNS\tDOMAINS\tBRANDS")
		for _, w := range settings.Watchlists {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", w.Name, w.MemberState, len(w.Networks), len(w.ASNs), len(w.Domains), len(w.Brands))
		}
		return tw.Flush()
	}
	return nil
}

// watchlistFromFlags returns the watchlist "alert watchlist add" saves;
// node.SaveWatchlist gives it the node's organisation and member state
// when the flags do not.
func (m *Main) watchlistFromFlags(name string, f *alertFlags) (*warning.Watchlist, error) {
	w := &warning.Watchlist{Name: name, MemberState: strings.ToUpper(f.state), Owner: f.owner,
		Domains: splitComma(f.domains), Brands: splitComma(f.brands)}
	for _, s := range splitComma(f.networks) {
		p, err := warning.ParseNetwork(s)
		if err != nil {
			return nil, m.usagef("--networks: %v", err)
		}
		w.Networks = append(w.Networks, p)
	}
	for _, s := range splitComma(f.asns) {
		n, err := warning.ParseASN(s)
		if err != nil {
			return nil, m.usagef("--asns: %v", err)
		}
		w.ASNs = append(w.ASNs, n)
	}
	return w, nil
}

func (m *Main) alertWebhook(ctx context.Context, n *node.Node, pos []string) error {
	var err error
	switch pos[0] { // checked by checkAlertOp, --secret-stdin too
	case "list":
		settings, err := n.AlertSettings(ctx)
		if err != nil {
			return err
		}
		for _, h := range settings.Webhooks {
			fmt.Fprintln(m.Stdout, h.URL)
		}
		return nil
	case "remove":
		err = n.DeleteWebhook(ctx, pos[1])
	case "add":
		var secret string
		if secret, err = m.readLine("secret"); err == nil {
			err = n.SaveWebhook(ctx, pos[1], secret)
		}
	}
	if err == nil {
		fmt.Fprintf(m.Stderr, "rampart: webhooks saved; a running node applies them at once\n")
	}
	return err
}
