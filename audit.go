package rampart

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	json "encoding/json/v2"
	"time"
)

// Audit channels: how an object version left the node.
const (
	// AuditPeer: served to a peer node over the node link (Via is the
	// peer's organisation).
	AuditPeer = "peer"
	// AuditAccount: served to an account of another organisation over
	// TAXII or the JSON API (Via is the account's name).
	AuditAccount = "account"
)

// AuditRecord says that one version of an object was sent or served to
// another organisation: the first time it was, by each channel. The log of
// records is append-only and tamper-evident: each record's Hash chains it
// to the one before (AuditHash), and checkpoints signed with the node's
// keys fix the chain at intervals.
type AuditRecord struct {
	// Seq numbers the records from 1, without gaps.
	Seq int64
	// At is when the record was appended, with microsecond precision.
	At       time.Time
	ObjectID string
	// Version is the object's modified (or created) timestamp.
	Version string
	// Recipient is the organisation the version went to (STIX identity
	// id); for a sealed envelope, one of its recipients.
	Recipient string
	Channel   string // AuditPeer or AuditAccount
	// Via is the peer node's organisation or the account that received
	// it: a hub relaying an envelope to its recipients is the via of
	// each.
	Via string
	// Sealed reports a version that left encrypted to the recipient.
	Sealed bool
	// Hash is AuditHash of the previous record's Hash and this record.
	Hash []byte
}

// MarshalJSON writes the record as "rampart audit list --json" and
// GET /api/v1/audit show it: snake_case members, the time in UTC and the
// hash in unpadded base64url.
func (r *AuditRecord) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Seq       int64     `json:"seq"`
		At        time.Time `json:"at"`
		ObjectID  string    `json:"object_id"`
		Version   string    `json:"version"`
		Recipient string    `json:"recipient"`
		Channel   string    `json:"channel"`
		Via       string    `json:"via"`
		Sealed    bool      `json:"sealed"`
		Hash      string    `json:"hash"`
	}{r.Seq, r.At.UTC(), r.ObjectID, r.Version, r.Recipient, r.Channel, r.Via, r.Sealed, base64.RawURLEncoding.EncodeToString(r.Hash)}, json.Deterministic(true))
}

// AuditHash returns the hash of record r chained to the hash of the record
// before it (nil for the first): SHA-256 over prev and every field of r but
// Hash, each length-prefixed, so that no change to a record, and no record
// removed, inserted or reordered, goes unnoticed.
func AuditHash(prev []byte, r *AuditRecord) []byte {
	h := sha256.New()
	var b [8]byte
	field := func(p []byte) {
		binary.BigEndian.PutUint64(b[:], uint64(len(p)))
		h.Write(b[:])
		h.Write(p)
	}
	field(prev)
	binary.BigEndian.PutUint64(b[:], uint64(r.Seq))
	field(b[:])
	binary.BigEndian.PutUint64(b[:], uint64(r.At.UnixMicro()))
	field(b[:])
	for _, s := range []string{r.ObjectID, r.Version, r.Recipient, r.Channel, r.Via} {
		field([]byte(s))
	}
	if r.Sealed {
		field([]byte{1})
	} else {
		field([]byte{0})
	}
	return h.Sum(nil)
}

// AuditCheckpoint fixes the audit chain up to a record: whoever holds a
// checkpoint can tell that the records up to Seq were not changed since.
type AuditCheckpoint struct {
	// Seq is the last record covered and Hash its hash.
	Seq  int64
	Hash []byte
	At   time.Time
	// Signature is a JWS over the checkpoint by the node's keys (package
	// trust says how it is made and checked).
	Signature []byte
}

// AuditFilter selects audit records; nil fields mean "any".
type AuditFilter struct {
	ObjectID  *string
	Recipient *string
	Since     *time.Time
	// AfterSeq starts after the record with that Seq.
	AfterSeq int64
	// Limit is the most returned, in Seq order (1000 when 0, at most
	// MaxPageSize).
	Limit int
}

// AuditService keeps the log of what was shared with whom.
// Implementations are safe for concurrent use, also from several
// processes: records are appended in one order, each chained to the last.
type AuditService interface {
	// AppendAudit appends the records the log does not hold yet (one is
	// held when a record of the same object version, recipient, channel
	// and via is), setting their Seq, At and Hash, and returns those it
	// appended.
	AppendAudit(ctx context.Context, records []*AuditRecord) ([]*AuditRecord, error)
	// FindAudit returns the records the filter selects, in Seq order.
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditRecord, error)
	// CreateAuditCheckpoint stores a checkpoint (EINVALID when its Hash is
	// not that of record Seq).
	CreateAuditCheckpoint(ctx context.Context, c *AuditCheckpoint) error
	// FindAuditCheckpoints returns up to limit checkpoints after afterSeq,
	// in Seq order.
	FindAuditCheckpoints(ctx context.Context, afterSeq int64, limit int) ([]*AuditCheckpoint, error)
}
