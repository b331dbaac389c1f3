package rampart

import (
	"context"
	"time"
)

// SearchQuery says what to look for in some collections: words and values
// in the latest version of each object, narrowed by type, author,
// marking and time. Every condition given must hold.
//
// Text is a list of terms separated by spaces, all of which must match:
//
//	APT29 phishing            both words, anywhere in the object's text
//	"cozy bear"               a phrase: the words in this order, side by side
//	cozy*                     a word that begins so (prefix search)
//	198.51.100.7              a value: an IP address, CIDR, domain, URL,
//	evil.example.com          e-mail address, hash, STIX id or other token
//	d41d8cd98f00b204e9800998ecf8427e  with ".", ":", "/", "\" or "@" in it,
//	bob@example.org           or a hexadecimal hash
//
// Words match the name, aliases (aliases, x_mitre_aliases) and external
// ids (external_references' external_id, such as ATT&CK's "G0016" or
// "T1059") of an object, its description, labels and the values it names,
// whatever their case. An object whose name, aliases or external ids hold
// every word ranks above one that says them elsewhere.
//
// A value matches the objects that name exactly that value, whatever its
// case, wherever they name it: an indicator's STIX pattern (each value
// its comparisons test for equality, IN or ISSUBSET), an observable's
// value, name or hashes, a sighting's sighting_of_ref, a relationship's
// source and target, or a token of its text. 198.51.100.7 does not
// match 198.51.100.70. A domain also matches its subdomains, and URLs and
// e-mail addresses on it or them: evil.example.com matches
// a.evil.example.com and http://evil.example.com/x, never example.com.
// Defanged values ("evil[.]example[.]com", "hxxp://…") are read as the
// values they stand for.
//
// Nothing else in Text is an operator: AND, OR and NOT are words. A Text
// longer than MaxSearchTextBytes, with more than MaxSearchTerms terms or an
// unclosed quote is invalid.
type SearchQuery struct {
	// CollectionIDs are the collections to search: at least one, at most
	// MaxSearchCollections.
	CollectionIDs []string
	// Text is the free text described above; empty means no text
	// condition.
	Text string
	// Types keeps objects of these STIX types; empty means every type.
	Types []string
	// CreatedBy keeps objects whose created_by_ref is this identity id.
	CreatedBy string
	// Marking keeps objects whose object_marking_refs hold this
	// marking-definition id.
	Marking string
	// Since and Until keep objects whose modified time (created, for an
	// object without modified) is at or after Since and before Until; a
	// zero time leaves that side unbounded. With either set, objects with
	// neither time (some SCOs) are left out.
	Since, Until time.Time
	// Limit is the page size: 0 means DefaultSearchLimit, and more than
	// MaxSearchLimit means MaxSearchLimit.
	Limit int
	// Cursor resumes a search after the page whose Next it was; it is
	// valid for the same query only (any field but Limit changed makes it
	// invalid).
	Cursor string
}

// Limits of a SearchQuery.
const (
	MaxSearchTextBytes   = 256
	MaxSearchTerms       = 32
	MaxSearchCollections = 100
	MaxSearchTypes       = 100
	DefaultSearchLimit   = 50
	MaxSearchLimit       = 500
	// MaxSearchTotal caps SearchPage.Total: counting stops there.
	MaxSearchTotal = 10000
)

// SearchHit is one object found: its latest version in the collection.
type SearchHit struct {
	CollectionID string
	// Version is the object's latest version, with Object.Raw.
	Version *ObjectVersion
	// Rank orders the hits, higher first: 2 when every word of the text
	// is in the object's name, aliases or external ids, 1 otherwise (and
	// for every hit of a search without words). Hits of one rank come
	// newest first (the most recently stored version first).
	Rank float64
}

// SearchPage is one page of hits.
type SearchPage struct {
	Hits []SearchHit
	// Next is the Cursor of the next page, "" when there is none.
	Next string
	// Total is the number of objects that match, at most MaxSearchTotal
	// (which then means "at least that many"), as counted for the first
	// page; -1 when it was not counted, because counting would have taken
	// longer than a page (stores give it 50 ms).
	Total int
}

// SearchService finds objects by what they say and name. Implementations
// are safe for concurrent use.
type SearchService interface {
	// SearchObjects returns one page of the objects that match q, best
	// first. The index it searches is written in the transaction that
	// stores each version, so it never disagrees with FindObjects. It
	// returns EINVALID, saying what is wrong, for a malformed query
	// (unclosed quote, text too long, a cursor of another query) and
	// ENOTFOUND when a collection does not exist.
	SearchObjects(ctx context.Context, q SearchQuery) (*SearchPage, error)
}
