package pattern

import (
	"errors"
	"fmt"
	"time"
)

// Result is the outcome of evaluating a pattern over observations.
type Result struct {
	Matched bool
	// ObservedDataIDs are the observations of the first way found of
	// meeting the pattern, in input order (the IDs of their observed-data
	// objects).
	ObservedDataIDs []string
	// Observations are the indices into the evaluated slice of the same.
	Observations []int
}

// Match reports whether the observations meet the pattern. See Evaluate.
func (p *Pattern) Match(obs []*Observation) (bool, error) {
	r, err := p.Evaluate(obs)
	if err != nil {
		return false, err
	}
	return r.Matched, nil
}

// ErrNotChecked is returned when a pattern that has not passed Check is
// evaluated.
var ErrNotChecked = errors.New("pattern has not passed Check (use Compile)")

// Evaluate matches the pattern against observations, with the semantics of
// STIX 2.1 §9 as the OASIS reference implementation reads them:
//
//   - a bracketed observation expression is met by one observation in which
//     one object meets its comparison expression;
//   - an observed-data object with number_observed n counts as n
//     observations (so [a] AND [a] is met by one object seen twice);
//   - AND and FOLLOWEDBY need distinct observations; FOLLOWEDBY needs the
//     left side's first_observed times not after the right side's
//     last_observed times;
//   - WITHIN d is met when a window of d seconds touches every
//     observation's [first_observed, last_observed];
//   - START/STOP is met when every observation's interval overlaps
//     [START, STOP), the STOP instant excluded;
//   - REPEATS n needs n distinct ways of meeting the expression.
//
// It returns an error for data the pattern cannot be evaluated against
// (such as a malformed timestamp compared with t'…'), ErrNotChecked for an
// unchecked pattern, and an error wrapping ErrTooManyBindings when the
// combinations to consider exceed MaxBindings. It is safe for concurrent
// use.
func (p *Pattern) Evaluate(obs []*Observation) (*Result, error) {
	if !p.checked {
		return nil, ErrNotChecked
	}
	e := &evaluator{obs: obs}
	bs, err := e.eval(p.Expr)
	if err != nil {
		return nil, err
	}
	r := &Result{Matched: len(bs) > 0}
	if r.Matched {
		for i, idx := range bs[0] {
			if i > 0 && bs[0][i-1] == idx {
				continue
			}
			r.Observations = append(r.Observations, int(idx))
			r.ObservedDataIDs = append(r.ObservedDataIDs, obs[idx].ID)
		}
	}
	return r, nil
}

// binding is one way of meeting (part of) a pattern: the observations used,
// as a sorted multiset of indices. An observation may appear up to its
// number_observed times, since each is that many observations.
type binding []int32

type evaluator struct {
	obs []*Observation
}

func (e *evaluator) eval(x ObservationExpr) ([]binding, error) {
	switch x := x.(type) {
	case *ObservationSimple:
		var out []binding
		for i, o := range e.obs {
			ok, err := MatchObservation(x.Expr, o)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, binding{int32(i)})
			}
		}
		return out, nil
	case *ObservationParen:
		return e.eval(x.X)
	case *ObservationBinary:
		l, err := e.eval(x.Left)
		if err != nil || (len(l) == 0 && x.Op != ObsOr) {
			return nil, err
		}
		r, err := e.eval(x.Right)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case ObsOr:
			return e.union(l, r)
		case ObsAnd:
			return e.join(l, r, nil)
		case ObsFollowedBy:
			return e.join(l, r, func(a, b binding) bool {
				return !e.latestFirst(a).After(e.earliestLast(b))
			})
		}
	case *Qualified:
		bs, err := e.eval(x.X)
		if err != nil || len(bs) == 0 {
			return nil, err
		}
		switch q := x.Qualifier.(type) {
		case *Within:
			d := q.Duration()
			return filter(bs, func(b binding) bool {
				return !e.latestFirst(b).After(e.earliestLast(b).Add(d))
			}), nil
		case *StartStop:
			if !q.Start.Time.Before(q.Stop.Time) {
				return nil, nil
			}
			return filter(bs, func(b binding) bool {
				for _, i := range b {
					o := e.obs[i]
					if !o.FirstObserved.Before(q.Stop.Time) || o.LastObserved.Before(q.Start.Time) {
						return false
					}
				}
				return true
			}), nil
		case *Repeats:
			cur := bs
			for n := int64(1); n < q.Count && len(cur) > 0; n++ {
				if cur, err = e.join(cur, bs, nil); err != nil {
					return nil, err
				}
			}
			return cur, nil
		}
	}
	return nil, fmt.Errorf("evaluate: unexpected node %T", x)
}

func filter(bs []binding, keep func(binding) bool) []binding {
	out := bs[:0:0]
	for _, b := range bs {
		if keep(b) {
			out = append(out, b)
		}
	}
	return out
}

func (e *evaluator) union(l, r []binding) ([]binding, error) {
	seen := make(map[string]bool, len(l)+len(r))
	out := make([]binding, 0, len(l)+len(r))
	for _, side := range [][]binding{l, r} {
		for _, b := range side {
			k := b.key()
			if !seen[k] {
				seen[k] = true
				out = append(out, b)
			}
		}
	}
	if len(out) > MaxBindings {
		return nil, e.tooMany()
	}
	return out, nil
}

// join combines every pair of bindings that fit together: their
// observations, counted with multiplicity, stay within number_observed, and
// ok (when set) accepts the pair.
func (e *evaluator) join(l, r []binding, ok func(a, b binding) bool) ([]binding, error) {
	var out []binding
	seen := map[string]bool{}
	for _, a := range l {
		for _, b := range r {
			m, fits := e.merge(a, b)
			if !fits || ok != nil && !ok(a, b) {
				continue
			}
			k := m.key()
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, m)
			if len(out) > MaxBindings {
				return nil, e.tooMany()
			}
		}
	}
	return out, nil
}

func (e *evaluator) tooMany() error {
	return fmt.Errorf("evaluate: more than MaxBindings (%d) combinations of observations: %w", MaxBindings, ErrTooManyBindings)
}

// merge returns the multiset union of a and b, and whether no observation
// is then used more often than it was observed.
func (e *evaluator) merge(a, b binding) (binding, bool) {
	m := make(binding, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j == len(b) || i < len(a) && a[i] <= b[j] {
			m = append(m, a[i])
			i++
		} else {
			m = append(m, b[j])
			j++
		}
		if n := len(m); n > 1 && m[n-1] == m[n-2] {
			count := 2
			for k := n - 3; k >= 0 && m[k] == m[n-1]; k-- {
				count++
			}
			if count > e.obs[m[n-1]].NumberObserved {
				return nil, false
			}
		}
	}
	return m, true
}

func (b binding) key() string {
	buf := make([]byte, 0, 4*len(b))
	for _, i := range b {
		buf = append(buf, byte(i), byte(i>>8), byte(i>>16), byte(i>>24))
	}
	return string(buf)
}

func (e *evaluator) latestFirst(b binding) time.Time {
	t := e.obs[b[0]].FirstObserved
	for _, i := range b[1:] {
		if f := e.obs[i].FirstObserved; f.After(t) {
			t = f
		}
	}
	return t
}

func (e *evaluator) earliestLast(b binding) time.Time {
	t := e.obs[b[0]].LastObserved
	for _, i := range b[1:] {
		if l := e.obs[i].LastObserved; l.Before(t) {
			t = l
		}
	}
	return t
}
