package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Pos is a position in the pattern text: a byte offset and the 1-based line
// and column (in characters) it falls on.
type Pos struct {
	Offset int32
	Line   int32
	Col    int32
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Node is an element of the syntax tree. Pos is where the node's text
// begins; String prints the node as canonical pattern text, which Parse
// turns back into the same tree.
type Node interface {
	Pos() Pos
	String() string
}

// ObservationExpr is an observation expression: a bracketed comparison
// expression, a combination of observation expressions, a parenthesised one,
// or a qualified one. It is one of *ObservationSimple, *ObservationBinary,
// *ObservationParen and *Qualified.
type ObservationExpr interface {
	Node
	observationExpr()
}

// ComparisonExpr is the inside of an observation: one of *Comparison,
// *ComparisonBinary and *ComparisonParen.
type ComparisonExpr interface {
	Node
	comparisonExpr()
}

// Pattern is a parsed STIX pattern. It is immutable once Compile has
// returned it, and safe for concurrent use by any number of goroutines.
type Pattern struct {
	Expr ObservationExpr
	// Source is the text the pattern was parsed from.
	Source string
	// Warnings are the findings of Check that do not make the pattern
	// invalid (types and properties STIX 2.1 does not define, impossible
	// dates, START not before STOP).
	Warnings []*Error

	checked bool
	nodes   int
}

func (p *Pattern) Pos() Pos       { return p.Expr.Pos() }
func (p *Pattern) String() string { return p.Expr.String() }

// ObservationSimple is "[" ComparisonExpr "]": the conditions one observed-data
// object must meet.
type ObservationSimple struct {
	Lbrack Pos
	Expr   ComparisonExpr
}

// ObservationOp is an operator between observation expressions.
type ObservationOp uint8

const (
	ObsAnd        ObservationOp = iota + 1 // both sides, on distinct observations
	ObsOr                                  // either side
	ObsFollowedBy                          // left side, then right side
)

func (op ObservationOp) String() string {
	switch op {
	case ObsAnd:
		return "AND"
	case ObsOr:
		return "OR"
	case ObsFollowedBy:
		return "FOLLOWEDBY"
	}
	return "?"
}

// ObservationBinary is Left Op Right.
type ObservationBinary struct {
	Op          ObservationOp
	OpPos       Pos
	Left, Right ObservationExpr
}

// ObservationParen is "(" X ")". Parentheses are kept in the tree because
// they change what the validator accepts: qualifiers of one kind may repeat
// on a parenthesised expression but not on a bare observation.
type ObservationParen struct {
	Lparen Pos
	X      ObservationExpr
}

// Qualified is X with one qualifier: *Within, *Repeats or *StartStop.
type Qualified struct {
	X         ObservationExpr
	Qualifier Qualifier
}

// Qualifier is one of *Within, *Repeats and *StartStop.
type Qualifier interface {
	Node
	qualifier()
}

// Within is "WITHIN n SECONDS".
type Within struct {
	At      Pos
	Seconds float64
	// Integer reports that the count was written as an integer.
	Integer bool
}

// Duration returns the window, rounded to the nanosecond.
func (w *Within) Duration() time.Duration {
	return time.Duration(math.Round(w.Seconds * 1e9))
}

// Repeats is "REPEATS n TIMES".
type Repeats struct {
	At    Pos
	Count int64
}

// StartStop is "START t'…' STOP t'…'".
type StartStop struct {
	At          Pos
	Start, Stop *Literal
}

// ComparisonOp is an operator between an object path and a value.
type ComparisonOp uint8

const (
	OpEQ ComparisonOp = iota + 1
	OpNE
	OpLT
	OpLE
	OpGT
	OpGE
	OpIn
	OpLike
	OpMatches
	OpIsSubset
	OpIsSuperset
	OpExists
)

var opNames = [...]string{OpEQ: "=", OpNE: "!=", OpLT: "<", OpLE: "<=", OpGT: ">", OpGE: ">=",
	OpIn: "IN", OpLike: "LIKE", OpMatches: "MATCHES", OpIsSubset: "ISSUBSET", OpIsSuperset: "ISSUPERSET", OpExists: "EXISTS"}

func (op ComparisonOp) String() string {
	if int(op) < len(opNames) {
		return opNames[op]
	}
	return "?"
}

// Comparison is one property test: Path [NOT] Op Value, or EXISTS Path.
type Comparison struct {
	Path  *ObjectPath
	Not   bool
	Op    ComparisonOp
	OpPos Pos
	// Value is the right-hand side: a *Literal, or a *SetLiteral for IN;
	// nil for EXISTS.
	Value Value

	c *compiled // filled by Check for operators that need preparing
}

// Regexp returns the expression of a MATCHES comparison as Go's regexp
// package runs it, nil for another operator or before Check.
func (c *Comparison) Regexp() *regexp.Regexp {
	if c.Op != OpMatches || c.c == nil {
		return nil
	}
	return c.c.re
}

// ComparisonBinary is Left AND Right or Left OR Right inside an observation.
type ComparisonBinary struct {
	And         bool // AND when true, OR otherwise
	OpPos       Pos
	Left, Right ComparisonExpr
}

// ComparisonParen is "(" X ")" inside an observation.
type ComparisonParen struct {
	Lparen Pos
	X      ComparisonExpr
}

// ObjectPath is type:property followed by further steps, such as
// file:hashes.'SHA-256' or email-message:to_refs[*].value.
type ObjectPath struct {
	At   Pos
	Type string
	// Steps has at least one element, the first property.
	Steps []PathStep
}

// PathStep is one step of an object path: a property name (Key), a list
// index (Index) or every list element (Star).
type PathStep struct {
	Key   string
	Index int64
	Kind  StepKind
}

// StepKind tells what a PathStep selects.
type StepKind uint8

const (
	StepKey   StepKind = iota // .key
	StepIndex                 // [n]
	StepStar                  // [*]
)

// Value is a *Literal or a *SetLiteral.
type Value interface {
	Node
	value()
}

// LiteralKind is the type of a literal.
type LiteralKind uint8

const (
	LitString LiteralKind = iota + 1
	LitInt
	LitFloat
	LitBool
	LitHex       // h'…', a byte string
	LitBinary    // b'…', a byte string
	LitTimestamp // t'…'
)

// Literal is a constant. Only the field matching Kind is meaningful; hex
// and binary literals both set Bytes.
type Literal struct {
	At    Pos
	Kind  LiteralKind
	Str   string
	Int   int64
	Float float64
	Bool  bool
	Bytes []byte
	// Time is the instant of a timestamp; TimeText is the timestamp as
	// written, whose precision is significant.
	Time     time.Time
	TimeText string
}

// SetLiteral is "(" v, … ")" after IN.
type SetLiteral struct {
	Lparen Pos
	Values []*Literal
}

func (*ObservationSimple) observationExpr() {}
func (*ObservationBinary) observationExpr() {}
func (*ObservationParen) observationExpr()  {}
func (*Qualified) observationExpr()         {}
func (*Comparison) comparisonExpr()         {}
func (*ComparisonBinary) comparisonExpr()   {}
func (*ComparisonParen) comparisonExpr()    {}
func (*Within) qualifier()                  {}
func (*Repeats) qualifier()                 {}
func (*StartStop) qualifier()               {}
func (*Literal) value()                     {}
func (*SetLiteral) value()                  {}

func (n *ObservationSimple) Pos() Pos { return n.Lbrack }
func (n *ObservationBinary) Pos() Pos { return n.Left.Pos() }
func (n *ObservationParen) Pos() Pos  { return n.Lparen }
func (n *Qualified) Pos() Pos         { return n.X.Pos() }
func (n *Within) Pos() Pos            { return n.At }
func (n *Repeats) Pos() Pos           { return n.At }
func (n *StartStop) Pos() Pos         { return n.At }
func (n *Comparison) Pos() Pos {
	if n.Op == OpExists {
		return n.OpPos
	}
	return n.Path.At
}
func (n *ComparisonBinary) Pos() Pos { return n.Left.Pos() }
func (n *ComparisonParen) Pos() Pos  { return n.Lparen }
func (n *ObjectPath) Pos() Pos       { return n.At }
func (n *Literal) Pos() Pos          { return n.At }
func (n *SetLiteral) Pos() Pos       { return n.Lparen }

func obsOpPrec(op ObservationOp) int { return obsPrecOf(obsOpToken[op]) }

var obsOpToken = [...]tokenKind{ObsAnd: tokAnd, ObsOr: tokOr, ObsFollowedBy: tokFollowedBy}

func (n *ObservationSimple) String() string { return "[" + n.Expr.String() + "]" }

func (n *ObservationBinary) String() string {
	p := obsOpPrec(n.Op)
	return obsOperand(n.Left, p, false) + " " + n.Op.String() + " " + obsOperand(n.Right, p, true)
}

// obsOperand prints an operand, adding parentheses only when a tree built by
// hand would otherwise read back differently; parsed trees carry their own
// ObservationParen nodes.
func obsOperand(x ObservationExpr, prec int, right bool) string {
	if b, ok := x.(*ObservationBinary); ok {
		q := obsOpPrec(b.Op)
		if q < prec || right && q == prec {
			return "(" + x.String() + ")"
		}
	}
	return x.String()
}

func (n *ObservationParen) String() string { return "(" + n.X.String() + ")" }

func (n *Qualified) String() string {
	if _, ok := n.X.(*ObservationBinary); ok {
		return "(" + n.X.String() + ") " + n.Qualifier.String()
	}
	return n.X.String() + " " + n.Qualifier.String()
}

func (n *Within) String() string {
	if n.Integer {
		return "WITHIN " + strconv.FormatFloat(n.Seconds, 'f', -1, 64) + " SECONDS"
	}
	return "WITHIN " + formatFloat(n.Seconds) + " SECONDS"
}

func (n *Repeats) String() string { return "REPEATS " + strconv.FormatInt(n.Count, 10) + " TIMES" }

func (n *StartStop) String() string {
	return "START " + n.Start.String() + " STOP " + n.Stop.String()
}

func (n *Comparison) String() string {
	if n.Op == OpExists {
		return "EXISTS " + n.Path.String()
	}
	var b strings.Builder
	b.WriteString(n.Path.String())
	if n.Not {
		b.WriteString(" NOT")
	}
	b.WriteByte(' ')
	b.WriteString(n.Op.String())
	b.WriteByte(' ')
	b.WriteString(n.Value.String())
	return b.String()
}

func (n *ComparisonBinary) String() string {
	op, p := " OR ", 1
	if n.And {
		op, p = " AND ", 2
	}
	return cmpOperand(n.Left, p, false) + op + cmpOperand(n.Right, p, true)
}

func cmpOperand(x ComparisonExpr, prec int, right bool) string {
	if b, ok := x.(*ComparisonBinary); ok {
		q := cmpPrecOf(tokOr)
		if b.And {
			q = cmpPrecOf(tokAnd)
		}
		if q < prec || right && q == prec {
			return "(" + x.String() + ")"
		}
	}
	return x.String()
}

func (n *ComparisonParen) String() string { return "(" + n.X.String() + ")" }

func (n *ObjectPath) String() string {
	var b strings.Builder
	b.WriteString(n.Type)
	b.WriteByte(':')
	for i, s := range n.Steps {
		switch s.Kind {
		case StepKey:
			if i > 0 {
				b.WriteByte('.')
			}
			if plainKey(s.Key) {
				b.WriteString(s.Key)
			} else {
				b.WriteString(quoteString(s.Key))
			}
		case StepIndex:
			b.WriteString("[" + strconv.FormatInt(s.Index, 10) + "]")
		case StepStar:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// plainKey reports whether a property name can be written without quotes:
// an identifier without hyphens that is not a keyword.
func plainKey(k string) bool {
	if k == "" || !isIdentStart(rune(k[0])) {
		return false
	}
	for i := 1; i < len(k); i++ {
		c := rune(k[i])
		if !isIdentStart(c) && !isDigit(c) {
			return false
		}
	}
	_, kw := keywords[k]
	return !kw
}

func (n *Literal) String() string {
	switch n.Kind {
	case LitString:
		return quoteString(n.Str)
	case LitInt:
		return strconv.FormatInt(n.Int, 10)
	case LitFloat:
		return formatFloat(n.Float)
	case LitBool:
		return strconv.FormatBool(n.Bool)
	case LitHex:
		return "h'" + hex.EncodeToString(n.Bytes) + "'"
	case LitBinary:
		return "b'" + base64.StdEncoding.EncodeToString(n.Bytes) + "'"
	case LitTimestamp:
		return "t'" + n.TimeText + "'"
	}
	return "?"
}

func (n *SetLiteral) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, v := range n.Values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.String())
	}
	b.WriteByte(')')
	return b.String()
}

// formatFloat prints f so that the lexer reads it back as the same float:
// plain decimal notation with at least one digit after the point.
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// quoteString writes s as a pattern string literal.
func quoteString(s string) string {
	if !strings.ContainsAny(s, `'\`) {
		return "'" + s + "'"
	}
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}
