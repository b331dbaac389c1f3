package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Parse parses the text of a STIX 2.1 pattern into a syntax tree. It checks
// syntax and the named limits only; Compile also runs the semantic checks
// and prepares the pattern for matching.
//
// On failure it returns an *Error naming the line and column, what was
// expected and, for an unclosed bracket or string, where it began.
func Parse(src string) (*Pattern, error) {
	if len(src) > MaxPatternBytes {
		return nil, &Error{Msg: fmt.Sprintf("pattern of %d bytes exceeds MaxPatternBytes (%d)", len(src), MaxPatternBytes), Err: ErrTooLarge}
	}
	p := &parser{src: src, lex: lexer{input: src, line: 1, col: 1, state: lexAny}}
	p.tok = p.lex.nextToken()
	expr, err := p.parse()
	if err != nil {
		return nil, err
	}
	return &Pattern{Expr: expr, Source: src, nodes: p.nodes}, nil
}

// ParseObjectPath parses an object path on its own, such as
// file:hashes.'SHA-256' or network-traffic:dst_ref.value, as log mappings
// name the properties they fill. It returns an *Error on failure.
func ParseObjectPath(s string) (op *ObjectPath, err error) {
	if len(s) > MaxPatternBytes {
		return nil, &Error{Msg: "object path exceeds MaxPatternBytes", Err: ErrTooLarge}
	}
	p := &parser{src: s, lex: lexer{input: s, line: 1, col: 1, state: lexAny}}
	p.tok = p.lex.nextToken()
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			op, err = nil, b.err
		}
	}()
	op = p.objectPath()
	if t := p.peek(); t.kind != tokEOF {
		p.errorf(t.pos, "expected the end of the object path, found %s", t.describe())
	}
	return op, nil
}

// MustParse is Compile for patterns written in programs and tests; it panics
// when src is invalid.
func MustParse(src string) *Pattern {
	p, err := Compile(src)
	if err != nil {
		panic(err)
	}
	return p
}

type parser struct {
	src   string
	lex   lexer
	tok   token // the lookahead
	depth int
	nodes int
}

// bailout carries a parse error up the recursion; parse recovers it, so no
// panic leaves the package.
type bailout struct{ err *Error }

func (p *parser) parse() (expr ObservationExpr, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			expr, err = nil, b.err
		}
	}()
	return p.pattern(), nil
}

func (p *parser) peek() token { return p.tok }

func (p *parser) next() token {
	t := p.tok
	if t.kind == tokError {
		p.lexError(t)
	}
	p.tok = p.lex.nextToken()
	return t
}

func (p *parser) lexError(t token) {
	panic(bailout{&Error{Pos: t.pos, Msg: t.text, Source: p.src}})
}

// errorf stops parsing with an error at pos.
func (p *parser) errorf(pos Pos, format string, args ...any) {
	panic(bailout{&Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Source: p.src}})
}

// unexpected reports the current token as not what the grammar wants.
func (p *parser) unexpected(want string) {
	t := p.peek()
	if t.kind == tokError {
		p.lexError(t)
	}
	p.errorf(t.pos, "expected %s, found %s", want, t.describe())
}

func (p *parser) node() {
	p.nodes++
	if p.nodes > MaxNodes {
		panic(bailout{&Error{Pos: p.peek().pos, Msg: fmt.Sprintf("pattern has more than MaxNodes (%d) nodes", MaxNodes), Source: p.src, Err: ErrTooManyNodes}})
	}
}

func (p *parser) enter(at Pos) {
	p.depth++
	if p.depth > MaxDepth {
		panic(bailout{&Error{Pos: at, Msg: fmt.Sprintf("pattern nests deeper than MaxDepth (%d)", MaxDepth), Source: p.src, Err: ErrTooDeep}})
	}
}

func (p *parser) leave() { p.depth-- }

// pattern = observationExpressions EOF
func (p *parser) pattern() ObservationExpr {
	if t := p.peek(); t.kind != tokLBrack && t.kind != tokLParen && t.kind != tokError {
		p.errorf(t.pos, "expected '[' or '(' to begin an observation expression, found %s (a pattern is written like [file:name = 'a.exe'])", t.describe())
	}
	x := p.observationExpressions(1)
	if t := p.peek(); t.kind != tokEOF {
		if t.kind == tokError {
			p.lexError(t)
		}
		p.errorf(t.pos, "expected AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern, found %s", t.describe())
	}
	return x
}

