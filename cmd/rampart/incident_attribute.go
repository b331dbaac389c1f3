package main

import (
	"context"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/internal/progress"
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
	if f.asJSON {
		b, err := json.Marshal(struct {
			Note   jsontext.Value             `json:"note"`
			Record attribution.IncidentRecord `json:"attribution"`
		}{jsontext.Value(note.Raw), a.Record()}, json.Deterministic(true))
		if err != nil {
			return err
		}
		m.printLine(b)
	} else {
		fmt.Fprintf(m.Stdout, "incident %s\n", id)
		fmt.Fprintf(m.Stdout, "note %s (%s), by %s\n", note.ID, a.Evidence.TLP, a.Engine)
		printIncidentInputs(m.Stdout, a.Evidence)
		fmt.Fprintln(m.Stdout)
		if err := a.Ranking.WriteText(m.Stdout, 8); err != nil {
			return err
		}
	}
	ev := a.Evidence
	fmt.Fprintf(m.Stderr, "rampart: attributed %s from %d techniques, %d software, %d indicators and %d sightings (%d objects read) against %d intrusion sets in %s; note %s stored\n",
		id, len(ev.Techniques), len(ev.Software), len(ev.Indicators), len(ev.Sightings), len(ev.Objects), a.Ranking.Sets,
		time.Since(start).Round(time.Millisecond), note.ID)
	if ev.Truncated {
		m.hintf("more than %d objects are tied to the incident: the rest were not read", attribution.MaxIncidentObjects)
	}
	return nil
}

// printIncidentInputs prints each input of an incident's attribution and
// the paths from the incident that led to it.
func printIncidentInputs(w io.Writer, ev *attribution.IncidentEvidence) {
	fmt.Fprintln(w, "inputs:")
	if len(ev.Techniques)+len(ev.Software)+len(ev.Indicators) == 0 {
		fmt.Fprintln(w, "  none: no technique, software or indicator is tied to the incident")
	}
	for _, group := range []struct {
		what string
		ins  []attribution.Input
	}{{"technique", ev.Techniques}, {"software", ev.Software}, {"indicator", ev.Indicators}} {
		for _, in := range group.ins {
			fmt.Fprintf(w, "  %-9s %s\n", group.what, strings.TrimSpace(in.Ref+" "+in.Name))
			for _, p := range in.From {
				fmt.Fprintf(w, "            from %s\n", strings.Join(p, " > "))
			}
		}
	}
	if len(ev.Sightings) > 0 {
		fmt.Fprintf(w, "  sightings: %s\n", strings.Join(ev.Sightings, ", "))
	}
	for _, u := range ev.Unused {
		fmt.Fprintf(w, "  not used: %s: %s\n", u.ID, u.Reason)
	}
}
