package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/coord/webhook"
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
		return m.alertShow(ctx, env, pos[0], f.asJSON)
	case "rules":
		return m.alertRules(ctx, env, &f, fs)
	case "scan":
		return m.alertScan(ctx, env)
	case "watchlist":
		return m.alertWatchlist(ctx, env, pos, &f)
	}
	return m.alertWebhook(ctx, env, pos)
}

func (m *Main) alertList(ctx context.Context, env *coordEnv, f *alertFlags) error {
	var filter coord.AlertFilter
	for _, p := range []struct {
		dst **string
		v   string
	}{{&filter.Rule, f.rule}, {&filter.MinSeverity, f.severity}, {&filter.MemberState, strings.ToUpper(f.state)}} {
		if p.v != "" {
			v := p.v
			*p.dst = &v
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
			if o, err := a.Object(); err == nil {
				m.printLine(o.Raw)
			}
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

func (m *Main) alertShow(ctx context.Context, env *coordEnv, id string, asJSON bool) error {
	a, err := env.svc.FindAlertByID(ctx, id)
	if err != nil {
		return err
	}
	if !asJSON {
		printAlert(m.Stdout, a)
		return nil
	}
	o, err := a.Object()
	if err != nil {
		return err
	}
	m.printLine(o.Raw)
	return nil
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

func printAlert(w io.Writer, a *coord.Alert) {
	fmt.Fprintf(w, "alert %s  %s\n", a.ID, a.Name)
	fmt.Fprintf(w, "  rule %s about %s\n", a.Rule, a.SubjectRef)
	fmt.Fprintf(w, "  severity %s (score %d)\n", a.Severity, a.SeverityScore)
	for _, r := range a.SeverityReasons {
		fmt.Fprintf(w, "    %s\n", r)
	}
	fmt.Fprintf(w, "  member states: %s; sectors: %s\n", strings.Join(a.MemberStates, ", "), dash(strings.Join(a.Sectors, ", ")))
	if !a.FirstSeen.IsZero() {
		fmt.Fprintf(w, "  seen %s to %s\n", a.FirstSeen.Format(time.RFC3339), a.LastSeen.Format(time.RFC3339))
	}
	for _, list := range []struct {
		name string
		refs []string
	}{{"sighting", a.SightingRefs}, {"indicator", a.IndicatorRefs}, {"intrusion set", a.IntrusionSetRefs}, {"campaign", a.CampaignRefs}} {
		for _, r := range list.refs {
			fmt.Fprintf(w, "  %s %s\n", list.name, r)
		}
	}
	for _, mt := range a.Matches {
		fmt.Fprintf(w, "  watchlist %s: %s %s matches %s\n", a.Watchlist, mt.Kind, mt.Entry, mt.Value)
	}
}

func (m *Main) alertRules(ctx context.Context, env *coordEnv, f *alertFlags, fs *flag.FlagSet) error {
	settings, err := warning.LoadSettings(ctx, env.n.Settings)
	if err != nil {
		return err
	}
	r := settings.Rules
	changed := false
	if flagGiven(fs, "min-states") {
		r.MinStates, changed = f.minStates, true
	}
	for _, d := range []struct {
		name string
		v    string
		dst  *time.Duration
	}{{"window", f.window, &r.Window}, {"retention", f.retention, &r.Retention}} {
		if d.v == "" {
			continue
		}
		v, err := warning.ParseDuration(d.v)
		if err != nil {
			return m.usagef("--%s: %v", d.name, err)
		}
		*d.dst, changed = v, true
	}
	if f.marking != "" {
		r.Marking, changed = f.marking, true
	}
	if changed {
		if err := warning.SaveRules(ctx, env.n.Settings, r); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "rampart: rules saved; a running node applies them at once\n")
	}
	for _, d := range r.Describe() {
		fmt.Fprintf(m.Stdout, "%-19s %s\n", d.Name, d.Description)
	}
	fmt.Fprintf(m.Stdout, "%-19s %d\n", "watchlists", len(settings.Watchlists))
	fmt.Fprintf(m.Stdout, "%-19s %d\n", "webhooks", len(settings.Webhooks))
	return nil
}

func (m *Main) alertScan(ctx context.Context, env *coordEnv) error {
	ew, err := env.n.EarlyWarning(ctx)
	if err != nil {
		return err
	}
	if err := ew.Open(ctx); err != nil {
		return err
	}
	m.closers = append(m.closers, ew)
	fmt.Fprintf(m.Stdout, "%d alert versions written\n", ew.AlertsWritten())
	return nil
}

func (m *Main) alertWatchlist(ctx context.Context, env *coordEnv, pos []string, f *alertFlags) error {
	switch op := pos[0]; op { // checked by checkAlertOp
	case "add":
		w, err := m.watchlistFromFlags(env, pos[1], f)
		if err != nil {
			return err
		}
		if err := warning.SaveWatchlist(ctx, env.n.Settings, w); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "rampart: watchlist %q saved; a running node applies it at once\n", w.Name)
		return nil
	case "remove":
		if err := warning.DeleteWatchlist(ctx, env.n.Settings, pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "rampart: watchlist %q removed; a running node applies it at once\n", pos[1])
		return nil
	}
	settings, err := warning.LoadSettings(ctx, env.n.Settings)
	if err != nil {
		return err
	}
	if pos[0] == "list" {
		tw := m.table("NAME\tSTATE\tNETWORKS\tASNS\tDOMAINS\tBRANDS")
		for _, w := range settings.Watchlists {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", w.Name, w.MemberState, len(w.Networks), len(w.ASNs), len(w.Domains), len(w.Brands))
		}
		return tw.Flush()
	}
	i := slices.IndexFunc(settings.Watchlists, func(w *warning.Watchlist) bool { return w.Name == pos[1] })
	if i < 0 {
		return fmt.Errorf("no watchlist %q", pos[1])
	}
	printWatchlist(m.Stdout, settings.Watchlists[i])
	return nil
}

func printWatchlist(w io.Writer, wl *warning.Watchlist) {
	fmt.Fprintf(w, "watchlist %s (%s, owner %s)\n", wl.Name, wl.MemberState, dash(wl.Owner))
	for _, p := range wl.Networks {
		fmt.Fprintf(w, "  network %s\n", p)
	}
	for _, a := range wl.ASNs {
		fmt.Fprintf(w, "  asn %d\n", a)
	}
	for _, d := range wl.Domains {
		fmt.Fprintf(w, "  domain %s\n", d)
	}
	for _, b := range wl.Brands {
		fmt.Fprintf(w, "  brand %s\n", b)
	}
}

// watchlistFromFlags returns the watchlist "alert watchlist add" saves,
// owned by the node's organisation and for its member state unless the
// flags say otherwise.
func (m *Main) watchlistFromFlags(env *coordEnv, name string, f *alertFlags) (*warning.Watchlist, error) {
	w := &warning.Watchlist{Name: name, MemberState: strings.ToUpper(f.state), Owner: f.owner,
		Domains: splitComma(f.domains), Brands: splitComma(f.brands)}
	if w.Owner == "" {
		w.Owner = env.svc.Organization
	}
	if w.MemberState == "" {
		w.MemberState = env.svc.MemberState
	}
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

func (m *Main) alertWebhook(ctx context.Context, env *coordEnv, pos []string) error {
	switch pos[0] { // checked by checkAlertOp, --secret-stdin too
	case "list":
		settings, err := warning.LoadSettings(ctx, env.n.Settings)
		if err != nil {
			return err
		}
		for _, h := range settings.Webhooks {
			fmt.Fprintln(m.Stdout, h.URL)
		}
		return nil
	case "remove":
		if err := webhook.Delete(ctx, env.n.Settings, pos[1]); err != nil {
			return err
		}
	case "add":
		secret, err := m.readLine("secret")
		if err != nil {
			return err
		}
		if err := webhook.Save(ctx, env.n.Settings, webhook.Hook{URL: pos[1], Secret: secret}); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.Stderr, "rampart: webhooks saved; a running node applies them at once\n")
	return nil
}
