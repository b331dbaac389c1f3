package main

import (
	"context"
	"fmt"

	"github.com/rampart-cti/rampart/internal/progress"
)

// incidentAttribute implements "rampart incident attribute ID": the
// ranking on stdout, progress and the summary on stderr.
func (m *Main) incidentAttribute(ctx context.Context, env *coordEnv, id string, f *incidentFlags) error {
	line := progress.NewLine(m.Stderr)
	r, err := env.n.RunIncidentAttribution(ctx, id, f.o.Limit, func(read int) {
		line.Printf("reading the knowledge: %d objects", read)
	})
	line.Clear()
	if err := m.write(r, err, f.o.JSON); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "rampart: %s\n", r.Summary())
	if hint := r.Hint(); hint != "" {
		m.hintf("%s", hint)
	}
	return nil
}
