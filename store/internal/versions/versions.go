// Package versions holds what the SQLite and PostgreSQL stores share that
// needs no SQL. First, object versions: reading an ObjectFilter into a
// Query, marking which version of an object the default filters select,
// assigning DateAdded, and deciding what a write or a deletion changes
// (Create, Restore, PlanDelete). Then the checks, defaults and errors of
// the other services (Passwords for logins, Prepare… for what is created),
// so that both stores answer alike.
//
// It does no I/O: what it decides, each store writes with its own driver;
// the SQL the stores share is in package sqlgen.
package versions

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Limits on a filter, so one request cannot make a query of unbounded size.
const (
	MaxFilterIDs      = rampart.MaxFilterIDs // match[id] values
	MaxFilterTypes    = 100                  // match[type] values
	MaxFilterVersions = 100                  // match[version] values
)

// SpecVersions known to the stores, in ascending order. Their text order is
// their version order, which the stores rely on ("2.0" < "2.1").
var knownSpecs = []string{"2.0", "2.1"}

// Query is a validated ObjectFilter.
type Query struct {
	CollectionID string
	IDs          []string
	Types        []string

	// Version selectors; at least one is set.
	Last, First, All bool
	// Timestamps are the Key() forms of the timestamps in Versions.
	Timestamps []string

	// Specs is the explicit spec_version list, nil for the default (the
	// newest spec version each object has).
	Specs []string
	// OnlySpecs, set by Simplify, keeps versions of these spec versions
	// after the default selection.
	OnlySpecs []string

	// AddedAfter is in microseconds since the Unix epoch, truncated (so
	// "DateAdded > AddedAfter" keeps its meaning); HasAddedAfter says
	// whether it is set.
	AddedAfter    int64
	HasAddedAfter bool
	AfterSeq      int64
	// ThroughSeq, when positive, is the last Seq the listing reads.
	ThroughSeq int64
	// Limit is the page size, between 1 and rampart.MaxPageSize.
	Limit        int
	MetadataOnly bool
}

// Default reports whether the query selects with the default spec_version
// rule, for which the stores keep precomputed marks.
func (q *Query) Default() bool { return q.Specs == nil }

// Simplify rewrites a query with an explicit spec_version list for a
// collection where no object has versions of more than one spec version
// (mixed is false): there, selecting among the versions of the listed spec
// versions is the default selection restricted to them, which the stores
// answer from their marks instead of comparing versions.
func (q *Query) Simplify(mixed bool) {
	if mixed || q.Specs == nil {
		return
	}
	q.OnlySpecs, q.Specs = q.Specs, nil
}

