package coord

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// TriageExtensionID declares the x-rampart-triage object (new-sdo): one
// step of an alert's triage at a node (acknowledged, assigned to an
// analyst, or closed).
const TriageExtensionID = "extension-definition--e1445063-553d-42e6-bcf2-98f6545bb645"

// TriageType is the type of a triage step. A type of its own, rather than
// a note, lets the steps be listed without reading every note a node
// holds.
const TriageType = "x-rampart-triage"

// Triage states of an alert, in the order an analyst usually sets them.
const (
	TriageOpen         = "open"
	TriageAcknowledged = "acknowledged"
	TriageClosed       = "closed"
)

// TriageStates are the states an alert's triage may take.
var TriageStates = []string{TriageOpen, TriageAcknowledged, TriageClosed}

// Triage is one step of an alert's triage, made by an account of the
// node: an x-rampart-triage object on the alert, addressed to the node's
// organisation alone (its analysts' work is theirs), signed as every
// object the node makes.
type Triage struct {
	ID       string
	AlertRef string
	Status   string // one of TriageStates
	// Assignee is the account the alert is assigned to, "" for nobody.
	Assignee string
	// By is the account that made the step, Comment what it said.
	By      string
	Comment string
	Created time.Time
}

type triageJSON struct {
	Type         string         `json:"type"`
	SpecVersion  string         `json:"spec_version"`
	ID           string         `json:"id"`
	Created      stix.Timestamp `json:"created"`
	Modified     stix.Timestamp `json:"modified"`
	CreatedByRef string         `json:"created_by_ref,omitempty"`
	Markings     []string       `json:"object_marking_refs,omitempty"`
	AlertRef     string         `json:"alert_ref"`
	Status       string         `json:"status"`
	Assignee     string         `json:"assignee,omitempty"`
	Actor        string         `json:"actor"`
	Comment      string         `json:"comment,omitempty"`
	Extensions   any            `json:"extensions"`
}

// maxTriageText bounds an account name and a comment of a triage step.
const maxTriageText = 2000

func (t *Triage) check() error {
	switch {
	case !slices.Contains(TriageStates, t.Status):
		return rampart.Errorf(rampart.EINVALID, "triage status must be one of %s (got %q)", strings.Join(TriageStates, ", "), t.Status)
	case !strings.HasPrefix(t.AlertRef, AlertType+"--"):
		return rampart.Errorf(rampart.EINVALID, "triage must name an alert (got %q)", t.AlertRef)
	case t.By == "":
		return rampart.Errorf(rampart.EINVALID, "triage must say which account made it")
	case len(t.Comment) > maxTriageText || len(t.Assignee) > 200:
		return rampart.Errorf(rampart.EINVALID, "triage comment or assignee too long (at most %d and 200 bytes)", maxTriageText)
	}
	return nil
}

// object returns the triage step as an x-rampart-triage object created
// by org, marked TLP:RED and addressed to org.
func (t *Triage) object(org string) (*stix.Object, error) {
	ts := stix.NewTimestamp(t.Created)
	j := triageJSON{
		Type: TriageType, SpecVersion: "2.1", ID: t.ID, Created: ts, Modified: ts, CreatedByRef: org,
		Markings: []string{stix.TLPRed.MarkingID()}, AlertRef: t.AlertRef, Status: t.Status, Assignee: t.Assignee,
		Actor: t.By, Comment: t.Comment, Extensions: newSDOExtension(TriageExtensionID),
	}
	o, err := marshalObject(j)
	if err != nil {
		return nil, err
	}
	if org == "" {
		return o, nil
	}
	return stix.WithRecipients(o, org)
}

// ParseTriage reads a triage step; ok is false for an object that is not
// one.
func ParseTriage(o *stix.Object) (t *Triage, ok bool) {
	if o.Type != TriageType {
		return nil, false
	}
	var j triageJSON
	if json.Unmarshal(o.Raw, &j) != nil || j.AlertRef == "" {
		return nil, false
	}
	return &Triage{ID: j.ID, AlertRef: j.AlertRef, Status: j.Status, Assignee: j.Assignee, By: j.Actor, Comment: j.Comment, Created: j.Created.Time()}, true
}

// AddTriage records a triage step on an alert the node holds: a new
// x-rampart-triage object, signed and stored in the coordination
// collection.
func (s *Service) AddTriage(ctx context.Context, t *Triage) (*Triage, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if _, err := s.FindAlertByID(ctx, t.AlertRef); err != nil {
		return nil, err
	}
	c := *t
	c.ID, c.Created = stix.NewID(TriageType), s.now()
	o, err := c.object(s.Organization)
	if err != nil {
		return nil, fmt.Errorf("triage of %s: %w", t.AlertRef, err)
	}
	if _, err := s.put(ctx, o); err != nil {
		return nil, err
	}
	return &c, nil
}

// FindTriage returns the triage steps of every alert the view reads, by
// alert id, oldest first.
func (r *View) FindTriage(ctx context.Context) (map[string][]*Triage, error) {
	steps, err := r.latest(ctx, TriageType)
	if err != nil {
		return nil, err
	}
	out := map[string][]*Triage{}
	for _, o := range steps {
		if t, ok := ParseTriage(o); ok {
			out[t.AlertRef] = append(out[t.AlertRef], t)
		}
	}
	for _, ts := range out {
		slices.SortFunc(ts, func(a, b *Triage) int { return a.Created.Compare(b.Created) })
	}
	return out, nil
}

// Current returns the state triage steps leave an alert in: open and
// unassigned without any.
func Current(steps []*Triage) (status, assignee string) {
	if len(steps) == 0 {
		return TriageOpen, ""
	}
	last := steps[len(steps)-1]
	return last.Status, last.Assignee
}
