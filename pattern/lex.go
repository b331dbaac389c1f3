package pattern

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// stateFn is one state of the lexer; it returns the next state, or nil when
// the input is exhausted or broken.
type stateFn func(*lexer) stateFn

// lexer turns pattern text into tokens. It is synchronous: nextToken runs
// the state functions until one token is emitted, so the parser pulls tokens
// one at a time and no token slice is built.
type lexer struct {
	input string
	state stateFn
	item  token
	have  bool
	// start is where the current token begins; pos is the next byte to read.
	start, pos int
	startPos   Pos
	line, col  int // position of pos, 1-based; col counts characters
	width      int // size of the last rune read, for backup
	prevCol    int
}

const eof = -1

// nextToken returns the next token. After the input ends it returns tokEOF,
// after an error the tokError, for ever.
func (l *lexer) nextToken() token {
	for !l.have {
		if l.state == nil {
			return l.item
		}
		l.state = l.state(l)
	}
	l.have = false
	return l.item
}

func (l *lexer) next() rune {
	if l.pos >= len(l.input) {
		l.width = 0
		return eof
	}
	r, w := rune(l.input[l.pos]), 1
	if r >= utf8.RuneSelf {
		r, w = utf8.DecodeRuneInString(l.input[l.pos:])
	}
	l.pos += w
	l.width = w
	l.prevCol = l.col
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

// backup steps back one rune; it may be called once per call of next.
func (l *lexer) backup() {
	if l.width == 0 {
		return
	}
	l.pos -= l.width
	if l.width > 0 && l.input[l.pos] == '\n' {
		l.line--
	}
	l.col = l.prevCol
}

func (l *lexer) peek() rune {
	r := l.next()
	l.backup()
	return r
}

func (l *lexer) here() Pos { return Pos{Offset: int32(l.pos), Line: int32(l.line), Col: int32(l.col)} }

// mark begins a token at the current position.
func (l *lexer) mark() {
	l.start = l.pos
	l.startPos = l.here()
}

func (l *lexer) emit(k tokenKind) {
	l.item = token{kind: k, pos: l.startPos, text: l.input[l.start:l.pos]}
	l.have = true
}

// errorf emits an error token at p and stops the lexer.
func (l *lexer) errorf(p Pos, format string, args ...any) stateFn {
	l.item = token{kind: tokError, pos: p, text: fmt.Sprintf(format, args...)}
	l.have = true
	return nil
}

// isSpace reports the white space the STIX grammar skips.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\v', '\f', 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

func isIdentStart(r rune) bool {
	return r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// lexAny skips white space and comments and dispatches on the next rune.
func lexAny(l *lexer) stateFn {
	for {
		l.mark()
		r := l.next()
		switch {
		case r == eof:
			l.emit(tokEOF)
			return nil
		case isSpace(r):
			continue
		case r == '/':
			return lexComment
		case r == '\'':
			return lexString
		case (r == 'h' || r == 'b' || r == 't') && l.peek() == '\'':
			l.next()
			return lexString
		case isIdentStart(r):
			return lexIdent
		case r == '.' && !isDigit(l.peek()):
			l.emit(tokDot)
			return lexAny
		case isDigit(r) || r == '+' || r == '-' || r == '.':
			l.backup()
			return lexNumber
		}
		if k, ok := punct(l, r); ok {
			l.emit(k)
			return lexAny
		}
		return l.errorf(l.startPos, "unexpected character %q", r)
	}
}

// punct lexes an operator or punctuation token starting with r.
func punct(l *lexer, r rune) (tokenKind, bool) {
	two := func(second rune, k2, k1 tokenKind) tokenKind {
		if l.peek() == second {
			l.next()
			return k2
		}
		return k1
	}
	switch r {
	case '=':
		return two('=', tokEQ, tokEQ), true
	case '!':
		if l.peek() == '=' {
			l.next()
			return tokNEQ, true
		}
		return 0, false
	case '<':
		if l.peek() == '>' {
			l.next()
			return tokNEQ, true
		}
		return two('=', tokLE, tokLT), true
	case '>':
		return two('=', tokGE, tokGT), true
	case ':':
		return tokColon, true
	case ',':
		return tokComma, true
	case '(':
		return tokLParen, true
	case ')':
		return tokRParen, true
	case '[':
		return tokLBrack, true
	case ']':
		return tokRBrack, true
	case '*':
		return tokAsterisk, true
	}
	return 0, false
}

// lexComment skips a /* block */ or // line comment; the '/' is consumed.
func lexComment(l *lexer) stateFn {
	switch l.next() {
	case '*':
		for {
			switch l.next() {
			case eof:
				return l.errorf(l.here(), "comment opened at %s is not closed", l.startPos)
			case '*':
				if l.peek() == '/' {
					l.next()
					return lexAny
				}
			}
		}
	case '/':
		for {
			switch l.next() {
			case eof, '\n':
				return lexAny
			}
		}
	}
	return l.errorf(l.startPos, "unexpected character '/' (a regular expression is written as a quoted string after MATCHES)")
}

// lexIdent lexes an identifier or keyword; the first rune is consumed.
func lexIdent(l *lexer) stateFn {
	hyphen := false
	for {
		r := l.next()
		if isIdentStart(r) || isDigit(r) {
			continue
		}
		if r == '-' {
			hyphen = true
			continue
		}
		l.backup()
		break
	}
	text := l.input[l.start:l.pos]
	// Keywords are upper case but for true and false; most identifiers
	// are lower-case type and property names, which skip the lookup.
	if c := text[0]; !hyphen && ('A' <= c && c <= 'Z' || c == 't' || c == 'f') {
		if k, ok := keywords[text]; ok {
			l.emit(k)
			return lexAny
		}
	}
	l.emit(tokIdent)
	l.item.hyphen = hyphen
	return lexAny
}

// lexNumber lexes an integer or float with an optional sign.
func lexNumber(l *lexer) stateFn {
	r := l.next()
	if r == '+' || r == '-' {
		r = l.next()
	}
	intDigits := 0
	leadingZero := r == '0'
	for isDigit(r) {
		intDigits++
		r = l.next()
	}
	if r == '.' {
		frac := 0
		for isDigit(l.peek()) {
			l.next()
			frac++
		}
		if frac == 0 {
			return l.errorf(l.startPos, "malformed number %q: a float needs digits after the '.'", l.input[l.start:l.pos])
		}
		l.emit(tokFloat)
		return lexAny
	}
	l.backup()
	if intDigits == 0 {
		return l.errorf(l.startPos, "unexpected character %q", l.input[l.start:l.pos])
	}
	if leadingZero && intDigits > 1 {
		return l.errorf(l.startPos, "malformed integer %q: leading zeros are not allowed", l.input[l.start:l.pos])
	}
	if isIdentStart(l.peek()) {
		return l.errorf(l.startPos, "malformed number %q", l.input[l.start:l.pos+1])
	}
	l.emit(tokInt)
	return lexAny
}

// lexString lexes a quoted literal, with its h, b or t prefix if any; the
// opening quote is consumed. Only \' and \\ are escapes.
func lexString(l *lexer) stateFn {
	for {
		switch l.next() {
		case eof:
			return l.errorf(l.here(), "string opened at %s is not closed (missing ')", l.startPos)
		case '\\':
			p := l.here()
			switch l.next() {
			case '\'', '\\':
			case eof:
				return l.errorf(l.here(), "string opened at %s is not closed (missing ')", l.startPos)
			default:
				p.Col--
				p.Offset--
				return l.errorf(p, "invalid escape in string: only \\' and \\\\ are allowed")
			}
		case '\'':
			return lexStringEnd(l)
		}
	}
}

func lexStringEnd(l *lexer) stateFn {
	text := l.input[l.start:l.pos]
	switch text[0] {
	case 'h':
		body := text[2 : len(text)-1]
		for i := 0; i < len(body); i++ {
			if !isHex(body[i]) {
				return l.errorf(l.startPos, "hex literal %s: %q is not a hexadecimal digit", shorten(text), body[i])
			}
		}
		if len(body)%2 != 0 {
			return l.errorf(l.startPos, "hex literal %s: odd number of digits", shorten(text))
		}
		l.emit(tokHex)
	case 'b':
		if err := checkBase64(text[2 : len(text)-1]); err != "" {
			return l.errorf(l.startPos, "binary literal %s: %s", shorten(text), err)
		}
		l.emit(tokBinary)
	case 't':
		if err := checkTimestamp(text[2 : len(text)-1]); err != "" {
			return l.errorf(l.startPos, "timestamp literal %s: %s", shorten(text), err)
		}
		l.emit(tokTimestamp)
	default:
		l.emit(tokString)
	}
	return lexAny
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// checkBase64 checks the base64 shape the grammar allows: groups of four
// characters of the standard alphabet, the last one padded with '='.
func checkBase64(s string) string {
	if len(s)%4 != 0 {
		return "length is not a multiple of 4"
	}
	pad := 0
	for pad < 2 && len(s)-pad > 0 && s[len(s)-1-pad] == '=' {
		pad++
	}
	body := s[:len(s)-pad]
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '=' {
			return "misplaced '=' padding"
		}
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return fmt.Sprintf("%q is not a base64 character", c)
		}
	}
	return ""
}

// checkTimestamp checks the timestamp shape of the STIX 2.1 grammar:
// YYYY-MM-DDTHH:MM:SS[.s+]Z with month 01-12, day 01-31, hour 00-23,
// minute 00-59 and second 00-60. Like the grammar it does not check the
// calendar (2024-02-30 passes); Check warns about such dates.
func checkTimestamp(s string) string {
	const want = "is not of the form YYYY-MM-DDTHH:MM:SS[.s+]Z"
	if len(s) < 20 || s[len(s)-1] != 'Z' {
		return want
	}
	const layout = "dddd-dd-ddTdd:dd:dd"
	for i := 0; i < len(layout); i++ {
		if layout[i] == 'd' {
			if !isDigit(rune(s[i])) {
				return want
			}
		} else if s[i] != layout[i] {
			return want
		}
	}
	if rest := s[19 : len(s)-1]; rest != "" {
		if rest[0] != '.' || len(rest) == 1 {
			return want
		}
		for i := 1; i < len(rest); i++ {
			if !isDigit(rune(rest[i])) {
				return want
			}
		}
	}
	num := func(a, b int) int { n, _ := strconv.Atoi(s[a:b]); return n }
	switch {
	case num(5, 7) < 1 || num(5, 7) > 12:
		return "month " + s[5:7] + " is out of range"
	case num(8, 10) < 1 || num(8, 10) > 31:
		return "day " + s[8:10] + " is out of range"
	case num(11, 13) > 23:
		return "hour " + s[11:13] + " is out of range"
	case num(14, 16) > 59:
		return "minute " + s[14:16] + " is out of range"
	case num(17, 19) > 60:
		return "second " + s[17:19] + " is out of range"
	}
	return ""
}

// shorten returns s, cut to a length fit for an error message.
func shorten(s string) string {
	if len(s) > 40 {
		i := 37
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		return s[:i] + "..."
	}
	return s
}

func quote(s string) string { return strconv.Quote(shorten(s)) }
