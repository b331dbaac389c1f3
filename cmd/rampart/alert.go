package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/warning"
	"github.com/rampart-cti/rampart/coord/webhook"
)

const alertUsage = `Usage: rampart alert <list|show|rules|scan|watchlist|webhook> [flags] [arguments]

Early warning across borders. A running node ("rampart serve") raises an
alert, an x-rampart-alert object in its coordination collection, when
organisations in at least N member states (default 2) sight the same
indicator, or indicators tied to the same intrusion set or campaign, within
a window (default 24 h), and when a peer publishes an indicator that names
an asset on one of the node's watchlists. Alerts are shared like any object
and pushed to webhooks (HTTP POST signed with HMAC-SHA256).

    alert list [--rule R] [--severity S] [--member-state CC] [--since TIME] [--json]
        Lists alerts, most recent first.
    alert show ID [--json]
        Shows one alert with its sightings and the reasons for its severity.
    alert rules [--min-states N] [--window D] [--retention D] [--marking TLP]
        Prints the rules in force; with flags, changes them (a running
        node applies them at once).
    alert scan [--now TIME]
        Evaluates the rules and watchlists over the whole store and writes
        the alerts that are missing or out of date. Sightings older than
        the retention (30 days by default) before --now (default: now) are
        left out.
    alert watchlist list|show NAME|remove NAME
    alert watchlist add NAME --member-state CC [--owner ID] [--networks CIDR,...]
            [--asns N,...] [--domains D,...] [--brands B,...]
        Manages the member state's watchlists: its networks, autonomous
        systems, domains and protected brands. "add" replaces a watchlist
        of the same name and checks every stored indicator against it.
    alert webhook list|remove URL
    alert webhook add URL --secret-stdin
        Manages the webhooks alerts are pushed to; the secret (16 bytes or
        more) is read from standard input.

Rules, watchlists and webhooks are kept with the node's data, never leave
the node, and take effect in a running node at once.

Flags:
    --data DIR, --postgres URL   the node's store
    --key FILE, --registry FILE  the organisation's keys and trust registry
                                 (default: the node's)

Examples:
    rampart alert list --severity high
    rampart alert rules --min-states 3 --window 12h
    rampart alert watchlist add fr-assets --member-state FR --networks 192.0.2.0/24,2001:db8:10::/48 --asns 64500 --domains gouv.example --brands acmebank
    echo "$SECRET" | rampart alert webhook add https://soc.example/rampart --secret-stdin
    rampart alert scan
`

