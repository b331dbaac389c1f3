package pattern

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on one pattern. Each has its own error, so a pattern that is too
// big is never confused with one that is wrong, and no input can make the
// parser or evaluator recurse without bound.
const (
	// MaxPatternBytes is the longest pattern text accepted (64 KiB);
	// real indicators are well under 4 KiB.
	MaxPatternBytes = 64 << 10
	// MaxDepth is the deepest nesting of parentheses and brackets.
	MaxDepth = 64
	// MaxNodes is the most syntax tree nodes in one pattern (comparisons,
	// literals, operators, qualifiers, observations).
	MaxNodes = 4096
	// MaxRegexBytes is the longest MATCHES expression accepted.
	MaxRegexBytes = 4 << 10
	// MaxRegexInsts bounds the size of a compiled MATCHES expression: RE2
	// runs in time linear in the input, but the constant is the program
	// size, which nested counted repetition multiplies.
	MaxRegexInsts = 20000
	// MaxRepeats is the largest REPEATS count evaluated.
	MaxRepeats = 1000
	// MaxBindings bounds the number of distinct ways of binding
	// observations to a pattern that the evaluator holds at once; a pattern
	// with REPEATS over many observations is refused past it rather than
	// consuming memory without bound.
	MaxBindings = 100000
)

// Sentinel errors for the limits; the *Error returned wraps them, so
// errors.Is(err, ErrTooLarge) tells a limit from a syntax error.
var (
	ErrTooLarge        = errors.New("pattern exceeds MaxPatternBytes")
	ErrTooDeep         = errors.New("pattern nesting exceeds MaxDepth")
	ErrTooManyNodes    = errors.New("pattern exceeds MaxNodes")
	ErrTooCostly       = errors.New("regular expression is too costly")
	ErrTooManyBindings = errors.New("evaluation exceeds MaxBindings")
)

// Error is a problem at a position in a pattern. Its Error text is
//
//	pattern:1:14: expected ']' to close the observation expression opened at 1:1
//	    [file:name = 'a'
//	                    ^
//
// the message with line and column, then the source line with a caret under
// the column.
type Error struct {
	Pos Pos
	Msg string
	// Source is the pattern text, for the snippet.
	Source string
	// Warning marks a finding of Check that does not invalidate the pattern.
	Warning bool
	Err     error // a limit sentinel, or nil
}

// Error returns the positioned message followed by the snippet.
func (e *Error) Error() string {
	s := e.Short()
	if snip := e.Snippet(); snip != "" {
		s += "\n" + snip
	}
	return s
}

// Short returns the one-line form "pattern:L:C: message".
func (e *Error) Short() string {
	if e.Pos.Line == 0 {
		return "pattern: " + e.Msg
	}
	return fmt.Sprintf("pattern:%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Snippet returns the source line of the error, indented, and a caret under
// the error's column; "" when there is no source.
func (e *Error) Snippet() string {
	if e.Source == "" || e.Pos.Line == 0 {
		return ""
	}
	lines := strings.Split(e.Source, "\n")
	if int(e.Pos.Line) > len(lines) {
		return ""
	}
	line := strings.ReplaceAll(strings.TrimRight(lines[e.Pos.Line-1], "\r"), "\t", " ")
	col := int(e.Pos.Col)
	// Keep long lines readable: show at most 60 characters on either side.
	if n := utf8.RuneCountInString(line); n > 120 {
		r := []rune(line)
		from := max(0, col-60)
		to := min(len(r), from+120)
		line = string(r[from:to])
		col -= from
		if from > 0 {
			line = "..." + line
			col += 3
		}
	}
	return "    " + line + "\n    " + strings.Repeat(" ", max(0, col-1)) + "^"
}

// ErrorList is every problem Check found, errors first.
type ErrorList []*Error

func (l ErrorList) Error() string {
	if len(l) == 1 {
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", l[0].Error(), len(l)-1)
}

// Unwrap gives errors.Is and errors.As every error of the list.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}
