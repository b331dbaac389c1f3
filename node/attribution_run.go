package node

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/stix"
)

// AttributionRun is what "rampart incident attribute" did: the
// attribution of an incident, the note that stores it, and how long it
// took.
type AttributionRun struct {
	IncidentID  string
	Attribution *attribution.IncidentAttribution
	Note        *stix.Object
	Took        time.Duration
}

// RunIncidentAttribution attributes incident id as AttributeIncident does
// (limit and progress are its), timing it.
func (n *Node) RunIncidentAttribution(ctx context.Context, id string, limit int, progress func(read int)) (*AttributionRun, error) {
	start := time.Now()
	a, note, err := n.AttributeIncident(ctx, id, limit, progress)
	if err != nil {
		return nil, err
	}
	return &AttributionRun{IncidentID: id, Attribution: a, Note: note, Took: time.Since(start)}, nil
}

// WriteText writes the attribution for a person: the incident, the note
// and engine, the inputs, and the ranking with up to 8 pieces of
// evidence apiece. It returns the error of w.
func (r *AttributionRun) WriteText(w io.Writer) error {
	a := r.Attribution
	if _, err := fmt.Fprintf(w, "incident %s\nnote %s (%s), by %s\n", r.IncidentID, r.Note.ID, a.Evidence.TLP, a.Engine); err != nil {
		return err
	}
	if err := a.Evidence.WriteInputs(w); err != nil {
		return err
	}
	if _, err := fmt.Fprintln(w); err != nil {
		return err
	}
	return a.Ranking.WriteText(w, 8)
}

// WriteJSON writes the note as stored and the record it holds
// (IncidentAttributionJSON), one line. It returns the error of w.
func (r *AttributionRun) WriteJSON(w io.Writer) error {
	b, err := IncidentAttributionJSON(r.Attribution, r.Note)
	if err == nil {
		_, err = fmt.Fprintf(w, "%s\n", b)
	}
	return err
}

// Summary says what the attribution was drawn from, against how many
// intrusion sets, how long it took and where it is stored.
func (r *AttributionRun) Summary() string {
	ev := r.Attribution.Evidence
	return fmt.Sprintf("attributed %s from %d techniques, %d software, %d indicators and %d sightings (%d objects read) against %d intrusion sets in %s; note %s stored",
		r.IncidentID, len(ev.Techniques), len(ev.Software), len(ev.Indicators), len(ev.Sightings), len(ev.Objects), r.Attribution.Ranking.Sets,
		r.Took.Round(time.Millisecond), r.Note.ID)
}

// Hint says what a person should know about the attribution's inputs:
// that not every object tied to the incident was read; "" when all were.
func (r *AttributionRun) Hint() string {
	if !r.Attribution.Evidence.Truncated {
		return ""
	}
	return fmt.Sprintf("more than %d objects are tied to the incident: the rest were not read", attribution.MaxIncidentObjects)
}
