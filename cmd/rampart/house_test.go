package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// engineCalls are the only functions of the engines that the command
// calls itself: parsers of flag values, the list of attack names for a
// usage error, conversions to the types whose methods print a result.
// Everything else goes through node, the assembly package.
var engineCalls = []string{
	"trust.ParseProfile", "warninglist.ParsePolicy", "bench.ParseSize", "bench.AttackNames",
	"feed.Listings", "feed.Runs", "warninglist.Lists",
}

// uncheckedPackages are called freely: the domain types, the assembly
// package, and the command's own plumbing (output rules, progress lines,
// the version it was built as).
var uncheckedPackages = []string{"rampart", "node", "cli", "progress", "buildinfo"}

// TestCommandIsThin checks what keeps the command thin: it calls no
// engine function but those listed (using the engines' types is fine),
// and no function of it is longer than 60 lines.
func TestCommandIsThin(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		engines := map[string]bool{}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if base := path.Base(p); strings.HasPrefix(p, "github.com/rampart-cti/rampart") && !slices.Contains(uncheckedPackages, base) {
				engines[base] = true
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if lines := fset.Position(n.End()).Line - fset.Position(n.Pos()).Line + 1; lines > 60 {
					t.Errorf("%s: func %s has %d lines (at most 60)", fset.Position(n.Pos()), n.Name.Name, lines)
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && engines[x.Name] && !slices.Contains(engineCalls, x.Name+"."+sel.Sel.Name) {
					t.Errorf("%s: the command calls %s.%s; go through node", fset.Position(n.Pos()), x.Name, sel.Sel.Name)
				}
			}
			return true
		})
	}
}
