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

// TriageExtensionID is the property extension on note objects that makes
// a note one step of an alert's triage at a node: acknowledged, assigned
// to an analyst, or closed.
const TriageExtensionID = "extension-definition--e1445063-553d-42e6-bcf2-98f6545bb645"

// Triage states of an alert, in the order an analyst usually sets them.
const (
	TriageOpen         = "open"
	TriageAcknowledged = "acknowledged"
	TriageClosed       = "closed"
)

// TriageStates are the states an alert's triage may take.
var TriageStates = []string{TriageOpen, TriageAcknowledged, TriageClosed}

// Triage is one step of an alert's triage, made by an account of the
// node: a note on the alert, addressed to the node's organisation alone
// (its analysts' work is theirs), signed as every object the node makes.
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
	ExtensionType string `json:"extension_type"`
	AlertRef      string `json:"alert_ref"`
	Status        string `json:"status"`
	Assignee      string `json:"assignee,omitempty"`
}

type noteJSON struct {
	Type         string                `json:"type"`
	SpecVersion  string                `json:"spec_version"`
	ID           string                `json:"id"`
	Created      stix.Timestamp        `json:"created"`
	Modified     stix.Timestamp        `json:"modified"`
	CreatedByRef string                `json:"created_by_ref,omitempty"`
	Markings     []string              `json:"object_marking_refs,omitempty"`
	Abstract     string                `json:"abstract,omitempty"`
	Content      string                `json:"content"`
	Authors      []string              `json:"authors,omitempty"`
	ObjectRefs   []string              `json:"object_refs"`
	Extensions   map[string]triageJSON `json:"extensions"`
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

// object returns the triage step as a note created by org, marked
// TLP:RED and addressed to org.
func (t *Triage) object(org string) (*stix.Object, error) {
	ts := stix.NewTimestamp(t.Created)
	abstract := "Alert " + t.Status
	if t.Assignee != "" {
		abstract += ", assigned to " + t.Assignee
	}
	content := t.Comment
	if content == "" {
		content = abstract + " by " + t.By + "."
	}
	j := noteJSON{
		Type: "note", SpecVersion: "2.1", ID: t.ID, Created: ts, Modified: ts, CreatedByRef: org,
		Markings: []string{stix.TLPRed.MarkingID()}, Abstract: abstract, Content: content,
		Authors: []string{t.By}, ObjectRefs: []string{t.AlertRef},
		Extensions: map[string]triageJSON{TriageExtensionID: {stix.ExtensionProperty, t.AlertRef, t.Status, t.Assignee}},
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

// ParseTriage reads a triage step from a note; ok is false for a note
// that is not one.
func ParseTriage(o *stix.Object) (t *Triage, ok bool) {
	if o.Type != "note" {
		return nil, false
	}
	var j noteJSON
	if json.Unmarshal(o.Raw, &j) != nil {
		return nil, false
	}
	e, found := j.Extensions[TriageExtensionID]
	if !found || e.AlertRef == "" {
		return nil, false
	}
	t = &Triage{ID: j.ID, AlertRef: e.AlertRef, Status: e.Status, Assignee: e.Assignee, Comment: j.Content, Created: j.Created.Time()}
	if len(j.Authors) > 0 {
		t.By = j.Authors[0]
	}
	return t, true
}

// AddTriage records a triage step on an alert the node holds: a new note,
// signed and stored in the coordination collection.
func (s *Service) AddTriage(ctx context.Context, t *Triage) (*Triage, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if _, err := s.FindAlertByID(ctx, t.AlertRef); err != nil {
		return nil, err
	}
	c := *t
	c.ID, c.Created = stix.NewID("note"), s.now()
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
	notes, err := r.latest(ctx, "note")
	if err != nil {
		return nil, err
	}
	out := map[string][]*Triage{}
	for _, o := range notes {
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
