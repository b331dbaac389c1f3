package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
	"github.com/rampart-cti/rampart/warninglist"
)

// The functions of this file run the matcher once over a stream of
// records, outside a serving node, as "rampart match" does: compile the
// indicators (CompileIndicators), gather the warninglists that suppress
// hits (MatchWarninglists), then match (RunMatch). Each takes the node,
// which may be nil when the indicators come from a file and the sightings
// go to a writer.

// MatchMemoryLimit is the soft memory limit of a process that matches
// (see LimitMatchMemory): 1M indicators fit in about 600 MiB of live
// heap.
const MatchMemoryLimit = 1536 << 20

// LimitMatchMemory sets the soft memory limit of the process, which keeps
// the resident size of a matcher predictable: MatchMemoryLimit, or, once
// the indicators are loaded (loaded), half as much again as the live heap
// when that is more, since a feed far larger than a million indicators
// must not make the collector run without pause. A caller leaves the limit
// alone when GOMEMLIMIT sets it.
func LimitMatchMemory(loaded bool) {
	var ms runtime.MemStats
	if loaded {
		runtime.ReadMemStats(&ms)
	}
	debug.SetMemoryLimit(max(MatchMemoryLimit, int64(ms.HeapAlloc)*3/2))
}

// MatchSource says which indicators CompileIndicators compiles: those of
// File, or else those of Collection, which the node holds.
type MatchSource struct {
	// File holds indicators as a STIX bundle or as JSON lines.
	File       string
	Collection *rampart.Collection
	// IncludeDecayed compiles the collection's indicators whatever their
	// score; otherwise those below the node's threshold are left out.
	IncludeDecayed bool
}

// CompiledIndicators are the indicators CompileIndicators compiled.
type CompiledIndicators struct {
	Matcher *match.Matcher
	// Source names where they came from: the file, or "collection ID".
	Source string
	// Skipped are the indicators refused, each with the reason; Decayed
	// counts those left out for their score.
	Skipped []error
	Decayed int
}

// CompileIndicators compiles the indicators src names into a matcher; n
// may be nil for a file. Indicators refused are listed in Skipped, not
// returned as an error; the error says why none could be read: the file
// cannot be opened ("open …"), is not indicators ("FILE: …"), or the
// node's lifecycle settings cannot be read.
func CompileIndicators(ctx context.Context, n *Node, src MatchSource) (*CompiledIndicators, error) {
	if src.File == "" {
		if n == nil || src.Collection == nil {
			return nil, errors.New("compile indicators: neither a file nor a collection of the node")
		}
		return n.compileCollection(ctx, src.Collection, src.IncludeDecayed)
	}
	in, err := os.Open(src.File)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	ci := &CompiledIndicators{Matcher: match.New(), Source: src.File}
	err = match.LoadIndicators(ci.Matcher, in)
	var ae *match.AddError
	switch {
	case errors.As(err, &ae):
		ci.Skipped = ae.Errors
	case err != nil:
		return nil, fmt.Errorf("%s: %v", src.File, err)
	}
	return ci, nil
}

// compileCollection compiles the indicators of collection c, scored by
// the node's lifecycle unless includeDecayed.
func (n *Node) compileCollection(ctx context.Context, c *rampart.Collection, includeDecayed bool) (*CompiledIndicators, error) {
	nm := NewMatcher(n.Objects, n.Collections, nil)
	if !includeDecayed {
		l, err := n.Lifecycle(ctx)
		if err != nil {
			return nil, err
		}
		nm.Lifecycle = l
	}
	_, skipped := nm.Load(ctx, c.ID)
	return &CompiledIndicators{Matcher: nm.M, Source: "collection " + c.ID, Skipped: skipped, Decayed: nm.Decayed()}, nil
}

// AppliedWarninglists are the warninglists MatchWarninglists gathered.
type AppliedWarninglists struct {
	// Suppress tells the aggregator that a hit's observed values are all
	// on the lists (match.Aggregator.Suppress); nil when there are none.
	Suppress func(match.Hit) bool
	// Lists and Entries count the lists applied and their entries.
	Lists, Entries int
	// LeftOut are the entries of the files' lists that could not be
	// compiled (an invalid CIDR, a bad regex): the rest applies.
	LeftOut []error
}

