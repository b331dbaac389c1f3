package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/rampart-cti/rampart/internal/cli"
	"github.com/rampart-cti/rampart/node"
)

var alertUsage = helpText("alert-usage.txt")

// alertFlags are the flags of the alert commands, one set for all of them.
type alertFlags struct {
	coord  coordFlags
	o      node.AlertOptions
	asJSON bool
}

func (f *alertFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.coord.register(fs, getenv)
	o := &f.o
	for name, p := range map[string]*string{
		"rule": &o.Rule, "severity": &o.Severity, "member-state": &o.MemberState, "since": &o.Since, "window": &o.Window,
		"retention": &o.Retention, "marking": &o.Marking, "owner": &o.Owner, "networks": &o.Networks, "asns": &o.ASNs,
		"domains": &o.Domains, "brands": &o.Brands, "now": &o.Now,
	} {
		fs.StringVar(p, name, "", "")
	}
	fs.IntVar(&o.MinStates, "min-states", 0, "")
	fs.BoolVar(&o.SecretStdin, "secret-stdin", false, "")
	fs.BoolVar(&f.asJSON, "json", false, "")
}

// alertCommands are the alert commands and the arguments each takes.
var alertCommands = cli.Subcommands{Cmd: "alert", Usage: alertUsage, Names: "list, show, rules, scan, watchlist or webhook", Args: map[string]cli.Arity{
	"list": cli.Exactly(0, "no arguments"), "show": cli.Exactly(1, "one alert ID"), "rules": cli.Exactly(0, "no arguments"), "scan": cli.Exactly(0, "no arguments"),
	"watchlist": cli.Between(1, 2, "list, show NAME, add NAME or remove NAME"), "webhook": cli.Between(1, 2, "list, add URL or remove URL"),
}}

func (m *Main) runAlert(ctx context.Context, args []string) error {
	var f alertFlags
	sub, pos, fs, err := m.parseSubcommand(alertCommands, args, &f)
	if err != nil {
		return err
	}
	// The values are checked before the store is opened: a usage error
	// changes nothing.
	f.o.MinStatesGiven = cli.FlagGiven(fs, "min-states")
	if err := f.o.Check(sub, pos); err != nil {
		return m.configError(err)
	}
	f.coord.now = f.o.Clock()
	env, err := m.openCoordination(ctx, &f.coord)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		list, err := env.n.FindAlertList(ctx, &f.o)
		return m.write(list, err, f.asJSON)
	case "show":
		a, err := env.svc.FindAlertByID(ctx, pos[0])
		return m.write(a, err, f.asJSON)
	case "rules":
		settings, saved, err := env.n.ChangeAlertRules(ctx, f.o.RulesChange())
		if saved {
			fmt.Fprintf(m.Stderr, "rampart: rules saved; a running node applies them at once\n")
		}
		return m.write(settings, err, false)
	case "scan":
		n, err := env.n.ScanAlerts(ctx)
		if err == nil {
			fmt.Fprintf(m.Stdout, "%d alert versions written\n", n)
		}
		return err
	}
	return m.alertSetting(ctx, env.n, sub+" "+pos[0], pos, &f.o)
}

// alertSetting runs "alert watchlist OP" and "alert webhook OP" (op is
// both words), checked by node.AlertOptions.Check.
func (m *Main) alertSetting(ctx context.Context, n *node.Node, op string, pos []string, o *node.AlertOptions) error {
	var err error
	notice := "webhooks saved; a running node applies them at once"
	switch op {
	case "watchlist list", "webhook list":
		s, err := n.AlertSettings(ctx)
		switch {
		case err != nil:
			return err
		case op == "webhook list":
			return s.WriteWebhooks(m.Stdout)
		}
		return s.WriteWatchlists(m.Stdout)
	case "watchlist show":
		wl, err := n.FindWatchlist(ctx, pos[1])
		return m.write(wl, err, false)
	case "watchlist add":
		err, notice = n.SaveWatchlist(ctx, o.Watchlist()), fmt.Sprintf("watchlist %q saved; a running node applies it at once", pos[1])
	case "watchlist remove":
		err, notice = n.DeleteWatchlist(ctx, pos[1]), fmt.Sprintf("watchlist %q removed; a running node applies it at once", pos[1])
	case "webhook remove":
		err = n.DeleteWebhook(ctx, pos[1])
	case "webhook add":
		var secret string
		if secret, err = m.ReadLine("secret"); err == nil {
			err = n.SaveWebhook(ctx, pos[1], secret)
		}
	}
	if err == nil {
		fmt.Fprintf(m.Stderr, "rampart: %s\n", notice)
	}
	return err
}
