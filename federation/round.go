package federation

import "time"

// RoundObserver is told of the rounds a Node pulls from its peers, to
// measure them: a round with nothing new for this node costs one page
// request, whatever either store holds (docs/FEDERATION.md). Its method
// is called from each peer link's goroutine, so it must be safe for
// concurrent use, and quick.
type RoundObserver interface {
	// ObserveRound is called when a round with the peer of organisation
	// peer has ended without error, after d, having stored stored
	// versions (0: the peer had nothing new for this node).
	ObserveRound(peer string, d time.Duration, stored int64)
}
