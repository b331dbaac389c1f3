package ingest

import "time"

// State is what became of one object of a stream.
type State int

const (
	// Added: the collection now holds the object's version.
	Added State = iota
	// Present: the collection held the version already; nothing changed.
	Present
	// Invalid: the object was refused on its own (Outcome.Err says why,
	// as a *stix.ObjectError naming where it was); the stream went on.
	Invalid
	// NotStored: the object was valid, but the ingest stopped before it
	// was stored (Outcome.Err is why it stopped).
	NotStored
)

func (s State) String() string {
	switch s {
	case Added:
		return "added"
	case Present:
		return "present"
	case Invalid:
		return "invalid"
	case NotStored:
		return "not stored"
	}
	return "unknown"
}

// Outcome is what became of one object of a stream.
type Outcome struct {
	// Index is the object's position in the stream, from 0.
	Index int
	// ID and Version (modified, else created, as written) name the
	// object, as far as it could be read: "" when it had none.
	ID, Version string
	State       State
	// DateAdded is when the collection received the version (the
	// earlier time for one it held already); zero unless stored.
	DateAdded time.Time
	// Err says why an object is Invalid or NotStored.
	Err error
}

// Summary counts the outcomes of one stream.
type Summary struct {
	Added, Present, Invalid, NotStored int
}

// Read returns how many objects were read.
func (s Summary) Read() int { return s.Added + s.Present + s.Invalid + s.NotStored }

// Stored returns how many objects the collection holds from the stream.
func (s Summary) Stored() int { return s.Added + s.Present }

// Add adds t's counts to s.
func (s *Summary) Add(t Summary) {
	s.Added += t.Added
	s.Present += t.Present
	s.Invalid += t.Invalid
	s.NotStored += t.NotStored
}

func (s *Summary) count(st State) {
	switch st {
	case Added:
		s.Added++
	case Present:
		s.Present++
	case Invalid:
		s.Invalid++
	case NotStored:
		s.NotStored++
	}
}
