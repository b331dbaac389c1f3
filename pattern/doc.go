// Package pattern is the STIX 2.1 patterning language (STIX 2.1 §9): a
// lexer and recursive-descent parser that keep the position of every node,
// a canonical printer, a semantic check pass and an evaluator over
// observed-data.
//
// Reach first for Compile, which parses a pattern and checks it:
//
//	p, err := pattern.Compile("[domain-name:value = 'evil.example'] WITHIN 60 SECONDS")
//
// Errors are *Error (or an ErrorList from the checks) and read like
//
//	pattern:1:14: expected ']' to close the observation expression opened at 1:1
//	    [file:name = 'a' AND
//	                 ^
//
// p.String() is the canonical text (one spelling per operator, literals
// normalised, no comments); parsing it gives the same tree. p.Warnings holds
// what is legal but suspicious, such as object types STIX 2.1 does not
// define.
//
// To evaluate, read observed data with ParseObservations (a bundle, an
// array of bundles, or an array of observed-data objects) and call
// p.Match or p.Evaluate. Matching follows the OASIS reference matcher
// (STIX 2.1 object_refs and the deprecated embedded objects, references,
// number_observed, first/last_observed for FOLLOWEDBY, WITHIN and
// START/STOP); docs/PATTERNS.md lists where and why Rampart differs.
//
// Programs that compile many patterns into indexes, such as package match,
// walk the tree instead of the text: p.Expr is an ObservationExpr whose
// bracketed leaves (*ObservationSimple) hold Comparison trees; Inspect
// visits every node, and MatchObservation evaluates one bracketed
// expression against one observation.
//
// Limits (MaxPatternBytes, MaxDepth, MaxNodes, MaxRegexBytes,
// MaxRegexInsts, MaxRepeats, MaxBindings) each give their own error; no
// input makes the package panic or recurse without bound. MATCHES runs on
// Go's RE2 engine, in time linear in the input; the PCRE features RE2 lacks
// are rejected with an error that names them.
//
// A compiled Pattern is immutable and safe for concurrent use.
package pattern
