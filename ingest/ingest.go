// Package ingest stores a stream of STIX objects in a collection: it reads
// the objects one at a time, checks each on its own, stores the valid ones
// in batches and says what became of every one. It is the one way objects
// come into a node in bulk, whichever way they arrive: a TAXII POST
// (taxii.Server) and "rampart import" both call Ingester.Ingest, so that an
// object is checked, stored and reported on alike.
//
// Reach for Ingester: set Objects, Check and Report, then call Ingest with a
// stix.BundleReader (stix.NewBundleReader for envelopes and bundles,
// stix.NewObjectReader for anything a file may hold).
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// DefaultBatchSize is how many objects go to the store in one atomic call
// when Ingester.BatchSize is 0.
const DefaultBatchSize = 1000

// Source is a stream of STIX objects, as *stix.BundleReader reads them:
// Next returns io.EOF after the last, a *stix.ObjectError for an object
// that is invalid on its own (the stream goes on), and any other error
// when the stream itself is broken.
type Source interface {
	Next() (*stix.Object, error)
}

// Ingester stores streams of objects through Objects. Set its fields, then
// call Ingest; an Ingester holds no state between calls and is safe for
// concurrent use when its functions are.
type Ingester struct {
	Objects rampart.ObjectService
	// Check is applied to every object read; an object it refuses fails
	// alone, with its error. Nil accepts every object the source reads.
	Check func(*stix.Object) error
	// BatchSize is how many objects go to the store in one atomic call
	// (DefaultBatchSize when 0).
	BatchSize int
	// FirstBatchSize, when between 0 and BatchSize, is the size of the
	// first batch, and each next one is twice the last, up to BatchSize:
	// the store starts writing once the first few objects are read and
	// checked, not once a whole batch of them is, and the batches grow
	// while the next is read as the last is written. For an import; a
	// request whose body must store nothing when it breaks before its
	// first batch (StoreBeforeBreak false) leaves it 0.
	FirstBatchSize int
	// StoreBeforeBreak says what becomes of the valid objects read since
	// the last batch when the stream breaks (malformed JSON, a body cut
	// short): stored, as an import keeps all it could read, or left
	// NotStored, so that a request whose body breaks before its first
	// batch stores nothing, as a TAXII POST does.
	StoreBeforeBreak bool
	// Report, when set, is told what became of each object: at once for
	// one that fails, when its batch is stored (or cannot be) for the
	// others, so not always in the stream's order.
	Report func(Outcome)
}

// Preparer is an ObjectService that can do, before a CreateObjects call,
// the part of the write that needs nothing the store holds (the stores of
// this module: the objects' search documents). PrepareObjects does that
// part on the caller's goroutine and returns what stores objs as
// CreateObjects(ctx, collectionID, objs) would. Ingest prepares each batch
// while the one before it is stored, so that the store's writer, which
// every write waits for, need not wait for that work between batches.
type Preparer interface {
	PrepareObjects(objs []*stix.Object) func(ctx context.Context, collectionID string) ([]rampart.ObjectResult, error)
}

// ReadError is a stream that broke: what came before it was read, what
// came after it was not. Err is the source's error.
type ReadError struct {
	Err error
}

