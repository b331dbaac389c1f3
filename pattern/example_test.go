package pattern_test

import (
	"fmt"

	"github.com/rampart-cti/rampart/pattern"
)

// Compile parses a pattern and runs the semantic checks; String gives the
// canonical form.
func ExampleCompile() {
	p, err := pattern.Compile("[ipv4-addr:value ISSUBSET '198.51.100.0/24' AND ipv4-addr:value != '198.51.100.1'] WITHIN 300 SECONDS")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p)
	// Output:
	// [ipv4-addr:value ISSUBSET '198.51.100.0/24' AND ipv4-addr:value != '198.51.100.1'] WITHIN 300 SECONDS
}

// Errors give the position, what was expected and where an unclosed
// bracket began, with the source line and a caret.
func ExampleCompile_error() {
	_, err := pattern.Compile("[file:name = 'invoice.exe' AND file:size > 1024")
	fmt.Println(err)
	// Output:
	// pattern:1:48: expected ']' to close the observation expression opened at 1:1, found the end of the pattern
	//     [file:name = 'invoice.exe' AND file:size > 1024
	//                                                    ^
}

// Match evaluates a pattern over the observations of observed-data
// objects, here a STIX 2.1 bundle.
func ExamplePattern_Match() {
	bundle := `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
	  {"type":"observed-data","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf","spec_version":"2.1",
	   "first_observed":"2026-03-01T10:00:00Z","last_observed":"2026-03-01T10:00:00Z","number_observed":1,
	   "object_refs":["domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5"]},
	  {"type":"domain-name","id":"domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5","value":"evil.example"}]}`
	obs, err := pattern.ParseObservations([]byte(bundle))
	if err != nil {
		fmt.Println(err)
		return
	}
	p := pattern.MustParse("[domain-name:value LIKE '%.example']")
	ok, err := p.Match(obs)
	fmt.Println(ok, err)
	// Output:
	// true <nil>
}

// Walking the syntax tree: the comparisons of every bracketed observation
// expression, as an indexer would collect them.
func ExamplePattern_comparisons() {
	p := pattern.MustParse("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] OR [domain-name:value = 'evil.example']")
	pattern.Inspect(p.Expr, func(n pattern.Node) bool {
		if c, ok := n.(*pattern.Comparison); ok {
			fmt.Println(c.Path.Type, c.Path, c.Op, c.Value)
		}
		return true
	})
	// Output:
	// file file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'
	// domain-name domain-name:value = 'evil.example'
}