// ParseFilter checks f and returns it as a Query. Errors are EINVALID and
// name the filter field and the bad value.
func ParseFilter(f rampart.ObjectFilter) (*Query, error) {
	q := &Query{
		CollectionID: f.CollectionID,
		AfterSeq:     f.AfterSeq,
		ThroughSeq:   f.ThroughSeq,
		Limit:        f.Limit,
		MetadataOnly: f.MetadataOnly,
	}
	if f.CollectionID == "" {
		return nil, rampart.Errorf(rampart.EINVALID, "object filter: a collection id is required")
	}
	switch {
	case len(f.IDs) > MaxFilterIDs:
		return nil, rampart.Errorf(rampart.EINVALID, "match[id]: at most %d values are allowed (got %d)", MaxFilterIDs, len(f.IDs))
	case len(f.Types) > MaxFilterTypes:
		return nil, rampart.Errorf(rampart.EINVALID, "match[type]: at most %d values are allowed (got %d)", MaxFilterTypes, len(f.Types))
	case len(f.Versions) > MaxFilterVersions:
		return nil, rampart.Errorf(rampart.EINVALID, "match[version]: at most %d values are allowed (got %d)", MaxFilterVersions, len(f.Versions))
	case f.Limit < 0:
		return nil, rampart.Errorf(rampart.EINVALID, "limit must be a positive number (got %d)", f.Limit)
	case f.AfterSeq < 0:
		return nil, rampart.Errorf(rampart.EINVALID, "paging position must not be negative (got %d)", f.AfterSeq)
	case f.ThroughSeq < 0:
		return nil, rampart.Errorf(rampart.EINVALID, "end of a listing must not be negative (got %d)", f.ThroughSeq)
	}
	if q.Limit == 0 || q.Limit > rampart.MaxPageSize {
		q.Limit = rampart.MaxPageSize
	}
	q.IDs = dedupe(f.IDs)
	q.Types = dedupe(f.Types)
	if len(f.Versions) == 0 {
		q.Last = true
	}
	for _, v := range f.Versions {
		switch v {
		case rampart.VersionLast:
			q.Last = true
		case rampart.VersionFirst:
			q.First = true
		case rampart.VersionAll:
			q.All = true
		default:
			ts, err := stix.ParseTimestamp(v)
			if err != nil {
				return nil, rampart.Errorf(rampart.EINVALID, "match[version]: %q is neither \"first\", \"last\", \"all\" nor a timestamp such as 2016-01-01T00:00:00.000Z", v)
			}
			q.Timestamps = append(q.Timestamps, ts.Key())
		}
	}
	q.Timestamps = dedupe(q.Timestamps)
	if len(f.SpecVersions) > 0 {
		q.Specs = []string{}
		for _, s := range f.SpecVersions {
			if !slices.Contains(knownSpecs, s) {
				return nil, rampart.Errorf(rampart.EINVALID, "match[spec_version]: %q is not a STIX version this node stores (%s)", s, strings.Join(knownSpecs, ", "))
			}
			if !slices.Contains(q.Specs, s) {
				q.Specs = append(q.Specs, s)
			}
		}
		slices.Sort(q.Specs)
	}
	if f.AddedAfter != nil {
		q.AddedAfter, q.HasAddedAfter = Micros(*f.AddedAfter), true
	}
	return q, nil
}

// ParseDeleteFilter is ParseFilter for DeleteObjects: exactly one id, no
// paging or added_after (they have no meaning for a deletion), and an empty
// Versions selects every version (of every spec version when SpecVersions
// is empty too).
func ParseDeleteFilter(f rampart.ObjectFilter) (*Query, error) {
	if len(f.IDs) != 1 {
		return nil, rampart.Errorf(rampart.EINVALID, "delete objects: exactly one object id is required (got %d)", len(f.IDs))
	}
	g := f
	g.AddedAfter, g.AfterSeq, g.ThroughSeq, g.Limit = nil, 0, 0, 0
	if len(g.Versions) == 0 {
		g.Versions = []string{rampart.VersionAll}
		if len(g.SpecVersions) == 0 {
			g.SpecVersions = knownSpecs
		}
	}
	return ParseFilter(g)
}

