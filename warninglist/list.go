package warninglist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	json "encoding/json/v2"
)

// The types of list MISP defines.
const (
	TypeString    = "string"
	TypeSubstring = "substring"
	TypeHostname  = "hostname"
	TypeCIDR      = "cidr"
	TypeRegex     = "regex"
)

// Types are the list types, in MISP's order.
var Types = []string{TypeString, TypeSubstring, TypeHostname, TypeCIDR, TypeRegex}

// MaxListBytes bounds the size of one list file (MISP's largest lists,
// the top million domains, are about 25 MB).
const MaxListBytes = 64 << 20

// List is one MISP warninglist.
type List struct {
	// ID is the list's short name: the name of its directory in the MISP
	// repository (lists/<id>/list.json) or of its file. It is not part of
	// the MISP format.
	ID string `json:"-"`
	// Name is the list's own name, as MISP shows it.
	Name        string `json:"name"`
	Version     int64  `json:"version"`
	Description string `json:"description"`
	Type        string `json:"type"`
	Category    string `json:"category,omitempty"`
	// MatchingAttributes are the MISP attribute types the list applies
	// to; none means every type.
	MatchingAttributes []string `json:"matching_attributes,omitempty"`
	Entries            []string `json:"list"`
}

// ListError is a list file that cannot be read: not JSON, or a required
// member missing or wrong.
type ListError struct {
	File string
	Err  error
}

func (e *ListError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *ListError) Unwrap() error { return e.Err }

// Parse reads a list from its JSON text. A list must have the members the
// MISP schema requires (name, version, description, type, list) and a
// known type; unknown members are ignored. Bad entries are not an error
// here: Compile reports each alone.
func Parse(data []byte) (*List, error) {
	var raw struct {
		Name               *string   `json:"name"`
		Version            *int64    `json:"version"`
		Description        *string   `json:"description"`
		Type               *string   `json:"type"`
		Category           string    `json:"category"`
		MatchingAttributes []string  `json:"matching_attributes"`
		List               *[]string `json:"list"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a MISP warninglist: %v", err)
	}
	switch {
	case raw.Name == nil || strings.TrimSpace(*raw.Name) == "":
		return nil, errors.New(`member "name" is missing or empty`)
	case raw.Version == nil:
		return nil, errors.New(`member "version" is missing`)
	case raw.Description == nil:
		return nil, errors.New(`member "description" is missing`)
	case raw.Type == nil:
		return nil, errors.New(`member "type" is missing`)
	case !slices.Contains(Types, *raw.Type):
		return nil, fmt.Errorf("type %q is not one of %s", *raw.Type, strings.Join(Types, ", "))
	case raw.List == nil:
		return nil, errors.New(`member "list" is missing`)
	}
	return &List{
		Name: *raw.Name, Version: *raw.Version, Description: *raw.Description, Type: *raw.Type,
		Category: raw.Category, MatchingAttributes: raw.MatchingAttributes, Entries: *raw.List,
	}, nil
}

// Marshal returns the list in MISP's format.
func (l *List) Marshal() ([]byte, error) { return json.Marshal(l) }

// ValidID reports whether id may name a list: letters, digits, '.', '_'
// and '-', starting with a letter or digit, at most 100 bytes.
func ValidID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for i, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// idOf returns the short name of the list in file path: its directory's
// name for list.json (as in the MISP repository), else the file's name
// without .json.
func idOf(path string) string {
	base := filepath.Base(path)
	if base == "list.json" {
		return filepath.Base(filepath.Dir(path))
	}
	return strings.TrimSuffix(base, ".json")
}

// ReadFile reads one list file; its ID comes from the path (see List.ID).
// Errors are *ListError naming the file.
func ReadFile(path string) (*List, error) {
	fail := func(err error) (*List, error) { return nil, &ListError{File: path, Err: err} }
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if st.Size() > MaxListBytes {
		return fail(fmt.Errorf("%d bytes exceed MaxListBytes (%d)", st.Size(), MaxListBytes))
	}
	data := make([]byte, st.Size())
	if _, err := readFull(f, data); err != nil {
		return fail(err)
	}
	l, err := Parse(data)
	if err != nil {
		return fail(err)
	}
	l.ID = idOf(path)
	if !ValidID(l.ID) {
		return fail(fmt.Errorf("%q cannot name a list: use letters, digits, '.', '_' and '-'", l.ID))
	}
	return l, nil
}

func readFull(f *os.File, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := f.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// ReadDir reads the lists under dir: the list.json files of its
// subdirectories at any depth (dir may be a clone of the MISP repository,
// its lists directory, or one list's directory) and, when there are none,
// the *.json files directly in dir. A file that fails does not stop the
// others: the lists read come with one *ListError per file that failed.
func ReadDir(dir string) ([]*List, []error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "list.json" {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, []error{&ListError{File: dir, Err: err}}
	}
	if len(paths) == 0 {
		m, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			return nil, []error{&ListError{File: dir, Err: err}}
		}
		paths = m
	}
	if len(paths) == 0 {
		return nil, []error{&ListError{File: dir, Err: errors.New("no list.json or *.json file")}}
	}
	slices.Sort(paths)
	var lists []*List
	var errs []error
	for _, p := range paths {
		l, err := ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		lists = append(lists, l)
	}
	return lists, errs
}

// Policy says what a node does with an indicator whose values are all on
// warninglists when it comes in.
type Policy string

const (
	// PolicyFlag (the default) stores it; the console and the API show
	// which lists hold its values, and the matcher raises no sighting
	// for them.
	PolicyFlag Policy = "flag"
	// PolicyDrop refuses it: the object fails alone, saying which list
	// holds which value.
	PolicyDrop Policy = "drop"
)

// ParsePolicy reads "flag" or "drop".
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(s); p {
	case PolicyFlag, PolicyDrop:
		return p, nil
	}
	return "", fmt.Errorf("warninglist policy %q is not flag or drop", s)
}
