package stix

import (
	"encoding/json/jsontext"
	"regexp"
)

// Directory is a file system directory (§6.3).
type Directory struct {
	ObservableProperties
	Path         string                    `json:"path"`
	PathEnc      string                    `json:"path_enc,omitempty"`
	Ctime        Timestamp                 `json:"ctime,omitzero"`
	Mtime        Timestamp                 `json:"mtime,omitzero"`
	Atime        Timestamp                 `json:"atime,omitzero"`
	ContainsRefs []string                  `json:"contains_refs,omitempty"`
	Extensions   Extensions                `json:"extensions,omitempty"`
	Custom       map[string]jsontext.Value `json:",embed"`
}

var directorySpec = scoSpec(map[string]*prop{
	"path":          str(),
	"path_enc":      str().with(checkCharset),
	"ctime":         timestamp(),
	"mtime":         timestamp(),
	"atime":         timestamp(),
	"contains_refs": refs("file", "directory"),
}, nil, []string{"path"})

// charsetRE is the shape of IANA character set names (the registry's
// names use letters, digits and a few punctuation marks).
var charsetRE = regexp.MustCompile(`^[a-zA-Z0-9/.+_:()-]{2,250}$`)

// checkCharset checks an _enc property (§3.9.1): a name from the IANA
// character set registry. The registry itself is not consulted.
func checkCharset(c *checker, n *node, path string) {
	if n.kind == '"' && !charsetRE.MatchString(n.str) {
		c.fail(path, "must be a character set name from the IANA registry (got %q)", n.str)
	}
}