// observationExpressions = observationExpressionOr { FOLLOWEDBY observationExpressionOr }
// observationExpressionOr = observationExpressionAnd { OR observationExpressionAnd }
// observationExpressionAnd = observationExpression { AND observationExpression }
//
// All three levels are parsed by precedence climbing over obsPrec.
func (p *parser) observationExpressions(minPrec int) ObservationExpr {
	left := p.observationExpression()
	for {
		t := p.peek()
		prec := obsPrecOf(t.kind)
		if prec == 0 || prec < minPrec {
			return left
		}
		p.next()
		p.node()
		right := p.observationExpressions(prec + 1)
		op := ObsAnd
		switch t.kind {
		case tokOr:
			op = ObsOr
		case tokFollowedBy:
			op = ObsFollowedBy
		}
		left = &ObservationBinary{Op: op, OpPos: t.pos, Left: left, Right: right}
	}
}

// close consumes the token (kind, spelled text) that closes a construct
// (what) opened at open, or reports it missing, naming where the construct
// began.
func (p *parser) close(kind tokenKind, text, what string, open Pos) {
	if c := p.peek(); c.kind != kind {
		if c.kind == tokError {
			p.lexError(c)
		}
		p.errorf(c.pos, "expected '%s' to close the %s opened at %s, found %s", text, what, open, c.describe())
	}
	p.next()
}

// observationExpression = ( "[" comparisonExpression "]" | "(" observationExpressions ")" )
//
//	{ startStopQualifier | withinQualifier | repeatedQualifier }
func (p *parser) observationExpression() ObservationExpr {
	t := p.peek()
	var x ObservationExpr
	p.node()
	switch t.kind {
	case tokLBrack:
		p.next()
		p.enter(t.pos)
		inner := p.comparisonExpression(1)
		p.close(tokRBrack, "]", "observation expression", t.pos)
		p.leave()
		x = &ObservationSimple{Lbrack: t.pos, Expr: inner}
	case tokLParen:
		p.next()
		p.enter(t.pos)
		inner := p.observationExpressions(1)
		p.close(tokRParen, ")", "parenthesis", t.pos)
		p.leave()
		x = &ObservationParen{Lparen: t.pos, X: inner}
	default:
		p.unexpected("'[' or '(' to begin an observation expression")
	}
	for {
		var q Qualifier
		switch p.peek().kind {
		case tokWithin:
			q = p.withinQualifier()
		case tokRepeats:
			q = p.repeatedQualifier()
		case tokStart:
			q = p.startStopQualifier()
		default:
			return x
		}
		p.node()
		x = &Qualified{X: x, Qualifier: q}
	}
}

// withinQualifier = WITHIN ( IntPosLiteral | FloatPosLiteral ) SECONDS
func (p *parser) withinQualifier() *Within {
	at := p.next().pos
	t := p.peek()
	w := &Within{At: at}
	switch {
	case t.kind == tokInt && t.text[0] != '-':
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			p.errorf(t.pos, "WITHIN count %s is out of range", t.text)
		}
		w.Seconds, w.Integer = float64(n), true
	case t.kind == tokFloat && t.text[0] != '-':
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			p.errorf(t.pos, "WITHIN count %s is out of range", t.text)
		}
		w.Seconds = f
	default:
		p.unexpected("a positive number of seconds after WITHIN")
	}
	p.next()
	if p.peek().kind != tokSeconds {
		p.unexpected("SECONDS after the WITHIN count (the only unit STIX 2.1 has)")
	}
	p.next()
	return w
}

// repeatedQualifier = REPEATS IntPosLiteral TIMES
func (p *parser) repeatedQualifier() *Repeats {
	at := p.next().pos
	t := p.peek()
	if t.kind != tokInt || t.text[0] == '-' {
		p.unexpected("a positive integer after REPEATS")
	}
	n, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		p.errorf(t.pos, "REPEATS count %s is out of range", t.text)
	}
	p.next()
	if p.peek().kind != tokTimes {
		p.unexpected("TIMES after the REPEATS count")
	}
	p.next()
	return &Repeats{At: at, Count: n}
}

// startStopQualifier = START TimestampLiteral STOP TimestampLiteral
func (p *parser) startStopQualifier() *StartStop {
	at := p.next().pos
	if p.peek().kind != tokTimestamp {
		p.unexpected("a timestamp t'…' after START")
	}
	start := p.literal()
	if p.peek().kind != tokStop {
		p.unexpected("STOP after the START timestamp")
	}
	p.next()
	if p.peek().kind != tokTimestamp {
		p.unexpected("a timestamp t'…' after STOP")
	}
	stop := p.literal()
	return &StartStop{At: at, Start: start, Stop: stop}
}

