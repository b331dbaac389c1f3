package evidence

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// Member kinds.
const (
	KindSTIX        = "stix-bundle" // the incident's objects and sightings
	KindAttribution = "attribution" // attribution notes, opinions, rankings
	KindArtefact    = "artefact"    // a file the node collected
)

// Manifest lists the members of the sealed content. It travels inside the
// seal; the cover carries its SHA-256, so the maker's signature covers it.
type Manifest struct {
	Package    string    `json:"package"`
	Incident   string    `json:"incident"`
	Created    time.Time `json:"created"`
	CreatedBy  string    `json:"created_by,omitempty"`
	Marking    string    `json:"marking"`
	Recipients []string  `json:"recipients,omitempty"`
	Members    []Member  `json:"members"`
}

// Member is one file of the sealed content.
type Member struct {
	// Name is the member's path in the content, such as
	// "artefacts/dropper.exe".
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Source is where the node took an artefact from (its file name).
	Source string `json:"source,omitempty"`
}

// manifestName is the name of the manifest in the content archive.
const manifestName = "manifest.json"

// checkName refuses member names that could escape the directory the
// content is opened into, or clash with the manifest.
func checkName(name string) error {
	switch {
	case name == "" || len(name) > 255:
		return fmt.Errorf("member name %q: want 1 to 255 bytes", name)
	case name == manifestName:
		return fmt.Errorf("member name %q is the manifest's", name)
	case strings.ContainsAny(name, "\\\x00") || path.IsAbs(name) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../"):
		return fmt.Errorf("member name %q: must be a clean relative path", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("member name %q: has a control character", name)
		}
	}
	return nil
}
