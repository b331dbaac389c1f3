package pattern

// Inspect walks the tree rooted at n in depth-first order, calling f for
// each node; when f returns false the node's children are skipped. It visits
// observation expressions, qualifiers, comparison expressions, comparisons,
// object paths and values.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	switch n := n.(type) {
	case *Pattern:
		Inspect(n.Expr, f)
	case *ObservationSimple:
		Inspect(n.Expr, f)
	case *ObservationParen:
		Inspect(n.X, f)
	case *ObservationBinary:
		Inspect(n.Left, f)
		Inspect(n.Right, f)
	case *Qualified:
		Inspect(n.X, f)
		Inspect(n.Qualifier, f)
	case *ComparisonParen:
		Inspect(n.X, f)
	case *ComparisonBinary:
		Inspect(n.Left, f)
		Inspect(n.Right, f)
	case *Comparison:
		Inspect(n.Path, f)
		if n.Value != nil {
			Inspect(n.Value, f)
		}
	case *SetLiteral:
		for _, v := range n.Values {
			Inspect(v, f)
		}
	}
}
