// Package qkd takes keys from a quantum key distribution network through
// the key delivery interface of ETSI GS QKD 014 V1.1.1: a REST API, over
// mutual TLS, between a secure application entity (SAE, here a node) and
// its key management entity (KME).
//
// The master SAE asks its KME for new keys for a slave SAE (enc_keys) and
// tells the slave their key_IDs; the slave asks its own KME for the same
// keys by id (dec_keys). The two KMEs hold the same key material because
// the QKD link between them delivered it. Client speaks the interface;
// KME is a pair of simulated KMEs sharing one key stream, for tests and
// trials (rampart qkd-sim).
//
// Key material is held in Key values whose Zero method overwrites it;
// callers zero a key as soon as they have derived what they need from it.
package qkd
