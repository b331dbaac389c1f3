// Package translog is the transparency log of a Rampart node, in the
// manner of RFC 9162 (Certificate Transparency 2.0): every object the node
// signs is a leaf of a Merkle tree, the node signs the tree's head with its
// hybrid keys, and anyone can check that an object is in the log
// (inclusion proof) and that the log only ever grew (consistency proof),
// offline, with the node's public keys.
//
// Reach first for:
//
//   - EntryHash: the leaf of a JSON document (a signed STIX object, a
//     registry version): SHA-256 over 0x00 and its RFC 8785 canonical form.
//   - Tree: the leaves in memory with every complete subtree hashed, which
//     answers roots and proofs at any size.
//   - VerifyInclusion and VerifyConsistency: RFC 9162 sections 2.1.3.2 and
//     2.1.4.2.
//   - SignHead, ParseSignedHead, SignedHead.Verify: the signed tree head,
//     an x-rampart-tree-head STIX object.
//   - Witness: the heads seen of other nodes' logs, and the forks among
//     them.
//
// What it guarantees: a proof that verifies binds the object (or the
// older tree) to the signed root, as far as SHA-256 is collision
// resistant; a head that verifies was signed by keys the trust registry
// binds to its origin (ML-DSA and ECDSA both). What it does not: that a
// node logs everything it signs (the log shows what it did log), and
// that a node shows everyone the same log — that takes witnesses that
// compare the heads they see (Witness) and talk to each other (gossip).
package translog