// MatchWarninglists gathers the warninglists that suppress hits: the
// node's own (when n is not nil and nodeLists holds) and those of the
// files or directories paths (warninglist.ReadPath). It returns nil,
// without error, when there are none, or when the node's lists, the only
// ones, hold no entry. A path that cannot be read fails
// the whole with an *UnreadWarninglistsError.
func MatchWarninglists(ctx context.Context, n *Node, nodeLists bool, paths []string) (*AppliedWarninglists, error) {
	var lists []*warninglist.List
	if n != nil && nodeLists {
		if len(paths) == 0 {
			// The node's lists, compiled once for this process.
			wl, err := n.Warninglists(ctx)
			if err != nil || wl.Checker.Entries() == 0 {
				return nil, err
			}
			return appliedWarninglists(wl.Checker, len(wl.Checker.Lists()), nil), nil
		}
		var err error
		if lists, err = n.FindWarninglists(ctx); err != nil {
			return nil, err
		}
	}
	for _, p := range paths {
		ls, errs := warninglist.ReadPath(p)
		if len(errs) > 0 {
			return nil, &UnreadWarninglistsError{Errors: errs}
		}
		lists = append(lists, ls...)
	}
	if len(lists) == 0 {
		return nil, nil
	}
	c, bad := warninglist.Compile(lists)
	return appliedWarninglists(c, len(lists), bad), nil
}

// UnreadWarninglistsError lists the files of a path given to
// MatchWarninglists that could not be read, one *warninglist.ListError
// each.
type UnreadWarninglistsError struct {
	Errors []error
}

func (e *UnreadWarninglistsError) Error() string { return errors.Join(e.Errors...).Error() }

// appliedWarninglists returns what suppresses the hits whose observed
// values are all on c's lists.
func appliedWarninglists(c *warninglist.Checker, lists int, leftOut []error) *AppliedWarninglists {
	return &AppliedWarninglists{Lists: lists, Entries: c.Entries(), LeftOut: leftOut, Suppress: func(h match.Hit) bool {
		_, all := c.Observed(h.Indicator.Pattern, h.Observations)
		return all
	}}
}

// MatchOptions say what RunMatch matches and where its sightings go.
type MatchOptions struct {
	Matcher *match.Matcher
	Reader  match.Reader
	// Output receives the sightings as JSON lines (match.LineSink),
	// unless Store is set.
	Output io.Writer
	// Store stores the sightings in Collection of the node instead:
	// marked and addressed as the indicators they are of, signed with the
	// node's keys and stored through its object service, as a serving
	// node's own sightings are (Sightings); the values read are kept in
	// its archive for retro-hunts.
	Store      bool
	Collection *rampart.Collection
	// Identity is where the sightings were made (where_sighted_refs): the
	// node's organisation when empty and Store is set.
	Identity string
	// Window is the length of the windows hits are aggregated over.
	Window time.Duration
	// Suppress takes out hits (AppliedWarninglists.Suppress); nil keeps
	// every hit.
	Suppress func(match.Hit) bool
	// MaxReported is how many malformed records are kept in Stats.Errors.
	MaxReported int
	// Progress, when set, is called now and then while the stream runs.
	Progress func(match.Stats)
}

// MatchResult is what RunMatch did.
type MatchResult struct {
	match.Stats
	// Stored are the ids of the sightings stored, with Store, and
	// Collection the id of the collection they were stored in.
	Stored     []string
	Collection string
}

// RunMatch matches the records of o.Reader against o.Matcher until the
// input ends or ctx does, and writes or stores the sightings. Interrupted,
// it still writes the sightings found so far (match.Stream.Run). It
// returns the stream's error (the input broke, the sink failed, ctx
// ended) or the archive's, always with the result so far; n may be nil
// unless o.Store.
func RunMatch(ctx context.Context, n *Node, o MatchOptions) (MatchResult, error) {
	agg := &match.Aggregator{Window: o.Window, WhereSightedRef: o.Identity, Sink: match.NewLineSink(o.Output)}
	var stored *Sightings
	if o.Store {
		if n == nil || o.Collection == nil {
			return MatchResult{}, errors.New("store sightings: no collection of the node")
		}
		stored = n.NewSightings(ctx, o.Collection.ID)
		agg = stored.Aggregator(o.Identity, o.Window)
	}
	agg.Suppress = o.Suppress
	st := &match.Stream{Matcher: o.Matcher, Reader: o.Reader, Aggregator: agg, MaxReported: o.MaxReported, Progress: o.Progress}
	if stored != nil {
		st.OnRecord = func(r *match.Record) { stored.Observed(ctx, r) }
	}
	stats, err := st.Run(ctx)
	res := MatchResult{Stats: stats}
	if stored != nil {
		if ferr := stored.Flush(context.WithoutCancel(ctx)); ferr != nil && err == nil {
			err = ferr
		}
		res.Stored, res.Collection = stored.IDs, o.Collection.ID
	}
	return res, err
}
