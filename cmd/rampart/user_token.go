package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
)

// runUserToken runs "rampart user token list NAME" and "rampart user
// token revoke NAME ID|LABEL": the account's tokens without their
// secrets, and the revocation of one, which a serving node applies from
// its next request. Results on stdout, what was done on stderr.
func (m *Main) runUserToken(ctx context.Context, verb string, args []string) error {
	fs := newFlagSet("user token "+verb, userUsage)
	var sf storeFlags
	sf.register(fs, m.Getenv)
	pos, err := m.parseArgs(fs, args, map[string]arity{"list": exactly(1, "NAME"), "revoke": exactly(2, "NAME and a token's ID or label")}[verb])
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
		tw := m.table("ID\tCREATED\tLABEL")
		for _, t := range tokens {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", t.ID, t.CreatedAt.UTC().Format(time.RFC3339), dash(t.Label))
		}
		return tw.Flush()
	}
	t, err := n.Accounts.DeleteToken(ctx, pos[0], pos[1])
	switch rampart.ErrorCode(err) {
	case "":
	case rampart.ENOTFOUND, rampart.ECONFLICT:
		m.errorf("%v", err)
		m.hintf(`"rampart user token list %s" shows the account's tokens and their IDs`, pos[0])
		return errReported
	default:
		return err
	}
	fmt.Fprintf(m.Stderr, "rampart: revoked token %s (%q) of %q; it is refused from now on\n", t.ID, t.Label, pos[0])
	return nil
}
