package rampart

import (
	"context"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// ObjectVersion is one version of a STIX object as held by one collection.
type ObjectVersion struct {
	Object *stix.Object
	// DateAdded is when this collection received this version, with
	// microsecond precision. Within a collection, versions the node stored
	// itself have strictly increasing DateAdded values, so an added_after
	// cursor never skips nor repeats one.
	DateAdded time.Time
	// Seq is the version's position in the collection's order (ascending
	// DateAdded). It is opaque outside stores and cursors.
	Seq int64
	// Size is the length in bytes of the version's stored JSON, which is
	// len(Object.Raw) when Raw is read. Stores fill it in every listing,
	// metadata-only ones included, without reading the JSON, so that a
	// reader can decide how much of a listing to read before reading it.
	// It is 0 for versions that come from elsewhere (notifications of
	// versions just added, versions to restore).
	Size int64
}

// Version selectors for ObjectFilter.Versions; any other value is a STIX
// timestamp naming one version.
const (
	VersionLast  = "last"
	VersionFirst = "first"
	VersionAll   = "all"
)

// ObjectFilter selects object versions of one collection, as TAXII 2.1's
// filters do (§3.4). Empty lists mean "no filter" except where noted.
type ObjectFilter struct {
	CollectionID string // required

	// IDs (match[id]) holds at most MaxFilterIDs ids.
	IDs   []string
	Types []string // match[type]
	// Versions (match[version]): VersionLast, VersionFirst, VersionAll or
	// timestamps; several values select the union. Empty means VersionLast.
	Versions []string
	// SpecVersions (match[spec_version]): "2.0", "2.1". Empty means the latest
	// spec version each object has.
	SpecVersions []string
	// AddedAfter keeps versions whose DateAdded is later than this.
	AddedAfter *time.Time
	// AfterSeq resumes a listing after the version with this Seq (from a
	// paging cursor); 0 starts at the beginning.
	AfterSeq int64
	// ThroughSeq, when positive, ends a listing at the version with this
	// Seq: later versions are neither listed nor read, and More tells only
	// of versions up to it. Together with AfterSeq it reads again a range
	// of versions learned from a metadata-only listing, and no version
	// beyond it.
	ThroughSeq int64
	// Limit is the page size; 0 (or more than MaxPageSize) means
	// MaxPageSize.
	Limit int
	// MetadataOnly asks for versions without Object.Raw being needed (for
	// manifests and version lists, or to learn the Size of each version
	// before reading any); stores may still fill it.
	MetadataOnly bool
}

// MaxFilterIDs is the most ids one ObjectFilter names; callers with more
// ask in chunks.
const MaxFilterIDs = 1000

// MaxPageSize is the largest page of versions a store returns at once.
const MaxPageSize = 10000

// ObjectPage is one page of a listing, in ascending DateAdded (Seq) order.
type ObjectPage struct {
	Versions []*ObjectVersion
	// More reports that versions after the last one on this page match too.
	More bool
}

// ObjectResult reports what CreateObjects did with one object.
type ObjectResult struct {
	ID      string
	Version stix.Timestamp
	// Added is false when the collection already held this version (posting
	// it again is not an error and changes nothing).
	Added bool
	// DateAdded of the stored version (the earlier one for a duplicate).
	DateAdded time.Time
	// Seq is the stored version's position in the collection (the earlier
	// one's for a duplicate), as ObjectVersion.Seq.
	Seq int64
}

// ObjectService stores object versions per collection. Implementations are
// safe for concurrent use.
type ObjectService interface {
	// FindObjects returns one page of the versions that match filter. It
	// returns ENOTFOUND when the collection does not exist and EINVALID for a
	// malformed filter.
	FindObjects(ctx context.Context, filter ObjectFilter) (*ObjectPage, error)

	// CreateObjects adds objects to a collection atomically: either every
	// version is stored (each with its own DateAdded) or none is. A version
	// already held (same id and version) is reported with Added false.
	// Results are in the order of objs.
	CreateObjects(ctx context.Context, collectionID string, objs []*stix.Object) ([]ObjectResult, error)

	// RestoreObjects stores versions with the DateAdded they carry, for
	// restoring a backup or loading a fixture. DateAdded must not precede
	// the newest DateAdded already in the collection (EINVALID otherwise);
	// versions the collection holds already are left as they are.
	RestoreObjects(ctx context.Context, collectionID string, versions []*ObjectVersion) error

	// DeleteObjects removes the versions of one object (filter.IDs holds
	// exactly one id) that filter.Versions and filter.SpecVersions select,
	// and returns how many were removed (ENOTFOUND when none matched).
	// Unlike a listing, an empty Versions selects every version (of the
	// listed spec versions, or of all of them when SpecVersions is empty
	// too), so that deleting an object without filters removes it whole.
	// AddedAfter, AfterSeq, ThroughSeq and Limit are ignored. The deletion
	// is recorded for other processes (ChangeFeed.FindDeletions) in the
	// same transaction.
	DeleteObjects(ctx context.Context, filter ObjectFilter) (int, error)
}