func (e *ReadError) Error() string { return e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// queued is a valid object waiting for its batch.
type queued struct {
	index int
	obj   *stix.Object
}

// Ingest reads src to its end and stores its valid objects in the
// collection, BatchSize at a time, each batch atomically. It returns what
// it did and, when it stopped before the end, why: a *ReadError for a
// broken stream, the store's error, or ctx's (wrapping the store's when
// ctx ended during a store call). Batches stored before an
// error stay stored; the objects read but not stored are reported
// NotStored with that error; objects never read are not reported.
//
// While one batch is stored the next is read, checked and, when Objects
// is a Preparer, prepared, so up to one
// batch more is read than stored when the store fails; a batch handed to
// the store is stored whatever happens to the stream or ctx meanwhile.
func (in *Ingester) Ingest(ctx context.Context, collectionID string, src Source) (Summary, error) {
	var sum Summary
	size := in.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	// next is the size of the batch being read.
	next := size
	if in.FirstBatchSize > 0 && in.FirstBatchSize < size {
		next = in.FirstBatchSize
	}
	report := func(o Outcome) {
		sum.count(o.State)
		if in.Report != nil {
			in.Report(o)
		}
	}
	// One batch is written while the next is read and checked: the
	// store's writer and the source (a parser, a converter) work at once.
	// Batches are still stored one after the other, in the stream's
	// order: the next is handed over only once the last is stored.
	var (
		batch    = make([]queued, 0, min(size, 1024))
		inflight []queued
		done     chan writeResult
	)
	// wait takes the outcome of the batch in flight, if any, and reports it.
	wait := func() error {
		if done == nil {
			return nil
		}
		r := <-done
		done = nil
		sent := inflight
		inflight = nil
		if r.err != nil {
			for _, q := range sent {
				o := outcome(q.index, q.obj)
				o.State, o.Err = NotStored, r.err
				report(o)
			}
			return r.err
		}
		if len(r.res) != len(sent) {
			err := fmt.Errorf("ingest: the store reported on %d objects for the %d given it", len(r.res), len(sent))
			for _, q := range sent {
				o := outcome(q.index, q.obj)
				o.State, o.Err = NotStored, err
				report(o)
			}
			return err
		}
		for i, x := range r.res {
			o := outcome(sent[i].index, sent[i].obj)
			o.State, o.DateAdded = Added, x.DateAdded
			if !x.Added {
				o.State = Present
			}
			report(o)
		}
		return nil
	}
	preparer, _ := in.Objects.(Preparer)
	// send prepares the batch read while the last one is stored, and
	// hands it to the store once that one is.
	send := func() error {
		if len(batch) == 0 {
			return wait()
		}
		objs := make([]*stix.Object, len(batch))
		for i, q := range batch {
			objs[i] = q.obj
		}
		write := func(ctx context.Context, collectionID string) ([]rampart.ObjectResult, error) {
			return in.Objects.CreateObjects(ctx, collectionID, objs)
		}
		if preparer != nil {
			write = preparer.PrepareObjects(objs)
		}
		if err := wait(); err != nil {
			return err
		}
		inflight = batch
		batch = make([]queued, 0, cap(inflight))
		done = make(chan writeResult, 1)
		go func(done chan<- writeResult) {
			// A batch handed to the store is stored, even when the stream
			// breaks or ctx ends meanwhile (a client that went away, an
			// import interrupted): as it would have been had it been
			// written before the next was read.
			res, err := write(context.WithoutCancel(ctx), collectionID)
			if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
				// Stores report a cancelled statement in their own words
				// ("interrupted"); the cause is what callers tell apart.
				err = fmt.Errorf("%w: %w", ctx.Err(), err)
			}
			done <- writeResult{res, err}
		}(done)
		return nil
	}
	var err error
	var path interface{ Path(int) string }
	path, _ = src.(interface{ Path(int) string })
	for i := 0; ; i++ {
		if err = ctx.Err(); err != nil {
			break
		}
		o, rerr := src.Next()
		if rerr == io.EOF {
			break
		}
		var oe *stix.ObjectError
		if errors.As(rerr, &oe) {
			report(Outcome{Index: oe.Index, ID: oe.ID, Version: oe.Version, State: Invalid, Err: oe})
			continue
		}
		if rerr != nil {
			err = &ReadError{Err: rerr}
			break
		}
		if in.Check != nil {
			if cerr := in.Check(o); cerr != nil {
				oe := &stix.ObjectError{Index: i, ID: o.ID, Version: o.Version().String(), Err: cerr}
				if path != nil {
					oe.Path = path.Path(i)
				}
				report(Outcome{Index: i, ID: o.ID, Version: oe.Version, State: Invalid, Err: oe})
				continue
			}
		}
		batch = append(batch, queued{index: i, obj: o})
		if len(batch) == next {
			next = min(2*next, size)
			if err = send(); err != nil {
				break
			}
		}
	}
	var re *ReadError
	if err == nil || errors.As(err, &re) && in.StoreBeforeBreak {
		if ferr := send(); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}
	// The batch in flight ends as the store says, whatever stopped the
	// stream; what was read after it is not stored.
	if werr := wait(); werr != nil && (err == nil || ctx.Err() != nil && errors.Is(err, ctx.Err())) {
		// The store's error says more than ctx's, which it wraps when
		// ctx ended during the write.
		err = werr
	}
	for _, q := range batch {
		o := outcome(q.index, q.obj)
		o.State, o.Err = NotStored, err
		report(o)
	}
	return sum, err
}

// writeResult is what the store said of a batch.
type writeResult struct {
	res []rampart.ObjectResult
	err error
}

func outcome(index int, o *stix.Object) Outcome {
	return Outcome{Index: index, ID: o.ID, Version: o.Version().String()}
}
