package versions

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// Row is one version of one object in a collection, as the stores keep it
// (the columns that version selection needs).
type Row struct {
	Seq       int64 // 0 for a version not stored yet
	ID        string
	Key       string // Key of the version
	Spec      string // spec_version
	DateAdded int64  // microseconds
	// Marks for the default spec_version rule: Top, the spec_version is the
	// newest the object has; Latest and Earliest, the last and first
	// version among the Top ones. The stores keep them in indexed columns
	// so that the default listing is an index range scan.
	Top, Latest, Earliest bool
}

func (r *Row) marks() [3]bool { return [3]bool{r.Top, r.Latest, r.Earliest} }

// Mark sets Top, Latest and Earliest on the versions of one object (all of
// them, in any order).
func Mark(vs []*Row) {
	if len(vs) == 0 {
		return
	}
	top := ""
	for _, v := range vs {
		top = max(top, v.Spec)
	}
	var first, last *Row
	for _, v := range vs {
		v.Top, v.Latest, v.Earliest = v.Spec == top, false, false
		if !v.Top {
			continue
		}
		if first == nil || v.Key < first.Key {
			first = v
		}
		if last == nil || v.Key > last.Key {
			last = v
		}
	}
	first.Earliest = true
	last.Latest = true
}

// Select reports which versions of one object (all of them, with their
// marks set) q's match[version] and match[spec_version] pick; ids, types,
// added_after and paging are not its concern.
func Select(q *Query, vs []*Row) []bool {
	in := func(v *Row) bool {
		if q.Default() {
			return v.Top
		}
		return slices.Contains(q.Specs, v.Spec)
	}
	var first, last *Row
	for _, v := range vs {
		if !in(v) {
			continue
		}
		if first == nil || v.Key < first.Key {
			first = v
		}
		if last == nil || v.Key > last.Key {
			last = v
		}
	}
	sel := make([]bool, len(vs))
	for i, v := range vs {
		sel[i] = in(v) && (q.All ||
			q.Last && v == last ||
			q.First && v == first ||
			slices.Contains(q.Timestamps, v.Key))
	}
	return sel
}

// Insert is a version to store.
type Insert struct {
	Object *stix.Object
	Row
}

// Plan is what a CreateObjects or RestoreObjects call writes.
type Plan struct {
	Results []rampart.ObjectResult // in the order of the call's objects
	// rows are the versions Results report on, in step with them: their
	// Seq is known only once the Writer has stored the inserts.
	rows    []*Row
	Inserts []*Insert // in DateAdded (and so Seq) order
	// Updates are stored versions whose marks change; Row holds the new
	// marks.
	Updates []*Row
	// LastAdded is the collection's newest DateAdded afterwards.
	LastAdded int64
	// Mixed is the change in the number of objects of the collection
	// with versions of more than one spec version.
	Mixed int
}

// mixed reports whether the versions of one object span several spec
// versions.
func mixed(vs []*Row) bool {
	for _, v := range vs {
		if v.Spec != vs[0].Spec {
			return true
		}
	}
	return false
}

// A Writer runs one CreateObjects or RestoreObjects transaction in a
// store: it reads the newest DateAdded (last, µs) of the collection and
// the stored versions of ids there (existing), calls plan with them, and
// writes the plan it returns, or nothing when it has no inserts, setting
// the Seq of each insert to the one the store gave it (AssignSeqs). It
// returns plan's error as it is. ids are the objects' ids, each once.
type Writer func(ctx context.Context, collectionID string, ids []string, plan PlanFunc) error

// PlanFunc decides what a Writer writes, given the stored versions of the
// objects' ids and the collection's newest DateAdded (µs).
type PlanFunc func(existing []Row, last int64) (*Plan, error)