func (m *Main) runAlert(ctx context.Context, args []string) error {
	sub, args, err := m.subcommand(args, alertUsage)
	if err != nil {
		return err
	}
	switch sub {
	case "list", "show", "rules", "scan", "watchlist", "webhook":
	default:
		return m.unknownSubcommand("alert", sub, "list, show, rules, scan, watchlist or webhook")
	}
	fs := newFlagSet("alert "+sub, alertUsage)
	var cf coordFlags
	cf.register(fs, m.Getenv)
	rule := fs.String("rule", "", "")
	severity := fs.String("severity", "", "")
	state := fs.String("member-state", "", "")
	since := fs.String("since", "", "")
	asJSON := fs.Bool("json", false, "")
	minStates := fs.Int("min-states", 0, "")
	window := fs.String("window", "", "")
	retention := fs.String("retention", "", "")
	marking := fs.String("marking", "", "")
	owner := fs.String("owner", "", "")
	networks := fs.String("networks", "", "")
	asns := fs.String("asns", "", "")
	domains := fs.String("domains", "", "")
	brands := fs.String("brands", "", "")
	secretStdin := fs.Bool("secret-stdin", false, "")
	nowFlag := fs.String("now", "", "")
	pos, err := m.parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	want := map[string]struct {
		lo, hi int
		text   string
	}{
		"list": {0, 0, "no arguments"}, "show": {1, 1, "one alert ID"}, "rules": {0, 0, "no arguments"}, "scan": {0, 0, "no arguments"},
		"watchlist": {1, 2, "list, show NAME, add NAME or remove NAME"}, "webhook": {1, 2, "list, add URL or remove URL"},
	}[sub]
	if len(pos) < want.lo || len(pos) > want.hi {
		return m.wrongArgs("alert "+sub, want.text, pos)
	}
	// The arguments of watchlist and webhook are checked before the store
	// is opened: a usage error changes nothing.
	if err := m.checkAlertOp(sub, pos, *secretStdin); err != nil {
		return err
	}
	if *nowFlag != "" {
		t, err := parseTimeFlag("now", *nowFlag)
		if err != nil {
			m.errorf("%v", err)
			return errUsage
		}
		cf.now = func() time.Time { return t }
	}
	env, err := m.openCoordination(ctx, &cf)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		var f coord.AlertFilter
		for _, p := range []struct {
			dst **string
			v   string
		}{{&f.Rule, *rule}, {&f.MinSeverity, *severity}, {&f.MemberState, strings.ToUpper(*state)}} {
			if p.v != "" {
				v := p.v
				*p.dst = &v
			}
		}
		if *since != "" {
			t, err := parseTimeFlag("since", *since)
			if err != nil {
				m.errorf("%v", err)
				return errUsage
			}
			f.Since = &t
		}
		list, err := env.svc.FindAlerts(ctx, f)
		if err != nil {
			return err
		}
		if *asJSON {
			for _, a := range list {
				o, err := a.Object()
				if err == nil {
					fmt.Fprintf(m.Stdout, "%s\n", o.Raw)
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tRULE\tSEVERITY\tSTATES\tLAST SEEN\tNAME")
		for _, a := range list {
			last := "-"
			if !a.LastSeen.IsZero() {
				last = a.LastSeen.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Rule, a.Severity, strings.Join(a.MemberStates, ","), last, a.Name)
		}
		return tw.Flush()
	case "show":
		a, err := env.svc.FindAlertByID(ctx, pos[0])
		if err != nil {
			return err
		}
		if *asJSON {
			o, err := a.Object()
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "%s\n", o.Raw)
			return nil
		}
		printAlert(m, a)
		return nil
	case "rules":
		return m.alertRules(ctx, env, *minStates, *window, *retention, *marking, fs)
	case "scan":
		return m.alertScan(ctx, env)
	case "watchlist":
		return m.alertWatchlist(ctx, env, pos, *state, *owner, *networks, *asns, *domains, *brands)
	}
	return m.alertWebhook(ctx, env, pos)
}

// checkAlertOp checks the operation of "alert watchlist" and "alert
// webhook" and its arguments.
func (m *Main) checkAlertOp(sub string, pos []string, secretStdin bool) error {
	switch {
	case sub == "watchlist":
		switch op := pos[0]; {
		case !slices.Contains([]string{"list", "show", "add", "remove"}, op):
			m.errorf("unknown watchlist command %q: use list, show NAME, add NAME or remove NAME", op)
			return errUsage
		case op == "list" && len(pos) != 1:
			return m.wrongArgs("alert watchlist list", "no NAME", pos[1:])
		case op != "list" && len(pos) != 2:
			m.errorf("alert watchlist %s needs a NAME", op)
			return errUsage
		}
	case sub == "webhook":
		switch op := pos[0]; {
		case !(op == "list" && len(pos) == 1 || (op == "add" || op == "remove") && len(pos) == 2):
			m.errorf("alert webhook: use list, add URL --secret-stdin, or remove URL")
			return errUsage
		case op == "add" && !secretStdin:
			m.errorf("alert webhook add needs --secret-stdin: the secret is read from standard input, never from the command line")
			return errUsage
		}
	}
	return nil
}

func printAlert(m *Main, a *coord.Alert) {
	w := m.Stdout
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

func (m *Main) alertRules(ctx context.Context, env *coordEnv, minStates int, window, retention, marking string, fs *flag.FlagSet) error {
	settings, err := warning.LoadSettings(ctx, env.n.Settings)
	if err != nil {
		return err
	}
	r := settings.Rules
	changed := false
	if flagGiven(fs, "min-states") {
		r.MinStates, changed = minStates, true
	}
	for _, d := range []struct {
		name string
		v    string
		dst  *time.Duration
	}{{"window", window, &r.Window}, {"retention", retention, &r.Retention}} {
		if d.v == "" {
			continue
		}
		v, err := warning.ParseDuration(d.v)
		if err != nil {
			m.errorf("--%s: %v", d.name, err)
			return errUsage
		}
		*d.dst, changed = v, true
	}
	if marking != "" {
		r.Marking, changed = marking, true
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
	if env.now != nil {
		ew.Now = env.now
	}
	if err := ew.Open(ctx); err != nil {
		return err
	}
	m.closers = append(m.closers, ew)
	fmt.Fprintf(m.Stdout, "%d alert versions written\n", ew.AlertsWritten())
	return nil
}

func (m *Main) alertWatchlist(ctx context.Context, env *coordEnv, pos []string, state, owner, networks, asns, domains, brands string) error {
	settings, err := warning.LoadSettings(ctx, env.n.Settings)
	if err != nil {
		return err
	}
	lists := settings.Watchlists
	find := func(name string) int {
		return slices.IndexFunc(lists, func(w *warning.Watchlist) bool { return w.Name == name })
	}
	op := pos[0] // checked by checkAlertOp
	switch op {
	case "list":
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSTATE\tNETWORKS\tASNS\tDOMAINS\tBRANDS")
		for _, w := range lists {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", w.Name, w.MemberState, len(w.Networks), len(w.ASNs), len(w.Domains), len(w.Brands))
		}
		return tw.Flush()
	case "show":
		i := find(pos[1])
		if i < 0 {
			return fmt.Errorf("no watchlist %q", pos[1])
		}
		w := lists[i]
		fmt.Fprintf(m.Stdout, "watchlist %s (%s, owner %s)\n", w.Name, w.MemberState, dash(w.Owner))
		for _, p := range w.Networks {
			fmt.Fprintf(m.Stdout, "  network %s\n", p)
		}
		for _, a := range w.ASNs {
			fmt.Fprintf(m.Stdout, "  asn %d\n", a)
		}
		for _, d := range w.Domains {
			fmt.Fprintf(m.Stdout, "  domain %s\n", d)
		}
		for _, b := range w.Brands {
			fmt.Fprintf(m.Stdout, "  brand %s\n", b)
		}
		return nil
	case "remove":
		if err := warning.DeleteWatchlist(ctx, env.n.Settings, pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "rampart: watchlist %q removed; a running node applies it at once\n", pos[1])
		return nil
	}
	// add
	w := &warning.Watchlist{Name: pos[1], MemberState: strings.ToUpper(state), Owner: owner,
		Domains: splitComma(domains), Brands: splitComma(brands)}
	if w.Owner == "" {
		w.Owner = env.svc.Organization
	}
	if w.MemberState == "" {
		w.MemberState = env.svc.MemberState
	}
	for _, s := range splitComma(networks) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				m.errorf("--networks: %q is not an IP prefix such as 192.0.2.0/24", s)
				return errUsage
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		w.Networks = append(w.Networks, p)
	}
	for _, s := range splitComma(asns) {
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(s), "AS"), 10, 64)
		if err != nil {
			m.errorf("--asns: %q is not an AS number such as 64500 or AS64500", s)
			return errUsage
		}
		w.ASNs = append(w.ASNs, n)
	}
	if err := warning.SaveWatchlist(ctx, env.n.Settings, w); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "rampart: watchlist %q saved; a running node applies it at once\n", w.Name)
	return nil
}

func (m *Main) alertWebhook(ctx context.Context, env *coordEnv, pos []string) error {
	switch op := pos[0]; {
	case op == "list" && len(pos) == 1:
		settings, err := warning.LoadSettings(ctx, env.n.Settings)
		if err != nil {
			return err
		}
		for _, h := range settings.Webhooks {
			fmt.Fprintln(m.Stdout, h.URL)
		}
		return nil
	case op == "remove" && len(pos) == 2:
		if err := webhook.Delete(ctx, env.n.Settings, pos[1]); err != nil {
			return err
		}
	case op == "add" && len(pos) == 2: // --secret-stdin: checked by checkAlertOp
		line, err := bufio.NewReader(m.Stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("read the secret from standard input: %v", err)
		}
		secret := strings.TrimRight(line, "\r\n")
		if secret == "" {
			return fmt.Errorf("no secret on standard input")
		}
		if err := webhook.Save(ctx, env.n.Settings, webhook.Hook{URL: pos[1], Secret: secret}); err != nil {
			return err
		}
	default:
		m.errorf("alert webhook: use list, add URL --secret-stdin, or remove URL")
		return errUsage
	}
	fmt.Fprintf(m.Stderr, "rampart: webhooks saved; a running node applies them at once\n")
	return nil
}
