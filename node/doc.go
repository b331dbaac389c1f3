// Package node assembles a Rampart node: it opens the store, builds every
// service once (the object service every write goes through, and its
// subscribers: the matcher, early warning, federation, the attribution
// cache), and owns their lifecycle. Command rampart parses flags, calls it
// and prints.
//
// Reach first for Open, which gives a Node with its store and services, and
// Node.Start, which starts what a serving node runs (the feeds on their
// intervals among it; Node.RunFeed runs one now).
package node