// Create is CreateObjects of both stores: it checks objs (EINVALID, naming
// the object, when one cannot be stored), then has write store them in
// the collection with DateAdded values from now (µs), read once the
// transaction holds the collection.
func Create(ctx context.Context, collectionID string, objs []*stix.Object, now func() int64, write Writer) ([]rampart.ObjectResult, error) {
	for i, o := range objs {
		if err := CheckObject(i, o); err != nil {
			return nil, err
		}
	}
	var plan *Plan
	err := write(ctx, collectionID, ids(objs), func(existing []Row, last int64) (*Plan, error) {
		plan = PlanCreate(objs, existing, now(), last)
		return plan, nil
	})
	if err != nil {
		return nil, err
	}
	for i, r := range plan.rows {
		plan.Results[i].Seq = r.Seq
	}
	return plan.Results, nil
}

// AssignSeqs sets the Seq of each of ins from stored, the rows the store
// holds after inserting them (others may be among them), matched by id and
// version key. It fails when one of ins is not among stored, which would
// be a bug of the store.
func AssignSeqs(ins []*Insert, stored []Row) error {
	seqs := make(map[[2]string]int64, len(stored))
	for _, r := range stored {
		seqs[[2]string{r.ID, r.Key}] = r.Seq
	}
	for _, in := range ins {
		seq, ok := seqs[[2]string{in.ID, in.Key}]
		if !ok {
			return fmt.Errorf("version %q of %q is not among the stored versions after it was inserted", in.Key, in.ID)
		}
		in.Seq = seq
	}
	return nil
}

// Restore is RestoreObjects of both stores: it checks vs, then has write
// store them with their own DateAdded (see PlanRestore).
func Restore(ctx context.Context, collectionID string, vs []*rampart.ObjectVersion, write Writer) error {
	objs := make([]*stix.Object, len(vs))
	for i, v := range vs {
		if v == nil {
			return ObjectError(i, nil, "no object")
		}
		if err := CheckObject(i, v.Object); err != nil {
			return err
		}
		objs[i] = v.Object
	}
	return write(ctx, collectionID, ids(objs), func(existing []Row, last int64) (*Plan, error) {
		return PlanRestore(vs, existing, last)
	})
}

