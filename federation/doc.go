// Package federation links Rampart nodes: each national node and each hub
// pulls from its peers, over TAXII 2.1 on hybrid post-quantum TLS with node
// authentication, what each peer may share with it, and checks every object
// before it stores it.
//
// Reach first for Node: give it the node's identity and trust.Verifier, its
// store and the collection it federates, Open it, and serve its Handler on
// a trust.Listener. It then, for every peer in the store
// (rampart.PeerService):
//
//   - pulls the peer's collections with added_after cursors kept in the
//     store per peer and collection, moved only after a page is stored, so
//     that a node stopped at any moment resumes with nothing lost and
//     nothing stored twice;
//   - waits on the peer (a long poll) between pulls, so that a new object
//     reaches the next node within milliseconds, and a round when nothing
//     is new costs one small request;
//   - verifies every object (trust.Verifier.Receive: signature by keys the
//     registry binds to the creator; sealed envelopes for this node opened
//     and their content verified), refuses replayed old versions, and
//     records each refusal with its reason in the peer's status;
//   - moves to a newer trust registry a peer trusts, if it is signed by a
//     quorum of the authority this node already trusts.
//
// And it serves each peer what the distribution rules let that peer have
// (rampart.Policy over TLP 2.0 and addressing), sealing its own addressed, TLP:RED and
// TLP:AMBER+STRICT objects to their recipients (Address names them), never
// sending anything unsigned, or back to the organisation that created it.
//
// docs/FEDERATION.md describes the protocol, the rules and what a peer
// learns.
package federation
