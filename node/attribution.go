package node

import (
	"context"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/attribution"
	"github.com/rampart-cti/rampart/stix"
)

// attributionStore reads every collection of the node, as the node's own
// operator may: everything.
func (n *Node) attributionStore(ctx context.Context) (*attribution.Store, error) {
	colls, err := n.Collections.FindCollections(ctx, rampart.CollectionFilter{})
	if err != nil {
		return nil, err
	}
	st := &attribution.Store{Objects: n.Objects}
	for _, c := range colls {
		st.Collections = append(st.Collections, c.ID)
	}
	return st, nil
}

// AttributeIncident ranks the intrusion sets that may be behind incident
// id from the evidence the node holds (attribution.GatherIncident), with
// a knowledge read from every collection of the node, and stores the
// result as a new note on the incident in the coordination collection,
// created by the node's organisation and signed with its keys when it has
// them. progress, when not nil, is called now and then with the number of
// objects read into the knowledge. It returns the attribution and the
// note as stored; ENOTFOUND when the node holds no such incident.
func (n *Node) AttributeIncident(ctx context.Context, id string, limit int, progress func(read int)) (*attribution.IncidentAttribution, *stix.Object, error) {
	st, err := n.attributionStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	read := 0
	k, err := st.Knowledge(ctx, func(*stix.Object) {
		read++
		if progress != nil && read%5000 == 0 {
			progress(read)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	if progress != nil {
		progress(read)
	}
	e := attribution.NewEngine(k, attribution.Config{})
	ev, err := attribution.GatherIncident(ctx, st, k, id)
	if err != nil {
		return nil, nil, err
	}
	a := e.AttributeIncident(ev, limit)
	now := time.Now()
	if n.Config.Now != nil {
		now = n.Config.Now()
	}
	note, err := a.Note(n.Coord.Organization, now)
	if err != nil {
		return nil, nil, err
	}
	stored, err := n.Coord.Store(ctx, note)
	if err != nil {
		return nil, nil, err
	}
	return a, stored[0], nil
}

// IncidentAttribution returns the latest note of an attribution of
// incident id the node holds, and its record; ENOTFOUND when there is
// none.
func (n *Node) IncidentAttribution(ctx context.Context, id string) (*stix.Object, *attribution.IncidentRecord, error) {
	st, err := n.attributionStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	return attribution.LatestNote(ctx, st, id)
}