// ids returns the ids of objs, each once, sorted.
func ids(objs []*stix.Object) []string {
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// PlanCreate decides what CreateObjects does with objs, given the versions
// the collection already holds of the same object ids (existing), the
// clock now and the collection's newest DateAdded last (microseconds). New
// versions get DateAdded values that grow strictly from max(now, last+1); a
// version already held, or repeated within objs, is reported with Added
// false and the first one's DateAdded.
func PlanCreate(objs []*stix.Object, existing []Row, now, last int64) *Plan {
	p := newPlanner(existing, last)
	for _, o := range objs {
		p.add(o, func() int64 { return NextDateAdded(now, p.plan.LastAdded) })
	}
	return p.finish()
}

// PlanRestore is PlanCreate for RestoreObjects: the versions keep their
// DateAdded, which must not precede last. vs need not be sorted; they are
// stored in DateAdded order (stable for ties), and Plan.Results follows that
// order.
func PlanRestore(vs []*rampart.ObjectVersion, existing []Row, last int64) (*Plan, error) {
	sorted := slices.Clone(vs)
	slices.SortStableFunc(sorted, func(a, b *rampart.ObjectVersion) int {
		return a.DateAdded.Compare(b.DateAdded)
	})
	p := newPlanner(existing, last)
	for _, v := range sorted {
		d := Micros(v.DateAdded)
		if r := p.held(v.Object); r != nil {
			// Restoring a version held already changes nothing, whatever
			// its DateAdded: restoring one backup twice is harmless.
			p.plan.Results = append(p.plan.Results, rampart.ObjectResult{ID: r.ID, Version: v.Object.Version(), DateAdded: Time(r.DateAdded), Seq: r.Seq})
			p.plan.rows = append(p.plan.rows, r)
			continue
		}
		if d < p.plan.LastAdded {
			return nil, rampart.Errorf(rampart.EINVALID,
				"restore %q: date_added %s precedes the newest date_added in the collection (%s)",
				v.Object.ID, Time(d).Format(timeFormat), Time(p.plan.LastAdded).Format(timeFormat))
		}
		p.add(v.Object, func() int64 { return d })
	}
	return p.finish(), nil
}

type planner struct {
	plan   Plan
	byID   map[string][]*Row
	stored map[*Row][3]bool // marks as stored, to detect changes
	isNew  map[*Row]*Insert
}

func newPlanner(existing []Row, last int64) *planner {
	p := &planner{
		byID:   make(map[string][]*Row),
		stored: make(map[*Row][3]bool, len(existing)),
		isNew:  make(map[*Row]*Insert),
	}
	p.plan.LastAdded = last
	for i := range existing {
		r := &existing[i]
		p.byID[r.ID] = append(p.byID[r.ID], r)
		p.stored[r] = r.marks()
	}
	return p
}

// held returns the version of o the collection holds or the call has
// added already, nil when there is none.
func (p *planner) held(o *stix.Object) *Row { return p.heldKey(o.ID, Key(o)) }

// heldKey is held of the version key of the object id.
func (p *planner) heldKey(id, key string) *Row {
	for _, r := range p.byID[id] {
		if r.Key == key {
			return r
		}
	}
	return nil
}

func (p *planner) add(o *stix.Object, dateAdded func() int64) {
	key := Key(o)
	res := rampart.ObjectResult{ID: o.ID, Version: o.Version()}
	if r := p.heldKey(o.ID, key); r != nil {
		res.DateAdded, res.Seq = Time(r.DateAdded), r.Seq
		p.plan.Results = append(p.plan.Results, res)
		p.plan.rows = append(p.plan.rows, r)
		return
	}
	d := dateAdded()
	in := &Insert{Object: o, Row: Row{ID: o.ID, Key: key, Spec: o.SpecVersion, DateAdded: d}}
	p.plan.LastAdded = max(p.plan.LastAdded, d)
	p.byID[o.ID] = append(p.byID[o.ID], &in.Row)
	p.isNew[&in.Row] = in
	p.plan.Inserts = append(p.plan.Inserts, in)
	res.Added, res.DateAdded = true, Time(d)
	p.plan.Results = append(p.plan.Results, res)
	p.plan.rows = append(p.plan.rows, &in.Row)
}

func (p *planner) finish() *Plan {
	// Mark every object that gained a version, and collect the stored
	// versions whose marks changed, in Seq order for deterministic writes.
	seen := make(map[string]bool)
	for _, in := range p.plan.Inserts {
		if seen[in.ID] {
			continue
		}
		seen[in.ID] = true
		rows := p.byID[in.ID]
		var before []*Row
		for _, r := range rows {
			if _, ok := p.stored[r]; ok {
				before = append(before, r)
			}
		}
		p.plan.Mixed += b2i(mixed(rows)) - b2i(mixed(before))
		Mark(rows)
		for _, r := range rows {
			if old, ok := p.stored[r]; ok && old != r.marks() {
				p.plan.Updates = append(p.plan.Updates, r)
			}
		}
	}
	slices.SortFunc(p.plan.Updates, func(a, b *Row) int { return cmp.Compare(a.Seq, b.Seq) })
	return &p.plan
}

// PlanDelete decides what DeleteObjects does with the versions of one
// object (all of them, as stored): which to delete (by Seq) and which of
// the rest change marks. It returns ENOTFOUND when q selects none, as when
// q.Types does not name the object's type.
func PlanDelete(q *Query, rows []Row) (del []int64, updates []*Row, mixedDelta int, err error) {
	if len(q.Types) > 0 && !slices.Contains(q.Types, stix.IDType(q.IDs[0])) {
		rows = nil
	}
	ptrs := make([]*Row, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i]
	}
	sel := Select(q, ptrs)
	var keep []*Row
	for i, r := range ptrs {
		if sel[i] {
			del = append(del, r.Seq)
		} else {
			keep = append(keep, r)
		}
	}
	if len(del) == 0 {
		return nil, nil, 0, rampart.Errorf(rampart.ENOTFOUND, "collection %q holds no version of %q that matches the filter", q.CollectionID, q.IDs[0])
	}
	old := make(map[*Row][3]bool, len(keep))
	for _, r := range keep {
		old[r] = r.marks()
	}
	Mark(keep)
	for _, r := range keep {
		if old[r] != r.marks() {
			updates = append(updates, r)
		}
	}
	return del, updates, b2i(mixed(keep)) - b2i(mixed(ptrs)), nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
