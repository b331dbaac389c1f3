package node

import (
	"context"
	json "encoding/json/v2"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/rampart-cti/rampart"
)

// DefaultAuditListLimit is how many records "rampart audit list" prints
// when not told.
const DefaultAuditListLimit = 1000

// AuditQuery is what "rampart audit list" is given, as text: the object,
// the recipient organisation and the earliest time of the records, and
// how many at most (0 for all). Check reads it.
type AuditQuery struct {
	Object, Org, Since string
	Limit              int

	filter rampart.AuditFilter
}

// Check reads the query; its errors are ConfigErrors naming the flag.
func (q *AuditQuery) Check() error {
	if q.Limit < 0 {
		return configErrorf("audit list: --limit must be 0 (all) or more (got %d)", q.Limit)
	}
	q.filter = rampart.AuditFilter{}
	if q.Object != "" {
		q.filter.ObjectID = &q.Object
	}
	if q.Org != "" {
		q.filter.Recipient = &q.Org
	}
	if q.Since != "" {
		t, err := ParseTime("since", q.Since)
		if err != nil {
			return configErrorf("audit list: %v", err)
		}
		q.filter.Since = &t
	}
	return nil
}

// AuditList is records of the audit log, as "rampart audit list" prints
// them.
type AuditList struct {
	Records []*rampart.AuditRecord
	// More is set when more records match than the query's limit.
	More bool
	// Name returns the name of an organisation, its id when unknown.
	Name func(id string) string
}

// FindAuditList returns the records the checked query asks for, oldest
// first, as FindAudit does.
func (n *Node) FindAuditList(ctx context.Context, q *AuditQuery) (*AuditList, error) {
	records, more, err := n.FindAudit(ctx, q.filter, q.Limit)
	if err != nil {
		return nil, err
	}
	return &AuditList{Records: records, More: more, Name: n.OrganizationNames(ctx)}, nil
}

// WriteText writes the records as a table, one a line, organisations by
// name. It returns the error of w.
func (l *AuditList) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tOBJECT\tVERSION\tRECIPIENT\tCHANNEL\tVIA\tSEALED")
	for _, r := range l.Records {
		via, sealed := r.Via, "no"
		if r.Sealed {
			sealed = "yes"
		}
		if r.Channel == rampart.AuditPeer {
			via = l.Name(via)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.At.UTC().Format(time.RFC3339), r.ObjectID, r.Version,
			l.Name(r.Recipient), r.Channel, via, sealed)
	}
	return tw.Flush()
}

// WriteJSON writes each record as JSON, one a line. It returns the error
// of w.
func (l *AuditList) WriteJSON(w io.Writer) error {
	for _, r := range l.Records {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
			return err
		}
	}
	return nil
}

// CheckpointAuditText checkpoints the audit log as CheckpointAudit does
// and says what it did: the record it checkpointed, or that the last
// record is checkpointed already. It returns an error when the log holds
// no record.
func (n *Node) CheckpointAuditText(ctx context.Context) (string, error) {
	c, created, err := n.CheckpointAudit(ctx)
	switch {
	case err != nil:
		return "", err
	case c == nil:
		return "", fmt.Errorf("the audit log holds no record yet: there is nothing to checkpoint")
	case !created:
		return fmt.Sprintf("record %d, the last, is checkpointed already", c.Seq), nil
	}
	return fmt.Sprintf("checkpoint at record %d", c.Seq), nil
}
