package search

import (
	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// The indexes hold one entry per object in a collection: its version
// marked latest (versions.Mark), the one a listing without filters
// returns. A write that stores or deletes versions changes the entries of
// the objects whose latest version it changes, in its own transaction;
// the stores apply the Change that ChangeOfWrite or ChangeOfDelete
// returns.

// Latest returns the seqs of the versions of existing marked latest: the
// versions the indexes hold, before a write changes any mark. Call it
// before the plan of the write (which changes the marks in place).
func Latest(existing []versions.Row) map[int64]bool {
	m := make(map[int64]bool)
	for _, r := range existing {
		if r.Latest {
			m[r.Seq] = true
		}
	}
	return m
}

// Change is what one write changes in the indexes.
type Change struct {
	// Remove are the versions whose entries go.
	Remove []int64
	// Add are new versions to index, with their objects.
	Add []Entry
	// Load are stored versions to index (an older version that is the
	// latest again once a newer one is deleted): the store reads their
	// JSON, then indexes them as Add.
	Load []int64
}

// An Entry is one version to index.
type Entry struct {
	Seq    int64
	Object *stix.Object
	// Doc is Object's, when it was made already (Docs); nil otherwise.
	Doc *Doc
}

// Docs are the documents of the objects a write stores, made before its
// transaction, by the goroutine of its caller: the store's writer,
// which the writes of every client wait for, then spends no time on
// them.
type Docs map[*stix.Object]*Doc

// Docs returns the documents of objs (nil ones left out).
func (d *Dialect) Docs(objs []*stix.Object) Docs {
	docs := make(Docs, len(objs))
	for _, o := range objs {
		if o != nil && docs[o] == nil {
			docs[o] = NewDoc(o, d.Values)
		}
	}
	return docs
}

// VersionDocs is Docs of the objects of vs.
func (d *Dialect) VersionDocs(vs []*rampart.ObjectVersion) Docs {
	objs := make([]*stix.Object, 0, len(vs))
	for _, v := range vs {
		if v != nil {
			objs = append(objs, v.Object)
		}
	}
	return d.Docs(objs)
}

// ChangeOfWrite returns what a CreateObjects or RestoreObjects plan
// changes: latest is Latest of the stored versions before the plan, whose
// inserts have their Seq, and docs the documents of its objects made
// already (or nil).
func ChangeOfWrite(latest map[int64]bool, p *versions.Plan, docs Docs) Change {
	var c Change
	for _, in := range p.Inserts {
		if in.Latest {
			c.Add = append(c.Add, Entry{Seq: in.Seq, Object: in.Object, Doc: docs[in.Object]})
		}
	}
	c.marks(latest, p.Updates)
	return c
}

// ChangeOfDelete returns what a deletion changes: latest is Latest of the
// object's versions before it, del the seqs it deletes and updates the
// versions whose marks it changes.
func ChangeOfDelete(latest map[int64]bool, del []int64, updates []*versions.Row) Change {
	var c Change
	for _, seq := range del {
		if latest[seq] {
			c.Remove = append(c.Remove, seq)
		}
	}
	c.marks(latest, updates)
	return c
}

// marks adds the stored versions that gain or lose the latest mark.
func (c *Change) marks(latest map[int64]bool, updates []*versions.Row) {
	for _, r := range updates {
		switch {
		case r.Latest && !latest[r.Seq]:
			c.Load = append(c.Load, r.Seq)
		case !r.Latest && latest[r.Seq]:
			c.Remove = append(c.Remove, r.Seq)
		}
	}
}

// Empty reports whether c changes nothing.
func (c *Change) Empty() bool {
	return len(c.Remove) == 0 && len(c.Add) == 0 && len(c.Load) == 0
}
