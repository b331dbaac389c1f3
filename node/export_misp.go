package node

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rampart-cti/rampart/internal/atomicfile"
	"github.com/rampart-cti/rampart/misp"
	"github.com/rampart-cti/rampart/stix"
)

// MISPExport is a collection mapped back to MISP events.
type MISPExport struct {
	Events []*misp.Event
	// Unmapped says why objects could not be mapped.
	Unmapped []error
	// Restricted says an object is above TLP:GREEN (or addressed to named
	// recipients).
	Restricted bool
}

// ExportMISP maps the latest version of every object of a collection back
// to MISP events (MISPEventsOf), named after the collection.
func (n *Node) ExportMISP(ctx context.Context, collectionID string) (*MISPExport, error) {
	objs, err := n.ReadableObjects(ctx, collectionID, nil)
	if err != nil {
		return nil, err
	}
	x := &MISPExport{}
	for _, o := range objs {
		if tlp := stix.Restriction(o); tlp != stix.TLPClear && tlp != stix.TLPGreen {
			x.Restricted = true
		}
	}
	x.Events, x.Unmapped = MISPEventsOf(objs, "Rampart collection "+collectionID)
	return x, nil
}

// WriteEvents writes the events as MISP event JSON,
// {"response": [{"Event": …}, …]}.
func (x *MISPExport) WriteEvents(w io.Writer) error { return misp.WriteEvents(w, x.Events) }

// SaveFeed writes the events as a MISP feed into dir, made when missing,
// each file replaced atomically: readable by all, as a feed to publish is,
// unless Restricted, then by the owner alone.
func (x *MISPExport) SaveFeed(dir string) error {
	mode := os.FileMode(0o644)
	if x.Restricted {
		mode = 0o600
	}
	return misp.WriteFeed(x.Events, func(name string, data []byte) error {
		if name != filepath.Base(name) {
			return fmt.Errorf("feed file name %q is not a plain file name", name)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return atomicfile.Replace(filepath.Join(dir, name), data, mode)
	})
}
