// Package bus carries a node's work over NATS JetStream: observation
// batches from the JSON API (or from sensors publishing to NATS
// themselves) to the matcher workers, and every stored object version out
// to subscribers.
//
// Reach first for Open, which connects to a NATS server (Server embeds
// one in the process, its JetStream store in the node's data directory)
// and makes the two streams:
//
//   - ObservationsStream, subjects "rampart.observations.<api root>": a
//     work queue bounded in messages and bytes that refuses new batches
//     when full, so that a node whose workers fall behind answers 429
//     instead of holding batches in memory. Workers share one durable
//     pull consumer (WorkerConsumer) and acknowledge a batch after its
//     sightings are committed: at-least-once.
//   - ObjectsStream, subjects "rampart.objects.<api root>.<collection
//     id>.<type>": every object version stored, kept for ObjectRetention.
//     Its subjects carry everything, TLP:RED included: only trusted
//     internal consumers may subscribe to them. Accounts read it through
//     ReadObjects behind the node's read checks.
//
// A Bus is safe for concurrent use.
package bus
