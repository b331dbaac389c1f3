package node

import "github.com/rampart-cti/rampart/internal/httpauth"

// newAuthenticator returns the authenticator of HTTP Basic and bearer
// credentials that TAXII and the JSON API share, so that failed logins
// and password checks on either count against the same limits.
func (n *Node) newAuthenticator(sc ServeConfig) *httpauth.Authenticator {
	a := httpauth.New(n.Accounts, nil)
	a.TrustedProxies = sc.TrustedProxies
	a.Logger = n.logger
	return a
}
