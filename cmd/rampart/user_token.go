package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/cli"
)

// runUserToken runs "rampart user token list NAME" and "rampart user
// token revoke NAME ID|LABEL": the account's tokens without their
// secrets, and the revocation of one, which a serving node applies from
// its next request. Results on stdout, what was done on stderr.
func (m *Main) runUserToken(ctx context.Context, verb string, args []string) error {
	fs := cli.NewFlagSet("user token "+verb, userUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	pos, err := m.ParseArgs(fs, args, map[string]cli.Arity{"list": cli.Exactly(1, "NAME"), "revoke": cli.Exactly(2, "NAME and a token's ID or label")}[verb])
	if err != nil {
		return err
	}
	n, err := m.openNode(ctx, &sf)
	if err != nil {
		return err
	}
	if verb == "list" {
		tokens, err := n.Accounts.FindTokens(ctx, pos[0])
		if err != nil {
			return err
		}
		tw := m.Table("ID\tCREATED\tLABEL")
		for _, t := range tokens {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", t.ID, t.CreatedAt.UTC().Format(time.RFC3339), cli.Dash(t.Label))
		}
		return tw.Flush()
	}
	t, err := n.Accounts.DeleteToken(ctx, pos[0], pos[1])
	switch rampart.ErrorCode(err) {
	case "":
	case rampart.ENOTFOUND, rampart.ECONFLICT:
		m.Errorf("%v", err)
		m.Hintf(`"rampart user token list %s" shows the account's tokens and their IDs`, pos[0])
		return cli.ErrReported
	default:
		return err
	}
	fmt.Fprintf(m.Stderr, "rampart: revoked token %s (%q) of %q; it is refused from now on\n", t.ID, t.Label, pos[0])
	return nil
}
