package node

import (
	"sync"

	"github.com/rampart-cti/rampart/pattern"
)

// maxPatternValues bounds the patterns a patternValues holds: a few of
// an import's batches (MISPImportBatch).
const maxPatternValues = 1 << 15

// patternValues hands the store's search index (its PatternValues) the
// values of the patterns the node's checks have just compiled, so that an
// indicator's pattern is parsed once on its way in, not a second time to
// be indexed. A pattern's values depend on its text alone, so what it
// holds is never stale; each entry is handed out once and dropped, and
// when maxPatternValues are waiting (objects checked but never stored)
// it starts afresh. Safe for concurrent use; the zero value is ready.
type patternValues struct {
	mu sync.Mutex
	m  map[string][]string
}

// put remembers the values of p, compiled from text.
func (c *patternValues) put(text string, p *pattern.Pattern) {
	nvs := pattern.Values(p)
	vs := make([]string, len(nvs))
	for i, nv := range nvs {
		vs[i] = nv.Value
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxPatternValues {
		c.m = make(map[string][]string)
	}
	c.m[text] = vs
}

// valuesOf is pattern.ValuesOf, from what put remembered when it can.
func (c *patternValues) valuesOf(text string) ([]string, bool) {
	c.mu.Lock()
	vs, ok := c.m[text]
	if ok {
		delete(c.m, text)
	}
	c.mu.Unlock()
	if ok {
		return vs, true
	}
	return pattern.ValuesOf(text)
}
