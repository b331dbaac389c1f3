package web

import (
	"testing"
)

// TestWarmBuildsKnowledge: after Warm, the knowledge of the node's kinds
// of reader is built, so the first attribution page of an account of
// each kind is answered from it, without a build.
func TestWarmBuildsKnowledge(t *testing.T) {
	n := newNode(t)
	attributionKnowledge(t, n)
	if len(n.api.knowledge.entries) != 0 {
		t.Fatalf("%d knowledge entries before Warm", len(n.api.knowledge.entries))
	}
	must(t, n.api.Warm(ctx))
	if got := len(n.api.knowledge.entries); got == 0 || got > maxWarmKnowledge {
		t.Fatalf("%d knowledge entries after Warm, want 1 to %d", got, maxWarmKnowledge)
	}
	warmed := map[*knowledgeEntry]bool{}
	for key, e := range n.api.knowledge.entries {
		if !built(e) || e.err != nil || e.engine == nil {
			t.Errorf("knowledge %s is not built: %v", key, e.err)
		}
		warmed[e] = true
	}
	v := n.visitConsole(t, "analyst")
	status, body := v.get("/console/attribution")
	wantPage(t, "matrix", status, body, 200, `value="T1001"`)
	for key, e := range n.api.knowledge.entries {
		if !warmed[e] {
			t.Errorf("the analyst's page built knowledge %s: Warm had not built it", key)
		}
	}
}
