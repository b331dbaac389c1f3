package pattern

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// compiled is what Check prepares for evaluating one comparison.
type compiled struct {
	re       *regexp.Regexp  // MATCHES
	like     *likeMatcher    // LIKE
	binaryOK bool            // LIKE/MATCHES operand can apply to binary values
	prefix   netip.Prefix    // ISSUBSET/ISSUPERSET operand
	strSet   map[string]bool // lower-cased for a hash path
	hash     bool            // the path is a hash: strings compare whatever their case
	timeSet  bool            // IN over timestamps
}

// Compile parses src and runs Check: the result is ready for Match and
// Evaluate. Errors are an *Error (syntax, limits) or an ErrorList (semantic
// problems); warnings are in the returned pattern's Warnings.
func Compile(src string) (*Pattern, error) {
	p, err := Parse(src)
	if err != nil {
		return nil, err
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return p, nil
}

// Check is the semantic pass over a parsed pattern. It rejects what the
// grammar lets through but can never be right, and prepares each
// comparison for evaluation:
//
//   - a qualifier kind repeated directly on one bracketed observation
//     ([a] WITHIN 5 SECONDS WITHIN 6 SECONDS), as the OASIS validator does;
//   - WITHIN 0 SECONDS, REPEATS 0 TIMES, REPEATS over MaxRepeats;
//   - a hashes.ALGORITHM compared with a value that is not such a hash;
//   - an IN set mixing types (integers and floats may mix);
//   - a MATCHES expression Go's RE2 cannot run or that is too costly;
//   - an ISSUBSET/ISSUPERSET operand that is not an IP address or CIDR.
//
// It warns (Pattern.Warnings) about object types and properties STIX 2.1
// does not define (custom x- types are fine), calendar-impossible dates
// and a START not before its STOP.
//
// Check must run before the pattern is shared between goroutines; Compile
// calls it.
func (p *Pattern) Check() error {
	c := &checker{p: p}
	c.obs(p.Expr)
	if len(c.errs) > 0 {
		return c.errs
	}
	p.Warnings = c.warns
	p.checked = true
	return nil
}

type checker struct {
	p            *Pattern
	unknownTypes []string
	errs         ErrorList
	warns        []*Error
}

func (c *checker) errorf(at Pos, format string, args ...any) {
	c.errs = append(c.errs, &Error{Pos: at, Msg: fmt.Sprintf(format, args...), Source: c.p.Source})
}

// warnf records a warning; the same message is given once, at its first
// position.
func (c *checker) warnf(at Pos, format string, args ...any) {
	c.warn(at, fmt.Sprintf(format, args...))
}

func (c *checker) warn(at Pos, msg string) {
	for _, w := range c.warns {
		if w.Msg == msg {
			return
		}
	}
	c.warns = append(c.warns, &Error{Pos: at, Msg: msg, Source: c.p.Source, Warning: true})
}

func (c *checker) obs(x ObservationExpr) {
	switch x := x.(type) {
	case *ObservationSimple:
		c.cmp(x.Expr)
	case *ObservationParen:
		c.obs(x.X)
	case *ObservationBinary:
		c.obs(x.Left)
		c.obs(x.Right)
	case *Qualified:
		c.qualifierChain(x)
		c.qualifier(x.Qualifier)
		c.obs(x.X)
	}
}

// qualifierChain rejects a qualifier kind that appears twice in a chain of
// qualifiers applied directly to a bracketed observation. Only the
// outermost Qualified of a chain does the check.
func (c *checker) qualifierChain(q *Qualified) {
	var chain []Qualifier
	var x ObservationExpr = q
	for {
		qq, ok := x.(*Qualified)
		if !ok {
			break
		}
		chain = append(chain, qq.Qualifier)
		x = qq.X
	}
	if _, simple := x.(*ObservationSimple); !simple {
		return
	}
	seen := map[string]bool{}
	// Inner qualifiers were written first.
	for i := len(chain) - 1; i >= 0; i-- {
		kind := fmt.Sprintf("%T", chain[i])
		if seen[kind] {
			name := map[string]string{"*pattern.Within": "WITHIN", "*pattern.Repeats": "REPEATS", "*pattern.StartStop": "START/STOP"}[kind]
			c.errorf(chain[i].Pos(), "duplicate %s qualifier on one observation expression (parenthesise the expression to qualify it again)", name)
			return
		}
		seen[kind] = true
	}
}

func (c *checker) qualifier(q Qualifier) {
	switch q := q.(type) {
	case *Within:
		if q.Seconds <= 0 {
			c.errorf(q.At, "WITHIN needs a positive number of seconds (got %s)", strings.Fields(q.String())[1])
		}
	case *Repeats:
		if q.Count < 1 {
			c.errorf(q.At, "REPEATS needs a count of at least 1 (got %d)", q.Count)
		} else if q.Count > MaxRepeats {
			c.errorf(q.At, "REPEATS %d exceeds MaxRepeats (%d)", q.Count, MaxRepeats)
		}
	case *StartStop:
		c.timestamp(q.Start)
		c.timestamp(q.Stop)
		if !q.Start.Time.Before(q.Stop.Time) {
			c.warnf(q.At, "START %s is not before STOP %s: the qualifier can never be met", q.Start, q.Stop)
		}
	}
}

func (c *checker) timestamp(l *Literal) {
	if _, err := time.Parse(time.RFC3339Nano, l.TimeText); err != nil && !strings.Contains(l.TimeText, ":60") {
		c.warnf(l.At, "timestamp %s is not a calendar date; it is read as %s", l, l.Time.Format(time.RFC3339Nano))
	}
}

func (c *checker) cmp(x ComparisonExpr) {
	switch x := x.(type) {
	case *ComparisonParen:
		c.cmp(x.X)
	case *ComparisonBinary:
		c.cmp(x.Left)
		c.cmp(x.Right)
	case *Comparison:
		c.comparison(x)
	}
}

func (c *checker) comparison(x *Comparison) {
	c.path(x.Path)
	x.c = nil
	switch x.Op {
	case OpLike, OpMatches, OpIsSubset, OpIsSuperset, OpIn:
		x.c = &compiled{}
	}
	if x.Path.IsHashPath() {
		if x.c == nil {
			x.c = &compiled{}
		}
		x.c.hash = true
	}
	switch v := x.Value.(type) {
	case *Literal:
		if v.Kind == LitTimestamp {
			c.timestamp(v)
		}
		c.hash(x.Path, v)
	case *SetLiteral:
		c.set(x, v)
	}
	switch x.Op {
	case OpLike:
		s := nfc(x.Value.(*Literal).Str)
		x.c.like = newLikeMatcher(s)
		x.c.binaryOK = below256(s)
	case OpMatches:
		s := nfc(x.Value.(*Literal).Str)
		re, err := compileRegex(s)
		if err != nil {
			c.errorf(x.Value.Pos(), "MATCHES %s: %v", shorten(x.Value.String()), err)
			if errors.Is(err, ErrTooCostly) {
				c.errs[len(c.errs)-1].Err = ErrTooCostly
			}
			return
		}
		x.c.re = re
		x.c.binaryOK = below256(s)
	case OpIsSubset, OpIsSuperset:
		s := x.Value.(*Literal).Str
		pfx, ok := parseIPOrCIDR(s)
		if !ok {
			c.errorf(x.Value.Pos(), "%s needs an IP address or CIDR block such as '198.51.100.0/24' (got %s)", x.Op, quoteString(s))
			return
		}
		x.c.prefix = pfx
	}
}

// path warns about STIX 2.1 types and properties that do not exist.
func (c *checker) path(p *ObjectPath) {
	props, known := knownProperty[p.Type]
	if !known {
		if !strings.HasPrefix(p.Type, "x-") && !slices.Contains(c.unknownTypes, p.Type) {
			c.unknownTypes = append(c.unknownTypes, p.Type)
			c.warn(p.At, unknownTypeMessage(p.Type))
		}
		return
	}
	if k := p.Steps[0].Key; !props[k] && !strings.HasPrefix(k, "x_") {
		c.warn(p.At, p.Type+" has no property "+strconv.Quote(k)+" in STIX 2.1 (custom properties should begin with x_)")
	}
}

// hash rejects a hashes.NAME comparison whose value cannot be a NAME hash.
func (c *checker) hash(p *ObjectPath, v *Literal) {
	n := len(p.Steps)
	if n < 2 || p.Steps[n-1].Kind != StepKey || v.Kind != LitString {
		return
	}
	inHashes := false
	for _, s := range p.Steps[:n-1] {
		if s.Kind == StepKey && s.Key == "hashes" {
			inHashes = true
		}
	}
	if !inHashes {
		return
	}
	f, ok := hashFormats[strings.ToUpper(strings.ReplaceAll(p.Steps[n-1].Key, "-", ""))]
	if !ok || validHash(v.Str, f.lengths) {
		return
	}
	c.errorf(v.At, "%s is not a valid %s hash", quoteString(v.Str), p.Steps[n-1].Key)
}

func validHash(s string, lengths []int) bool {
	if lengths == nil { // SSDEEP
		if len(s) < 1 || len(s) > 128 {
			return false
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(isHex(c) || 'g' <= c && c <= 'z' || 'G' <= c && c <= 'Z' || strings.IndexByte("/+:.", c) >= 0) {
				return false
			}
		}
		return true
	}
	for _, n := range lengths {
		if len(s) == n && allHex(s) {
			return true
		}
	}
	return false
}

// set checks that an IN set is homogeneous and prepares its lookup.
func (c *checker) set(x *Comparison, s *SetLiteral) {
	if len(s.Values) == 0 {
		return
	}
	kind := func(l *Literal) LiteralKind {
		switch l.Kind {
		case LitFloat:
			return LitInt // numbers may mix
		case LitBinary:
			return LitHex // both are byte strings
		}
		return l.Kind
	}
	first := kind(s.Values[0])
	for _, v := range s.Values[1:] {
		if kind(v) != first {
			c.errorf(v.At, "set of IN mixes %s and %s values; all values must have one type", kindName(s.Values[0].Kind), kindName(v.Kind))
			return
		}
	}
	for _, v := range s.Values {
		c.hash(x.Path, v)
		if v.Kind == LitTimestamp {
			c.timestamp(v)
		}
	}
	x.c.timeSet = first == LitTimestamp
	if first == LitString && len(s.Values) > 4 {
		x.c.strSet = make(map[string]bool, len(s.Values))
		for _, v := range s.Values {
			if x.c.hash {
				x.c.strSet[strings.ToLower(v.Str)] = true
			} else {
				x.c.strSet[v.Str] = true
			}
		}
	}
}

func kindName(k LiteralKind) string {
	return map[LiteralKind]string{LitString: "string", LitInt: "integer", LitFloat: "float", LitBool: "boolean",
		LitHex: "hex", LitBinary: "binary", LitTimestamp: "timestamp"}[k]
}

// parseIPOrCIDR reads an IPv4 or IPv6 address (as a one-address prefix) or
// a CIDR block.
func parseIPOrCIDR(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// prefixContains reports whether the block outer contains inner (an
// address or a block), IPv4 and IPv6 never mixing.
func prefixContains(outer, inner netip.Prefix) bool {
	return outer.Addr().Is4() == inner.Addr().Is4() && outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// unknownTypeMessages caches the warning text per custom type: feeds repeat
// a few custom types across many patterns, and building the message was a
// tenth of the cost of compiling such a pattern.
var (
	unknownTypeMessages sync.Map
	unknownTypeCount    atomic.Int32
)

func unknownTypeMessage(typ string) string {
	if m, ok := unknownTypeMessages.Load(typ); ok {
		return m.(string)
	}
	m := "object type " + strconv.Quote(typ) + " is not a STIX 2.1 cyber-observable type (custom types should begin with x-)"
	if len(typ) <= 64 && unknownTypeCount.Add(1) <= 4096 {
		unknownTypeMessages.Store(typ, m)
	}
	return m
}
