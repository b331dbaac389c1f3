package rampart

import "time"

// Token describes a bearer token of an account without its secret, which
// is stored only as a hash and cannot be shown again.
type Token struct {
	// ID names the token in lists and revocations: the first 12 hex digits
	// of the SHA-256 of the token, from which the token cannot be found.
	ID        string
	Account   string
	Label     string
	CreatedAt time.Time
}