// comparisonExpression = comparisonExpressionAnd { OR comparisonExpressionAnd }
// comparisonExpressionAnd = propTest { AND propTest }
//
// Both levels are parsed by precedence climbing over cmpPrec.
func (p *parser) comparisonExpression(minPrec int) ComparisonExpr {
	left := p.propTest()
	for {
		t := p.peek()
		prec := cmpPrecOf(t.kind)
		if prec == 0 || prec < minPrec {
			return left
		}
		p.next()
		p.node()
		right := p.comparisonExpression(prec + 1)
		left = &ComparisonBinary{And: t.kind == tokAnd, OpPos: t.pos, Left: left, Right: right}
	}
}

// propTest = objectPath [NOT] ( "=" | "!=" ) primitiveLiteral
//
//	| objectPath [NOT] ( "<" | "<=" | ">" | ">=" ) orderableLiteral
//	| objectPath [NOT] IN setLiteral
//	| objectPath [NOT] ( LIKE | MATCHES | ISSUBSET | ISSUPERSET ) StringLiteral
//	| "(" comparisonExpression ")"
//	| EXISTS objectPath
func (p *parser) propTest() ComparisonExpr {
	t := p.peek()
	p.node()
	switch t.kind {
	case tokLParen:
		p.next()
		p.enter(t.pos)
		inner := p.comparisonExpression(1)
		p.close(tokRParen, ")", "parenthesis", t.pos)
		p.leave()
		return &ComparisonParen{Lparen: t.pos, X: inner}
	case tokExists:
		p.next()
		return &Comparison{Op: OpExists, OpPos: t.pos, Path: p.objectPath()}
	case tokIdent:
	default:
		p.unexpected("an object path such as file:name")
	}
	c := &Comparison{Path: p.objectPath()}
	if p.peek().kind == tokNot {
		p.next()
		c.Not = true
	}
	op := p.peek()
	c.OpPos = op.pos
	switch op.kind {
	case tokEQ, tokNEQ:
		c.Op = OpEQ
		if op.kind == tokNEQ {
			c.Op = OpNE
		}
		p.next()
		c.Value = p.primitiveLiteral(op, true)
	case tokLT, tokLE, tokGT, tokGE:
		c.Op = tokenOps[op.kind]
		p.next()
		c.Value = p.primitiveLiteral(op, false)
	case tokIn:
		c.Op = OpIn
		p.next()
		c.Value = p.setLiteral()
	case tokLike, tokMatches, tokIsSubset, tokIsSuperset:
		c.Op = tokenOps[op.kind]
		p.next()
		if p.peek().kind != tokString {
			p.unexpected("a string after " + op.text)
		}
		c.Value = p.literal()
	default:
		want := "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)"
		if c.Not {
			want = "a comparison operator after NOT"
		}
		p.unexpected(want)
	}
	return c
}

var tokenOps = map[tokenKind]ComparisonOp{tokLT: OpLT, tokLE: OpLE, tokGT: OpGT, tokGE: OpGE,
	tokLike: OpLike, tokMatches: OpMatches, tokIsSubset: OpIsSubset, tokIsSuperset: OpIsSuperset}

// primitiveLiteral = orderableLiteral | BoolLiteral
// orderableLiteral = IntLiteral | FloatLiteral | StringLiteral | BinaryLiteral | HexLiteral | TimestampLiteral
func (p *parser) primitiveLiteral(op token, boolOK bool) *Literal {
	switch p.peek().kind {
	case tokString, tokInt, tokFloat, tokHex, tokBinary, tokTimestamp:
		return p.literal()
	case tokTrue, tokFalse:
		if boolOK {
			return p.literal()
		}
		p.errorf(p.peek().pos, "'%s' cannot compare with a boolean: booleans have no order", op.text)
	}
	p.unexpected("a literal value after '" + op.text + "'")
	return nil
}

// setLiteral = "(" [ primitiveLiteral { "," primitiveLiteral } ] ")"
func (p *parser) setLiteral() *SetLiteral {
	t := p.peek()
	if t.kind != tokLParen {
		p.unexpected("'(' to begin the set after IN")
	}
	p.next()
	p.node()
	s := &SetLiteral{Lparen: t.pos}
	if p.peek().kind == tokRParen {
		p.next()
		return s
	}
	for {
		s.Values = append(s.Values, p.primitiveLiteral(token{text: "IN"}, true))
		switch c := p.peek(); c.kind {
		case tokComma:
			p.next()
		case tokRParen:
			p.next()
			return s
		default:
			if c.kind == tokError {
				p.lexError(c)
			}
			p.errorf(c.pos, "expected ',' or ')' to close the set opened at %s, found %s", t.pos, c.describe())
		}
	}
}