func dedupe(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// timeFormat writes DateAdded values as TAXII does, with microseconds.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// Micros returns t as microseconds since the Unix epoch, truncated.
func Micros(t time.Time) int64 {
	return t.Truncate(time.Microsecond).UnixMicro()
}

// Time is the inverse of Micros, in UTC.
func Time(us int64) time.Time {
	return time.UnixMicro(us).UTC()
}

// TimeOrNow returns the time to store for t, as a CreatedAt: t in
// microseconds, or the store clock now when t is zero.
func TimeOrNow(t time.Time, now func() time.Time) time.Time {
	if t.IsZero() {
		t = now()
	}
	return Time(Micros(t))
}

// PeerNotFound returns the ENOTFOUND error for a peer.
func PeerNotFound(id string) error {
	return rampart.Errorf(rampart.ENOTFOUND, "%q is not a peer of this node", id)
}

// CheckPeerSync checks a sync record before it is stored.
func CheckPeerSync(ps *rampart.PeerSync) error {
	if ps.Cursor != nil && ps.Cursor.CollectionID == "" {
		return rampart.Errorf(rampart.EINVALID, "peer %q: a cursor needs the collection it belongs to", ps.PeerID)
	}
	return nil
}

// CollectionNotFound returns the ENOTFOUND error for a collection.
func CollectionNotFound(id string) error {
	return rampart.Errorf(rampart.ENOTFOUND, "collection %q not found", id)
}

// NextDateAdded returns the DateAdded for the next version a collection
// stores itself: now, or 1µs after the newest DateAdded already in the
// collection when the clock has not moved past it (fast batches, or a clock
// that stepped back). Both are in microseconds.
func NextDateAdded(now, last int64) int64 {
	return max(now, last+1)
}

// Key returns the version key of o: stix.Timestamp.Key of its version, ""
// for an object without created and modified (one version only).
func Key(o *stix.Object) string {
	return o.Version().Key()
}

// ObjectError wraps an error about one object of a batch with its position
// and id, as an EINVALID error a client can act on.
func ObjectError(i int, o *stix.Object, format string, args ...any) error {
	id := "(nil)"
	if o != nil {
		id = o.ID
	}
	return rampart.Errorf(rampart.EINVALID, "object %d (%q): %s", i, id, fmt.Sprintf(format, args...))
}

// CheckObject checks what a store needs of an object before storing it.
func CheckObject(i int, o *stix.Object) error {
	switch {
	case o == nil:
		return ObjectError(i, o, "no object")
	case o.ID == "" || o.Type == "":
		return ObjectError(i, o, "an object needs a type and an id")
	case stix.IDType(o.ID) != o.Type:
		return ObjectError(i, o, "id does not begin with the type %q", o.Type)
	case len(o.Raw) == 0:
		return ObjectError(i, o, "the object has no JSON text")
	case !slices.Contains(knownSpecs, o.SpecVersion):
		return ObjectError(i, o, "spec_version %q is not one this node stores (%s)", o.SpecVersion, strings.Join(knownSpecs, ", "))
	}
	return nil
}

// MetadataObject rebuilds the header of a stored version from its columns,
// for MetadataOnly listings that do not read the JSON text. created and
// modified are the timestamps as written ("" when absent).
func MetadataObject(typ, id, spec string, specSet bool, created, modified string) (*stix.Object, error) {
	o := &stix.Object{Type: typ, ID: id, SpecVersion: spec, SpecVersionSet: specSet}
	var err error
	if created != "" {
		if o.Created, err = stix.ParseTimestamp(created); err != nil {
			return nil, fmt.Errorf("stored object %q: created: %v", id, err)
		}
	}
	if modified != "" {
		if o.Modified, err = stix.ParseTimestamp(modified); err != nil {
			return nil, fmt.Errorf("stored object %q: modified: %v", id, err)
		}
	}
	return o, nil
}

// CheckAPIRootName checks that name can be an API root's URL path segment.
func CheckAPIRootName(name string) error {
	if name == "" || len(name) > 100 {
		return rampart.Errorf(rampart.EINVALID, "API root name must be 1 to 100 characters long (got %q)", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') || name == "." || name == ".." {
			return rampart.Errorf(rampart.EINVALID, "API root name %q may only contain letters, digits, '-', '_' and '.'", name)
		}
	}
	if name == "taxii2" {
		return rampart.Errorf(rampart.EINVALID, "API root name %q is reserved for TAXII discovery", name)
	}
	return nil
}

// PrepareAPIRoot checks root before it is stored (EINVALID for a name that
// is not a URL path segment or a negative max_content_length) and sets its
// CreatedAt (see TimeOrNow).
func PrepareAPIRoot(root *rampart.APIRoot, now func() time.Time) error {
	if err := CheckAPIRootName(root.Name); err != nil {
		return err
	}
	if root.MaxContentLength < 0 {
		return rampart.Errorf(rampart.EINVALID, "API root %q: max_content_length must not be negative (got %d)", root.Name, root.MaxContentLength)
	}
	root.CreatedAt = TimeOrNow(root.CreatedAt, now)
	return nil
}

// PrepareCollection readies c to be stored: a random UUID when c.ID is
// empty, EINVALID for an ID that is not a UUID, and its CreatedAt (see
// TimeOrNow).
func PrepareCollection(c *rampart.Collection, now func() time.Time) error {
	if c.ID == "" {
		c.ID = stix.NewUUID()
	}
	if err := CheckCollectionID(c.ID); err != nil {
		return err
	}
	c.CreatedAt = TimeOrNow(c.CreatedAt, now)
	return nil
}

// CheckCollectionID checks that id is a UUID in text form.
func CheckCollectionID(id string) error {
	if _, _, err := stix.ParseID("x-collection--" + id); err != nil {
		return rampart.Errorf(rampart.EINVALID, "collection id %q is not a UUID (8-4-4-4-12 hexadecimal digits)", id)
	}
	return nil
}
