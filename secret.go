package rampart

import "context"

// SecretService keeps node-wide secrets that every process serving the same
// store must share, such as the key that authenticates paging cursors. The
// values never leave the node.
type SecretService interface {
	// FindOrCreateSecret returns the secret stored under name, creating a
	// random one of n bytes on first use.
	FindOrCreateSecret(ctx context.Context, name string, n int) ([]byte, error)
}
