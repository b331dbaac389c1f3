package translog

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/rampart-cti/rampart/trust"
)

// MaxHeadsPerOrigin bounds the heads a Witness keeps of each log: the
// latest ones, by size.
const MaxHeadsPerOrigin = 256

// Fork is evidence that a log showed two histories: two heads, both
// validly signed by the log's organisation, that cannot both be true.
type Fork struct {
	Origin string
	// A is the head the witness held, B the one that contradicts it.
	A, B *SignedHead
	// Reason says how they contradict each other: the same size with
	// different roots, or a consistency proof that does not verify.
	Reason string
	// First reports the first fork the witness found of this log: the
	// one to raise an alert for.
	First bool
}

func (f *Fork) Error() string {
	return fmt.Sprintf("the log of %s forked: %s", f.Origin, f.Reason)
}

// ProveFunc fetches, from the log itself, the consistency proof between
// its trees of sizes first and second.
type ProveFunc func(ctx context.Context, first, second int64) ([]Hash, error)

// Witness keeps the latest signed heads it has seen of each log and
// checks every new one against them: a head of a size it holds must have
// the same root, and, when the log can be asked (a ProveFunc), a head of
// another size must be consistent with the latest one. What it keeps is in
// memory: it starts anew with the process.
//
// A Witness is safe for concurrent use.
type Witness struct {
	// Verifier checks the heads' signatures. Required.
	Verifier *trust.Verifier
	// Self is the organisation whose own heads the witness ignores.
	Self string

	mu      sync.Mutex
	origins map[string]*witnessed
	forks   []*Fork
}

type witnessed struct {
	latest *SignedHead
	sizes  map[int64]*SignedHead
	// fork is the first fork found of the log, nil when none was.
	fork *Fork
}

// Observe checks a head seen of a log. It returns the head when it is
// new to the witness (nil when it held it, or it is the witness's own),
// and a non-nil Fork when it contradicts a head held; the first fork of a
// log is kept (Forks). It returns an error for a head that is not
// validly signed by its origin, or when prove fails: the head is then
// not kept. prove may be nil when the log cannot be asked.
func (w *Witness) Observe(ctx context.Context, h *SignedHead, prove ProveFunc) (*SignedHead, *Fork, error) {
	if h.Origin == w.Self {
		return nil, nil, nil
	}
	if err := h.Verify(w.Verifier); err != nil {
		return nil, nil, err
	}
	w.mu.Lock()
	if w.origins == nil {
		w.origins = map[string]*witnessed{}
	}
	o := w.origins[h.Origin]
	if o == nil {
		o = &witnessed{sizes: map[int64]*SignedHead{}}
		w.origins[h.Origin] = o
	}
	if held := o.sizes[h.Size]; held != nil {
		defer w.mu.Unlock()
		if held.Root == h.Root {
			return nil, nil, nil
		}
		return h, w.fork(o, held, h, fmt.Sprintf("two heads of size %d with different roots, %s (signed %s) and %s (signed %s)",
			h.Size, held.Root, held.Timestamp.UTC().Format("2006-01-02T15:04:05Z"), h.Root, h.Timestamp.UTC().Format("2006-01-02T15:04:05Z"))), nil
	}
	latest := o.latest
	w.mu.Unlock()
	var fork *Fork
	if latest != nil && prove != nil {
		a, b := latest, h
		if a.Size > b.Size {
			a, b = b, a
		}
		p, err := prove(ctx, a.Size, b.Size)
		if err != nil {
			return nil, nil, fmt.Errorf("consistency proof of the log of %s from size %d to %d: %w", h.Origin, a.Size, b.Size, err)
		}
		if err := VerifyConsistency(a.Size, b.Size, a.Root, b.Root, p); err != nil {
			fork = &Fork{Reason: fmt.Sprintf("the head of size %d is not consistent with the head of size %d: %v", b.Size, a.Size, err)}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if fork != nil {
		fork = w.fork(o, latest, h, fork.Reason)
	}
	if held := o.sizes[h.Size]; held != nil {
		// Another call kept one of this size meanwhile.
		if held.Root != h.Root && fork == nil {
			fork = w.fork(o, held, h, fmt.Sprintf("two heads of size %d with different roots, %s and %s", h.Size, held.Root, h.Root))
		}
		return h, fork, nil
	}
	o.sizes[h.Size] = h
	if o.latest == nil || h.Size > o.latest.Size {
		o.latest = h
	}
	if len(o.sizes) > MaxHeadsPerOrigin {
		sizes := slices.Sorted(maps.Keys(o.sizes))
		for _, s := range sizes[:len(sizes)-MaxHeadsPerOrigin] {
			delete(o.sizes, s)
		}
	}
	return h, fork, nil
}

// fork records the fork of o's log the first time; w.mu is held.
func (w *Witness) fork(o *witnessed, a, b *SignedHead, reason string) *Fork {
	f := &Fork{Origin: b.Origin, A: a, B: b, Reason: reason}
	if o.fork == nil {
		o.fork, f.First = f, true
		w.forks = append(w.forks, f)
	}
	return f
}

// Heads returns the latest head held of each log, by origin, and, of a
// log found forked, the two heads of its first fork besides: passed on,
// they let every other witness see the fork for itself.
func (w *Witness) Heads() []*SignedHead {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]*SignedHead, 0, len(w.origins))
	for _, o := range w.origins {
		if o.latest != nil {
			out = append(out, o.latest)
		}
		if f := o.fork; f != nil {
			for _, h := range []*SignedHead{f.A, f.B} {
				if h != o.latest {
					out = append(out, h)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b *SignedHead) int { return strings.Compare(a.Origin, b.Origin) })
	return out
}

// Forks returns the first fork found of each log, in the order found.
func (w *Witness) Forks() []*Fork {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.forks)
}