// literal converts the current literal token.
func (p *parser) literal() *Literal {
	t := p.next()
	p.node()
	l := &Literal{At: t.pos}
	switch t.kind {
	case tokString:
		l.Kind, l.Str = LitString, unquote(t.text)
	case tokInt:
		l.Kind = LitInt
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			p.errorf(t.pos, "integer %s is out of the 64-bit range", shorten(t.text))
		}
		l.Int = n
	case tokFloat:
		l.Kind = LitFloat
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			p.errorf(t.pos, "float %s is out of range", shorten(t.text))
		}
		l.Float = f
	case tokTrue, tokFalse:
		l.Kind, l.Bool = LitBool, t.kind == tokTrue
	case tokHex:
		l.Kind = LitHex
		l.Bytes, _ = hex.DecodeString(t.text[2 : len(t.text)-1])
		if l.Bytes == nil {
			l.Bytes = []byte{}
		}
	case tokBinary:
		l.Kind = LitBinary
		b, err := base64.StdEncoding.DecodeString(t.text[2 : len(t.text)-1])
		if err != nil {
			p.errorf(t.pos, "binary literal %s is not valid base64", shorten(t.text))
		}
		l.Bytes = b
	case tokTimestamp:
		l.Kind = LitTimestamp
		l.TimeText = t.text[2 : len(t.text)-1]
		l.Time = timestampTime(l.TimeText)
	}
	return l
}

// objectPath = objectType ":" firstPathComponent { objectPathComponent }
// objectType = IdentifierWithoutHyphen | IdentifierWithHyphen
// firstPathComponent = IdentifierWithoutHyphen | StringLiteral
// objectPathComponent = "." ( IdentifierWithoutHyphen | StringLiteral ) | "[" ( IntLiteral | "*" ) "]"
func (p *parser) objectPath() *ObjectPath {
	t := p.peek()
	if t.kind != tokIdent {
		p.unexpected("an object type such as file or network-traffic")
	}
	p.next()
	p.node()
	op := &ObjectPath{At: t.pos, Type: t.text}
	if c := p.peek(); c.kind != tokColon {
		if c.kind == tokDot {
			p.errorf(c.pos, "expected ':' between the object type %q and its first property, found '.'", t.text)
		}
		p.unexpected(fmt.Sprintf("':' after the object type %q", t.text))
	}
	p.next()
	op.Steps = make([]PathStep, 1, 2)
	op.Steps[0] = PathStep{Key: p.pathKey("the first property")}
	for {
		switch t := p.peek(); t.kind {
		case tokDot:
			p.next()
			op.Steps = append(op.Steps, PathStep{Key: p.pathKey("a property name after '.'")})
		case tokLBrack:
			p.next()
			s := PathStep{}
			switch c := p.peek(); c.kind {
			case tokAsterisk:
				s.Kind = StepStar
			case tokInt:
				n, err := strconv.ParseInt(c.text, 10, 64)
				if err != nil {
					p.errorf(c.pos, "list index %s is out of range", c.text)
				}
				s.Kind, s.Index = StepIndex, n
			default:
				p.unexpected("a list index or '*' after '['")
			}
			p.next()
			p.close(tokRBrack, "]", "list index", t.pos)
			op.Steps = append(op.Steps, s)
		default:
			p.nodes += len(op.Steps) / 4
			canonicalHashes(op)
			return op
		}
	}
}

// pathKey reads a property name: a plain identifier or a quoted string.
func (p *parser) pathKey(what string) string {
	t := p.peek()
	switch t.kind {
	case tokIdent:
		if t.hyphen {
			p.errorf(t.pos, "property name %q contains '-' and must be quoted: '%s'", t.text, t.text)
		}
		p.next()
		return t.text
	case tokString:
		p.next()
		return unquote(t.text)
	}
	if t.kind >= tokAnd {
		p.errorf(t.pos, "expected %s, found keyword %s (quote it: '%s')", what, t.text, t.text)
	}
	p.unexpected(what)
	return ""
}

// unquote returns the value of a string token: the text between the
// quotes with \' and \\ unescaped.
func unquote(s string) string {
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// timestampTime returns the instant of a timestamp the lexer accepted. Day
// overflow (February 30) and second 60 roll over into the next day or
// minute, as time.Date does.
func timestampTime(s string) time.Time {
	n := func(a, b int) int { v, _ := strconv.Atoi(s[a:b]); return v }
	nsec := 0
	if s[19] == '.' {
		frac := s[20 : len(s)-1]
		if len(frac) > 9 {
			frac = frac[:9]
		}
		nsec, _ = strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
	}
	return time.Date(n(0, 4), time.Month(n(5, 7)), n(8, 10), n(11, 13), n(14, 16), n(17, 19), nsec, time.UTC)
}
