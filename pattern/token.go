package pattern

// tokenKind identifies the kind of a lexical token.
type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokError
	tokIdent     // identifier, possibly with hyphens (object types)
	tokString    // 'text'
	tokInt       // [+-]?(0|[1-9][0-9]*)
	tokFloat     // [+-]?[0-9]*.[0-9]+
	tokHex       // h'0a1b'
	tokBinary    // b'AQID'
	tokTimestamp // t'2016-01-01T00:00:00Z'
	tokEQ        // = or ==
	tokNEQ       // != or <>
	tokLT
	tokLE
	tokGT
	tokGE
	tokColon
	tokDot
	tokComma
	tokLParen
	tokRParen
	tokLBrack
	tokRBrack
	tokAsterisk
	// Keywords. Keywords are case-sensitive (upper case), except the
	// boolean literals, which are lower case, as in the STIX 2.1 grammar.
	tokAnd
	tokOr
	tokNot
	tokFollowedBy
	tokLike
	tokMatches
	tokIsSuperset
	tokIsSubset
	tokExists
	tokLast
	tokIn
	tokStart
	tokStop
	tokSeconds
	tokTrue
	tokFalse
	tokWithin
	tokRepeats
	tokTimes
)

// obsOpOf and cmpOpOf give an operator token's precedence (higher binds
// tighter) at the two expression levels, 0 when the token is not such an
// operator. All operators are left-associative. This is the precedence table
// of the language.
func obsPrecOf(k tokenKind) int {
	switch k {
	case tokFollowedBy:
		return 1
	case tokOr:
		return 2
	case tokAnd:
		return 3
	}
	return 0
}

func cmpPrecOf(k tokenKind) int {
	switch k {
	case tokOr:
		return 1
	case tokAnd:
		return 2
	}
	return 0
}

// keywords maps reserved words to their token kinds. An identifier that
// equals one of them is lexed as the keyword, so a property with such a name
// must be quoted in an object path.
var keywords = map[string]tokenKind{
	"AND":        tokAnd,
	"OR":         tokOr,
	"NOT":        tokNot,
	"FOLLOWEDBY": tokFollowedBy,
	"LIKE":       tokLike,
	"MATCHES":    tokMatches,
	"ISSUPERSET": tokIsSuperset,
	"ISSUBSET":   tokIsSubset,
	"EXISTS":     tokExists,
	"LAST":       tokLast,
	"IN":         tokIn,
	"START":      tokStart,
	"STOP":       tokStop,
	"SECONDS":    tokSeconds,
	"true":       tokTrue,
	"false":      tokFalse,
	"WITHIN":     tokWithin,
	"REPEATS":    tokRepeats,
	"TIMES":      tokTimes,
}

var tokenNames = [...]string{
	tokEOF:       "end of pattern",
	tokError:     "error",
	tokIdent:     "identifier",
	tokString:    "string",
	tokInt:       "integer",
	tokFloat:     "float",
	tokHex:       "hex literal",
	tokBinary:    "binary literal",
	tokTimestamp: "timestamp",
	tokEQ:        "'='",
	tokNEQ:       "'!='",
	tokLT:        "'<'",
	tokLE:        "'<='",
	tokGT:        "'>'",
	tokGE:        "'>='",
	tokColon:     "':'",
	tokDot:       "'.'",
	tokComma:     "','",
	tokLParen:    "'('",
	tokRParen:    "')'",
	tokLBrack:    "'['",
	tokRBrack:    "']'",
	tokAsterisk:  "'*'",
}

func (k tokenKind) String() string {
	if int(k) < len(tokenNames) && tokenNames[k] != "" {
		return tokenNames[k]
	}
	for w, kk := range keywords {
		if kk == k {
			return w
		}
	}
	return "token"
}

// token is one lexical token: its kind, where it starts and its text as
// written.
type token struct {
	kind tokenKind
	pos  Pos
	text string
	// hyphen reports an identifier containing '-', which is valid only as
	// an object type.
	hyphen bool
}

// describe names the token for an error message: keywords and punctuation
// by themselves, the rest by kind and text.
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "the end of the pattern"
	case tokIdent:
		return "identifier " + quote(t.text)
	case tokString, tokInt, tokFloat, tokHex, tokBinary, tokTimestamp:
		return t.kind.String() + " " + shorten(t.text)
	}
	if t.kind >= tokAnd {
		return "keyword " + t.text
	}
	return t.kind.String()
}
