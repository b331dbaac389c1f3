// Package lifecycle scores indicators as they age, are sighted and are
// reported as false positives, after MISP's polynomial decaying model:
//
//	score(t) = base × (1 − (t/τ)^(1/δ))      0 ≤ t < τ, 0 after
//
// where base is the indicator's confidence weighted with its producer's
// (Base), t the age of the indicator (from its valid_from, or the last
// time a true sighting saw it, whichever is later), τ the lifetime and δ
// the decay speed of its type's Model. False-positive reports lower the
// score (Settings.FalsePositiveFactor; one from a trusted organisation
// drops it to 0). An indicator whose score is below Settings.Threshold
// has decayed: the node's matcher no longer matches it and exports leave
// it out.
//
// Reach for Settings.Score first: it takes the Facts the node knows of an
// indicator and returns a Score with its parts. The package is pure: no
// I/O, safe for concurrent use.
package lifecycle
