package trust

import (
	"fmt"
	"os"

	"github.com/rampart-cti/rampart/internal/atomicfile"
)

// ReadKeySetFile reads the public keys in the file path (what "keys
// generate" writes to FILE.pub); a parse error names the file.
func ReadKeySetFile(path string) (*KeySet, error) {
	return parseFile(path, "", ParseKeySet)
}

// KeyIDs returns the ids of the set's keys, in order.
func (s *KeySet) KeyIDs() []string {
	ids := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		ids[i] = k.ID()
	}
	return ids
}

// WriteKeyFiles writes id's private keys to a new file at path (mode
// 0600, WriteIdentityFile) and its public keys, for the registry
// authority, to a new file at path + ".pub" (mode 0644). It refuses to
// overwrite either.
func WriteKeyFiles(path string, id *Identity) error {
	pub, err := id.KeySet().Marshal()
	if err != nil {
		return err
	}
	if _, err := os.Stat(path + ".pub"); err == nil {
		return fmt.Errorf("%q already exists", path+".pub")
	}
	if err := WriteIdentityFile(path, id); err != nil {
		return err
	}
	return atomicfile.Create(path+".pub", append(pub, '\n'), 0o644)
}
