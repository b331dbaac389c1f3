package rampart

import (
	"context"
	"net/netip"
	"time"
)

// ArchivedValue is what a node keeps of the values its sensors reported,
// so that an indicator that arrives later can be matched against the past
// (retro-hunt): one value at one object path, seen by one sensor, within
// one hour, with how often and when first and last. Whole records are not
// kept: a value and its times are what an exact, CIDR or domain indicator
// needs, in a fraction of the space.
type ArchivedValue struct {
	// Path is the canonical object path ("ipv4-addr:value",
	// "domain-name:value", "file:hashes.'SHA-256'").
	Path  string
	Value string
	// Sensor is the identity that observed it (where_sighted), "" for
	// the node's own.
	Sensor      string
	First, Last time.Time
	Count       int64
}

// ArchiveQuery finds archived values: at Path, one value exactly, the
// addresses within a prefix, or a domain and its subdomains, seen at or
// after Since.
type ArchiveQuery struct {
	Path string
	// One of Value, Prefix and Domain.
	Value  string
	Prefix netip.Prefix
	Domain string
	Since  time.Time
	// Limit bounds the values returned (MaxArchiveResults when 0 or
	// more).
	Limit int
}

// MaxArchiveResults bounds what one archive query returns.
const MaxArchiveResults = 10000

// ArchiveService keeps the values sensors reported, for retro-hunts.
// Implementations are safe for concurrent use, also from several
// processes.
type ArchiveService interface {
	// ArchiveValues adds values; a value already archived for the same
	// path, sensor and hour has its count added and its times widened.
	ArchiveValues(ctx context.Context, values []ArchivedValue) error
	// FindArchivedValues returns the values that meet q, oldest hour
	// first. A query naming no value, prefix or domain is EINVALID.
	FindArchivedValues(ctx context.Context, q ArchiveQuery) ([]ArchivedValue, error)
	// PurgeArchive removes the values last seen before t and returns how
	// many it removed.
	PurgeArchive(ctx context.Context, before time.Time) (int64, error)
}
