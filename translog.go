package rampart

import (
	"context"
	"encoding/base64"
	json "encoding/json/v2"
	"time"
)

// Kinds of transparency log entries: what the logged document is.
const (
	// LogObject: a STIX object the node signed (a statement, an
	// endorsement, an alert, a sighting, its own intelligence).
	LogObject = "object"
	// LogRegistry: a version of the trust registry the node trusts.
	LogRegistry = "registry"
)

// LogEntry is one leaf of the node's transparency log (package translog):
// a document the node signed or trusts, by the hash of its RFC 8785
// canonical form. The log keeps the hash and what names the document, not
// the document: an object is read from the store by its id and version.
type LogEntry struct {
	// Index numbers the entries from 0, without gaps: the leaf's index in
	// the Merkle tree.
	Index int64
	// LeafHash is the RFC 9162 leaf hash (32 bytes): SHA-256 of 0x00 and
	// the document's canonical form.
	LeafHash []byte
	Kind     string // LogObject or LogRegistry
	// ObjectID and Version name the document: a STIX id and its modified
	// time, or "trust-registry" and the registry's version number.
	ObjectID string
	Version  string
	// At is when the entry was appended.
	At time.Time
}

// MarshalJSON writes the entry as GET /api/v1/log/entries shows it:
// snake_case members, the time in UTC and the leaf hash in unpadded
// base64url.
func (e *LogEntry) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Index    int64     `json:"index"`
		LeafHash string    `json:"leaf_hash"`
		Kind     string    `json:"kind"`
		ObjectID string    `json:"object_id"`
		Version  string    `json:"version"`
		At       time.Time `json:"at"`
	}{e.Index, base64.RawURLEncoding.EncodeToString(e.LeafHash), e.Kind, e.ObjectID, e.Version, e.At.UTC()}, json.Deterministic(true))
}

// LogService keeps the leaves of the node's transparency log.
// Implementations are safe for concurrent use, also from several
// processes: entries are appended in one order, each after the last.
type LogService interface {
	// AppendLog appends the entries whose leaf hash the log does not hold
	// yet, setting their Index and At, and returns those it appended.
	// It returns EINVALID, naming the entry, for one without a 32-byte
	// leaf hash, a kind or an object id, and then appends none.
	AppendLog(ctx context.Context, entries []*LogEntry) ([]*LogEntry, error)
	// FindLogEntries returns up to limit entries from index start on, in
	// Index order (1000 when limit is 0, at most MaxPageSize).
	FindLogEntries(ctx context.Context, start int64, limit int) ([]*LogEntry, error)
	// FindLogEntryByHash returns the entry with that leaf hash, ENOTFOUND
	// when there is none.
	FindLogEntryByHash(ctx context.Context, leafHash []byte) (*LogEntry, error)
	// FindLogEntriesByObject returns the entries of an object's versions
	// (or of the registry's, for "trust-registry"), in Index order, at
	// most MaxPageSize.
	FindLogEntriesByObject(ctx context.Context, objectID string) ([]*LogEntry, error)
}
