package evidence

import (
	"fmt"
	"io"
	"time"
)

// WriteText writes what Verify found, for people: the cover, one line per
// custody record, and who holds the package now. The notes are not
// written: they are diagnostics, for the caller to show as such.
func (r *Report) WriteText(w io.Writer) error {
	c := r.Cover
	fmt.Fprintf(w, "package   %s\nincident  %s\nmade      %s by %s\nsealed to %s, TLP:RED; content %d bytes, SHA-256 %s, %d members\n",
		c.ID, c.Incident, c.Created.Format(time.RFC3339), c.CreatedBy, c.To, c.SealedSize, c.SealedSHA256, c.Members)
	if c.Purpose != "" {
		fmt.Fprintf(w, "purpose   %s\n", c.Purpose)
	}
	for _, rec := range r.Custody {
		recv := "not received yet"
		if rec.Received() {
			recv = "received " + rec.ReceivedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "custody %d  %s  %s -> %s  (%s)  %s\n", rec.Seq, rec.HandedAt.Format(time.RFC3339), rec.From, rec.To, rec.Purpose, recv)
	}
	state := "held by"
	if r.Pending {
		state = "in transit from"
	}
	_, err := fmt.Fprintf(w, "%s %s\n", state, r.Holder)
	return err
}

// WriteText writes the members of the sealed content, one a line: kind,
// size, SHA-256 and name, each line starting with two spaces.
func (m *Manifest) WriteText(w io.Writer) error {
	for _, f := range m.Members {
		if _, err := fmt.Fprintf(w, "  %-12s %10d  %s  %s\n", f.Kind, f.Size, f.SHA256, f.Name); err != nil {
			return err
		}
	}
	return nil
}
