package web

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
)

// FederationHealth is the state of a node's federation, as the console's
// situation page shows it.
type FederationHealth struct {
	Peers      []PeerHealth
	Deliveries []DeliveryHealth
}

// PeerHealth is one peer: when it last synchronised, how far behind it is,
// what crossed the link and the last error.
type PeerHealth struct {
	// ID is the peer organisation's STIX identity id.
	ID         string
	Name       string
	URL        string
	LastSync   time.Time
	LagSeconds float64
	In, Out    int64
	Refused    int64
	LastError  string
}

// DeliveryHealth is what the node sealed to one recipient and how much of
// it failed.
type DeliveryHealth struct {
	Recipient   string
	Sealed      int64
	Failed      int64
	LastFailure string
}

// FederationReporter tells the console how the node's federation is.
type FederationReporter interface {
	FederationHealth(ctx context.Context) (*FederationHealth, error)
}

// Situation window and bounds.
const (
	alertDays    = 7
	sightingDays = 30
	// maxSightingsScanned bounds the sightings the situation page counts;
	// the page says when it stopped there.
	maxSightingsScanned = 50000
)

type situationData struct {
	Alerts        []*coord.Alert
	AlertsByState map[string]int
	States        []stateCount
	Incidents     []incidentClock
	Federation    *FederationHealth
	FederationErr string
	// Sightings is nil while they are being counted.
	Sightings *sightingCount
	Drawings  drawings
}

type stateCount struct {
	State string
	Count int
}

type dayCount struct {
	Day   time.Time
	Count int
}

// incidentClock is an open incident with its NIS2 deadlines.
type incidentClock struct {
	*coord.Incident
	Deadlines []coord.Deadline
}

func (c *console) situation(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	d := situationData{AlertsByState: map[string]int{}}
	if v.account.CanRead(c.s.Coord.CollectionID) {
		view, err := c.s.coordAs(r, v.account)
		if err != nil {
			return err
		}
		since := v.now.Add(-alertDays * 24 * time.Hour)
		if d.Alerts, err = view.FindAlerts(ctx, coord.AlertFilter{Since: &since}); err != nil {
			return err
		}
		for _, a := range d.Alerts {
			for _, ms := range a.MemberStates {
				d.AlertsByState[ms]++
			}
		}
		for ms, n := range d.AlertsByState {
			d.States = append(d.States, stateCount{ms, n})
		}
		slices.SortFunc(d.States, func(a, b stateCount) int { return b.Count - a.Count })
		open := false
		incs, err := view.FindIncidents(ctx, coord.IncidentFilter{Closed: &open})
		if err != nil {
			return err
		}
		for _, inc := range incs {
			d.Incidents = append(d.Incidents, incidentClock{inc, inc.Deadlines()})
		}
	}
	if c.s.Federation != nil {
		fh, err := c.s.Federation.FederationHealth(ctx)
		if err != nil {
			c.s.logger().Warn("console: federation health", "err", err)
			d.FederationErr = "The federation's state could not be read; the error is in the node's log."
		}
		d.Federation = fh
	}
	if err := c.countSightings(ctx, v, &d); err != nil {
		return err
	}
	d.Drawings = c.situationDrawings(&d, v.now)
	return c.show(w, r, v, "situation", "Situation", "situation", d)
}

// countSightings gives the page the count of the sightings the account
// may read per day of the last sightingDays, as the chart cache has it.
func (c *console) countSightings(ctx context.Context, v *visit, d *situationData) error {
	colls, err := c.s.readable(ctx, v.account)
	if err != nil {
		return err
	}
	reader, err := c.s.reader(ctx, v.account)
	if err != nil {
		return err
	}
	now := v.now
	d.Sightings = c.charts.get(ctx, readerKey(reader, colls), now, func(ctx context.Context) *sightingCount {
		return c.count(ctx, reader, colls, now)
	})
	if d.Sightings != nil && d.Sightings.Err != nil {
		c.s.logger().Warn("console: count sightings", "err", d.Sightings.Err)
	}
	return nil
}

// count counts, per day of the last sightingDays, the sightings reader
// may read in colls, by when they were first seen.
func (c *console) count(ctx context.Context, reader *rampart.Reader, colls []string, now time.Time) *sightingCount {
	start := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(sightingDays - 1))
	counts := make([]int, sightingDays)
	res := &sightingCount{At: now}
	scanned := 0
	after := start.Add(-24 * time.Hour) // first_seen may precede the day it was added
	for _, coll := range colls {
		f := rampart.ObjectFilter{CollectionID: coll, Types: []string{"sighting"}, AddedAfter: &after, Limit: 1000}
		for scanned < maxSightingsScanned {
			p, err := c.s.Objects.FindObjects(ctx, f)
			if err != nil {
				res.Err = err
				return res
			}
			objs, err := c.s.releaseVersions(ctx, reader, coll, p.Versions)
			if err != nil {
				res.Err = err
				return res
			}
			for _, o := range objs {
				if o == nil {
					continue
				}
				t := firstSeen(o)
				if i := int(t.Sub(start) / (24 * time.Hour)); !t.Before(start) && i < sightingDays {
					counts[i]++
					res.Total++
				}
			}
			scanned += len(p.Versions)
			if !p.More || len(p.Versions) == 0 {
				break
			}
			f.AfterSeq = p.Versions[len(p.Versions)-1].Seq
		}
	}
	res.Cut = scanned >= maxSightingsScanned
	for i, n := range counts {
		res.Days = append(res.Days, dayCount{start.AddDate(0, 0, i), n})
	}
	return res
}

// firstSeen is when a sighting was first seen, else when it was made.
func firstSeen(o *stix.Object) time.Time {
	var s struct {
		FirstSeen stix.Timestamp `json:"first_seen"`
	}
	if err := o.Decode(&s); err == nil && !s.FirstSeen.Time().IsZero() {
		return s.FirstSeen.Time()
	}
	return o.Created.Time()
}
