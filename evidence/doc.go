// Package evidence makes, carries and checks evidence packages: what a
// node hands to a law enforcement authority about an incident, in one
// file, with a chain of custody.
//
// A package has three parts (docs/EVIDENCE.md gives the format):
//
//   - the sealed content: a tar archive of a manifest and its members (a
//     STIX bundle of the incident, its related objects and sightings, the
//     attribution notes and opinions, artefact files), encrypted with HPKE
//     to the authority's key, so only the authority reads it;
//   - the cover, in clear: who made the package, for whom, for which
//     incident, the marking (TLP:RED), and the SHA-256 of the sealed
//     content and of the manifest, signed by the node that made it;
//   - the custody chain, in clear and outside the seal: one record per
//     hand-over (giver, receiver, purpose, times, the hash of the previous
//     record and of the sealed content), signed by the giver and
//     countersigned by the receiver, so that carriers sign without reading.
//
// Reach first for Create (at the node), Package.HandOver and
// Package.Receive (at each hand-over), Verify (anyone, offline) and Open
// (the authority, with its private keys). Signatures and sealing are
// trust's: trust.Identity.SignDocument and trust.SealPayload.
package evidence
