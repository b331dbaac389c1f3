package node

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/coord/warning"
)

// AlertOptions are what the alert commands are given, as text: the
// filter of "alert list", the change of "alert rules", the watchlist of
// "alert watchlist add", and the clock (Now) of them all. Check reads
// them.
type AlertOptions struct {
	Rule, Severity, MemberState, Since, Now string
	// MinStates is the rules' minimum of member states, changed only when
	// MinStatesGiven.
	MinStates                              int
	MinStatesGiven                         bool
	Window, Retention, Marking             string
	Owner, Networks, ASNs, Domains, Brands string
	// SecretStdin says the secret of a webhook is on standard input.
	SecretStdin bool

	now, since time.Time
	rules      AlertRulesChange
	watchlist  *warning.Watchlist
}

// Check reads the options command sub ("list", "rules", "watchlist", …),
// given the arguments args, takes, and refuses an operation of "alert
// watchlist" or "alert webhook" it does not know or whose arguments do
// not fit. Its errors are ConfigErrors naming the flag or the argument.
func (o *AlertOptions) Check(sub string, args []string) error {
	if err := checkAlertOp(sub, args, o.SecretStdin); err != nil {
		return err
	}
	if err := readTime(&o.now, "now", o.Now); err != nil {
		return err
	}
	switch {
	case sub == "list":
		return readTime(&o.since, "since", o.Since)
	case sub == "rules":
		return o.readRules()
	case sub == "watchlist" && args[0] == "add":
		return o.readWatchlist(args[1])
	}
	return nil
}

// checkAlertOp checks the operation of "alert watchlist" and "alert
// webhook" and its arguments.
func checkAlertOp(sub string, args []string, secretStdin bool) error {
	switch {
	case sub == "watchlist":
		switch op := args[0]; {
		case !slices.Contains([]string{"list", "show", "add", "remove"}, op):
			return configErrorf("unknown watchlist command %q: use list, show NAME, add NAME or remove NAME", op)
		case op == "list" && len(args) != 1:
			return &ConfigError{Msg: fmt.Sprintf("alert watchlist list takes no NAME (got %d: %q)", len(args)-1, args[1:]),
				Hint: `run "rampart alert -h" for examples`}
		case op != "list" && len(args) != 2:
			return configErrorf("alert watchlist %s needs a NAME", op)
		}
	case sub == "webhook":
		switch op := args[0]; {
		case !(op == "list" && len(args) == 1 || (op == "add" || op == "remove") && len(args) == 2):
			return configErrorf("alert webhook: use list, add URL --secret-stdin, or remove URL")
		case op == "add" && !secretStdin:
			return configErrorf("alert webhook add needs --secret-stdin: the secret is read from standard input, never from the command line")
		}
	}
	return nil
}

func (o *AlertOptions) readRules() error {
	c := &o.rules
	if o.MinStatesGiven {
		c.MinStates = &o.MinStates
	}
	for _, d := range []struct {
		name, v string
		dst     **time.Duration
	}{{"window", o.Window, &c.Window}, {"retention", o.Retention, &c.Retention}} {
		if d.v != "" {
			v, err := warning.ParseDuration(d.v)
			if err != nil {
				return configErrorf("--%s: %v", d.name, err)
			}
			*d.dst = &v
		}
	}
	if o.Marking != "" {
		c.Marking = &o.Marking
	}
	return nil
}

func (o *AlertOptions) readWatchlist(name string) error {
	w := &warning.Watchlist{Name: name, MemberState: strings.ToUpper(o.MemberState), Owner: o.Owner,
		Domains: SplitList(o.Domains), Brands: SplitList(o.Brands)}
	for _, s := range SplitList(o.Networks) {
		p, err := warning.ParseNetwork(s)
		if err != nil {
			return configErrorf("--networks: %v", err)
		}
		w.Networks = append(w.Networks, p)
	}
	for _, s := range SplitList(o.ASNs) {
		n, err := warning.ParseASN(s)
		if err != nil {
			return configErrorf("--asns: %v", err)
		}
		w.ASNs = append(w.ASNs, n)
	}
	o.watchlist = w
	return nil
}

// Clock returns the clock Now gives, once checked; nil when it gives none.
func (o *AlertOptions) Clock() func() time.Time {
	if o.now.IsZero() {
		return nil
	}
	return func() time.Time { return o.now }
}

// RulesChange returns the change to the rules the options give, once
// checked.
func (o *AlertOptions) RulesChange() AlertRulesChange { return o.rules }

// Watchlist returns the watchlist the options give, once checked for
// "alert watchlist add"; SaveWatchlist completes it.
func (o *AlertOptions) Watchlist() *warning.Watchlist { return o.watchlist }

// FindAlertList returns the alerts the checked options' filter lets
// through: by rule, lowest severity, member state and last change.
func (n *Node) FindAlertList(ctx context.Context, o *AlertOptions) (coord.AlertList, error) {
	var f coord.AlertFilter
	for _, p := range []struct {
		dst **string
		v   string
	}{{&f.Rule, o.Rule}, {&f.MinSeverity, o.Severity}, {&f.MemberState, strings.ToUpper(o.MemberState)}} {
		if p.v != "" {
			*p.dst = &p.v
		}
	}
	if !o.since.IsZero() {
		f.Since = &o.since
	}
	return n.Coord.FindAlerts(ctx, f)
}
