package warninglist

import "os"

// ReadPath reads the lists of path: the one list of a file (ReadFile), or
// those under a directory (ReadDir). The lists read come with one
// *ListError per file that failed, or for a path that does not exist.
func ReadPath(path string) ([]*List, []error) {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		l, err := ReadFile(path)
		if err != nil {
			return nil, []error{err}
		}
		return []*List{l}, nil
	}
	return ReadDir(path)
}
