package match

import (
	"context"
	"errors"
	"io"
	"time"
)

// Stats describes a matching run.
type Stats struct {
	Records   int64 // records read, malformed ones included
	Malformed int64
	Matched   int64 // records that met at least one indicator
	Hits      int64 // (indicator, observation) matches
	Sightings int64
	// Suppressed counts the hits the Aggregator suppressed (observed
	// values all on warninglists): no sighting came of them.
	Suppressed int64
	// EvalErrors counts evaluations that failed on the data (the record
	// then does not match that indicator).
	EvalErrors int64
	// Errors are the first MaxReported malformed records, with their
	// line numbers.
	Errors  []*LineError
	Elapsed time.Duration
}

// RecordsPerSecond is the matching throughput.
func (s Stats) RecordsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Records) / s.Elapsed.Seconds()
}

// Stream runs records from a Reader through a Matcher into an Aggregator.
type Stream struct {
	Matcher    *Matcher
	Reader     Reader
	Aggregator *Aggregator
	// MaxReported is how many malformed records are kept in Stats.Errors
	// (default 10); all are counted.
	MaxReported int
	// Progress, when set, is called about every ProgressEvery records and
	// at the end.
	Progress      func(Stats)
	ProgressEvery int64
	// OnHit, when set, is called with every hit before the Aggregator
	// takes it, and with the number of the record that made it (1 for the
	// first record read, malformed ones included, as Stats.Records), so
	// that a caller can count the records that met the indicators of its
	// choosing: those a reader may know of, say.
	OnHit func(record int64, h Hit)
	// OnRecord, when set, hears of every record read (not the malformed
	// ones) before it is matched; the record is valid until it returns.
	OnRecord func(*Record)
}

// FlushTimeout bounds how long a Stream interrupted by its context takes
// to write the sightings it found.
const FlushTimeout = 30 * time.Second

// checkEvery is how many records are matched between two looks at the
// context: a fraction of a millisecond even for indicators the indexes
// cannot narrow.
const checkEvery = 64

// Run reads until the end of the input or ctx is done, then emits the
// pending sightings (also when ctx is done, within FlushTimeout). Malformed records are counted and skipped; it returns
// an error only when the input cannot be read further, the sink fails or
// ctx is cancelled, always with the Stats so far.
func (s *Stream) Run(ctx context.Context) (Stats, error) {
	var st Stats
	start := time.Now()
	sess := s.Matcher.NewSession()
	maxRep := s.MaxReported
	if maxRep == 0 {
		maxRep = 10
	}
	every := s.ProgressEvery
	if every <= 0 {
		every = 1 << 16
	}
	var hitErr error
	var latest time.Time
	done := ctx.Done()
	onHit := func(h Hit) {
		st.Hits++
		if s.OnHit != nil {
			s.OnHit(st.Records, h)
		}
		if s.Aggregator != nil && hitErr == nil {
			hitErr = s.Aggregator.Add(ctx, h)
		}
	}
	finish := func(err error) (Stats, error) {
		if s.Aggregator != nil {
			// Interrupted, the sightings found so far are still written.
			fctx := ctx
			if ctx.Err() != nil {
				var cancel context.CancelFunc
				fctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), FlushTimeout)
				defer cancel()
			}
			if cerr := s.Aggregator.Close(fctx); err == nil {
				err = cerr
			}
			st.Sightings = s.Aggregator.Sightings
			st.Suppressed = s.Aggregator.Suppressed
		}
		st.EvalErrors = sess.EvalErrors
		st.Elapsed = time.Since(start)
		if s.Progress != nil {
			s.Progress(st)
		}
		return st, err
	}
	for {
		r, err := s.Reader.Next()
		if err == io.EOF {
			return finish(nil)
		}
		var le *LineError
		if errors.As(err, &le) {
			st.Records++
			st.Malformed++
			if len(st.Errors) < maxRep {
				st.Errors = append(st.Errors, le)
			}
			continue
		}
		if err != nil {
			return finish(err)
		}
		st.Records++
		if s.OnRecord != nil {
			s.OnRecord(r)
		}
		if st.Records%checkEvery == 0 {
			select {
			case <-done:
				return finish(ctx.Err())
			default:
			}
		}
		if sess.Match(r, onHit) {
			st.Matched++
		}
		if hitErr != nil {
			return finish(hitErr)
		}
		if s.Aggregator != nil && r.Time.After(latest) {
			// Windows more than one window behind the stream's time
			// are complete.
			if latest.IsZero() || r.Time.Sub(latest) > time.Second {
				latest = r.Time
				if err := s.Aggregator.Flush(ctx, latest.Add(-s.Aggregator.window())); err != nil {
					return finish(err)
				}
			}
		}
		if st.Records%every == 0 {
			if s.Progress != nil {
				st.Elapsed = time.Since(start)
				s.Progress(st)
			}
		}
	}
}
