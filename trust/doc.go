// Package trust is who is who in the Rampart federation and how nodes prove
// it: post-quantum identities, signatures on STIX objects, sealed objects,
// the signed trust registry, and the hybrid TLS 1.3 links between nodes.
//
// Every algorithm is hybrid, a lattice one next to a classical one, from the
// Go standard library (crypto/mldsa, crypto/ecdsa, crypto/hpke,
// crypto/tls; ML-DSA verification alone runs on circl, nine times faster,
// see internal/jws), in one of two profiles: EUPQBase (ML-DSA-65 + ECDSA P-256,
// HPKE MLKEM768-X25519) and EUPQHigh (ML-DSA-87 + ECDSA P-384, HPKE
// MLKEM1024-P384). docs/TRUST.md says what each mechanism guarantees and
// what it does not.
//
// Reach first for:
//
//   - GenerateIdentity, WriteIdentityFile and ReadIdentityFile: a node's
//     private keys (ML-DSA, ECDSA and HPKE), kept in a file only its owner
//     can read, never printed.
//   - Identity.Sign: sign a STIX object the node's organisation created.
//     The signature (a JWS with an ML-DSA and an ECDSA signature over the
//     RFC 8785 canonical form of the object) travels inside the object as
//     the property extension ExtensionID, declared by ExtensionDefinition.
//   - ParseRegistry, TrustRegistry and Registry.Update: the registry of
//     member organisations and their keys, signed by k of n authority
//     members; a node moves only to newer versions signed by the authority
//     it already trusts.
//   - CreateRegistryFile, EditRegistryFile and CheckRegistryFile: the
//     registry authority's work on registry files (RegistryDocument's
//     AddEntry, RevokeKeys and Sign between reading and writing), and
//     ReadPinnedRegistry for a registry read with the fingerprint of the
//     authority the reader trusts.
//   - Verifier: checks signed objects against the registry and a Policy,
//     in parallel (VerifyObjects) and once per object however many paths
//     bring it (a digest cache emptied on every registry update). Receive
//     is what federation calls for each object a peer sends.
//   - Identity.Seal and Identity.Open: encrypt an object (TLP:RED, or
//     addressed to named organisations) to its recipients' registry keys,
//     as an x-rampart-sealed envelope that hubs relay without reading.
//   - Listener and Dialer: node-to-node connections over TLS 1.3 with hybrid
//     key exchange only, where each side proves its organisation by signing
//     the connection's channel binding with its registry keys.
//   - QKD: set on a Listener and a Dialer, mixes a key from each node's
//     quantum key distribution KME into the connection when both have
//     one, and seals the traffic under keys derived from the TLS secret
//     and the QKD key together (docs/QKD.md).
//
// Errors wrap the reasons ErrUnsigned, ErrBadSignature, ErrUnknownKey,
// ErrWrongSigner, ErrRevoked, ErrKeyNotValid, ErrPolicy, ErrQuorum,
// ErrStaleRegistry and others, so callers can count rejections by kind and
// show the text, which says why, to people.
package trust
