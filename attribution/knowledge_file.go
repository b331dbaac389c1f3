package attribution

import (
	"errors"
	"fmt"
	"os"
)

// ReadKnowledgeFile reads the STIX bundle in the file path (gzip-compressed
// or not) with ReadKnowledge. Objects that could not be used come back as
// a *LoadError next to the knowledge made of the others; an error that
// leaves no knowledge says "open bundle: …" or "bundle "path": …".
func ReadKnowledgeFile(path string) (*Knowledge, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open bundle: %v", err)
	}
	defer f.Close()
	k, err := ReadKnowledge(f, nil)
	var le *LoadError
	if err != nil && !errors.As(err, &le) {
		return nil, fmt.Errorf("bundle %q: %v", path, err)
	}
	return k, err
}
