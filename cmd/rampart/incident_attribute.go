package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
)

// incidentAttribute implements "rampart incident attribute ID": the
// ranking on stdout, progress and the summary on stderr.
func (m *Main) incidentAttribute(ctx context.Context, env *coordEnv, id string, f *incidentFlags) error {
	start := time.Now()
	line := progress.NewLine(m.Stderr)
	a, note, err := env.n.AttributeIncident(ctx, id, f.limit, func(read int) {
		line.Printf("reading the knowledge: %d objects", read)
	})
	line.Clear()
	if err != nil {
		return err
	}
	ev := a.Evidence
	if f.asJSON {
		b, err := node.IncidentAttributionJSON(a, note)
		if err != nil {
			return err
		}
		m.printLine(b)
	} else {
		fmt.Fprintf(m.Stdout, "incident %s\nnote %s (%s), by %s\n", id, note.ID, ev.TLP, a.Engine)
		if err := ev.WriteInputs(m.Stdout); err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout)
		if err := a.Ranking.WriteText(m.Stdout, 8); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.Stderr, "rampart: attributed %s from %d techniques, %d software, %d indicators and %d sightings (%d objects read) against %d intrusion sets in %s; note %s stored\n",
		id, len(ev.Techniques), len(ev.Software), len(ev.Indicators), len(ev.Sightings), len(ev.Objects), a.Ranking.Sets,
		time.Since(start).Round(time.Millisecond), note.ID)
	if ev.Truncated {
		m.hintf("more than %d objects are tied to the incident: the rest were not read", attribution.MaxIncidentObjects)
	}
	return nil
}
