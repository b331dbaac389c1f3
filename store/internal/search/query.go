package search

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/internal/versions"
)

// A Phrase is a word term of a query, or a quoted phrase: its words must
// follow one another in the text.
type Phrase struct {
	Words []string
	// Prefix says that the last word is a prefix ("cozy*").
	Prefix bool
}

// Query is a checked rampart.SearchQuery.
type Query struct {
	CollectionIDs []string // sorted, each once
	Phrases       []Phrase
	values        []value
	Types         []string // sorted, each once
	// createdBy and marking are ids in lower case, as the columns
	// search_docs.created_by and markings hold them; "" for none.
	createdBy, marking string
	// since and until are version keys (stix.Timestamp.Key), "" for no
	// bound.
	since, until string
	Limit        int
	// cursor is where the page begins; nil for the first page.
	cursor *cursor
	// sum identifies the query in its cursors.
	sum uint64
}

// Parse checks q and returns it as a Query. Errors are EINVALID and say
// what is wrong: "search text: the quote opened at column 7 is not
// closed".
func Parse(q rampart.SearchQuery) (*Query, error) {
	out := &Query{Limit: q.Limit}
	switch n := len(q.CollectionIDs); {
	case n == 0:
		return nil, rampart.Errorf(rampart.EINVALID, "search: at least one collection id is required")
	case n > rampart.MaxSearchCollections:
		return nil, rampart.Errorf(rampart.EINVALID, "search: at most %d collections are allowed (got %d)", rampart.MaxSearchCollections, n)
	}
	for _, id := range q.CollectionIDs {
		if err := versions.CheckCollectionID(id); err != nil {
			return nil, err
		}
	}
	out.CollectionIDs = sortedSet(q.CollectionIDs)
	if len(q.Types) > rampart.MaxSearchTypes {
		return nil, rampart.Errorf(rampart.EINVALID, "search: at most %d types are allowed (got %d)", rampart.MaxSearchTypes, len(q.Types))
	}
	for _, t := range q.Types {
		if err := stix.CheckTypeName(t); err != nil {
			return nil, rampart.Errorf(rampart.EINVALID, "search: type %q is not a STIX type name", t)
		}
	}
	out.Types = sortedSet(q.Types)
	if q.CreatedBy != "" {
		if typ, _, err := stix.ParseID(q.CreatedBy); err != nil || typ != "identity" {
			return nil, rampart.Errorf(rampart.EINVALID, "search: created_by %q is not an identity id (identity--<UUID>)", q.CreatedBy)
		}
		out.createdBy = strings.ToLower(q.CreatedBy)
	}
	if q.Marking != "" {
		if typ, _, err := stix.ParseID(q.Marking); err != nil || typ != "marking-definition" {
			return nil, rampart.Errorf(rampart.EINVALID, "search: marking %q is not a marking-definition id (marking-definition--<UUID>)", q.Marking)
		}
		out.marking = strings.ToLower(q.Marking)
	}
	var err error
	if out.since, err = timeKey("since", q.Since); err != nil {
		return nil, err
	}
	if out.until, err = timeKey("until", q.Until); err != nil {
		return nil, err
	}
	if out.since != "" && out.until != "" && out.since >= out.until {
		return nil, rampart.Errorf(rampart.EINVALID, "search: since (%s) must be before until (%s)", q.Since.UTC().Format(time.RFC3339Nano), q.Until.UTC().Format(time.RFC3339Nano))
	}
	switch {
	case q.Limit < 0:
		return nil, rampart.Errorf(rampart.EINVALID, "search: limit must not be negative (got %d)", q.Limit)
	case q.Limit == 0:
		out.Limit = rampart.DefaultSearchLimit
	case q.Limit > rampart.MaxSearchLimit:
		out.Limit = rampart.MaxSearchLimit
	}
	if err := out.parseText(q.Text); err != nil {
		return nil, err
	}
	out.sum = out.fingerprint(q.Text)
	if q.Cursor != "" {
		if out.cursor, err = parseCursor(q.Cursor, out.sum); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ParseText parses the text of a query on its own, for tests and fuzzing:
// its phrases and the index keys of its values.
func ParseText(text string) (phrases []Phrase, keys []string, err error) {
	var q Query
	if err := q.parseText(text); err != nil {
		return nil, nil, err
	}
	for _, v := range q.values {
		keys = append(keys, v.Key)
	}
	return q.Phrases, keys, nil
}

// parseText reads the terms of text into q.Phrases and q.values.
//
//	text   = { space } [ term { space { space } term } ] { space }
//	term   = phrase [ "*" ] | token
//	phrase = '"' { any character but '"' } '"'
//	token  = { any character but space and '"' }     (ending in "*": a prefix)
func (q *Query) parseText(text string) error {
	if len(text) > rampart.MaxSearchTextBytes {
		return rampart.Errorf(rampart.EINVALID, "search text: at most %d bytes are allowed (got %d)", rampart.MaxSearchTextBytes, len(text))
	}
	if !utf8.ValidString(text) {
		return rampart.Errorf(rampart.EINVALID, "search text: not valid UTF-8")
	}
	terms := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
			continue
		case r == '"':
			end := strings.IndexByte(text[i+1:], '"')
			if end < 0 {
				return rampart.Errorf(rampart.EINVALID, "search text: the quote opened at column %d is not closed", utf8.RuneCountInString(text[:i])+1)
			}
			inner := text[i+1 : i+1+end]
			i += end + 2
			prefix := false
			for i < len(text) && text[i] == '*' {
				prefix = true
				i++
			}
			if err := q.addPhrase(inner, prefix, true); err != nil {
				return err
			}
		default:
			start := i
			for i < len(text) {
				r, size := utf8.DecodeRuneInString(text[i:])
				if unicode.IsSpace(r) || r == '"' {
					break
				}
				i += size
			}
			tok := text[start:i]
			prefix := strings.HasSuffix(tok, "*")
			tok = strings.TrimRight(tok, "*")
			if tok == "" {
				return rampart.Errorf(rampart.EINVALID, "search text: \"*\" at column %d ends no word (write a word before it, as in cozy*)", utf8.RuneCountInString(text[:i]))
			}
			if err := q.addPhrase(tok, prefix, false); err != nil {
				return err
			}
		}
		if terms++; terms > rampart.MaxSearchTerms {
			return rampart.Errorf(rampart.EINVALID, "search text: at most %d terms are allowed", rampart.MaxSearchTerms)
		}
	}
	return nil
}

// addPhrase adds one term: a value when s is one token that is a value,
// otherwise the phrase of its words (none: nothing).
func (q *Query) addPhrase(s string, prefix, quoted bool) error {
	if !strings.ContainsFunc(s, unicode.IsSpace) {
		if v, ok := parseValue(s); ok {
			if prefix {
				return rampart.Errorf(rampart.EINVALID, "search text: %q: a prefix (*) ends a word, not a value such as an address, domain or hash", s+"*")
			}
			q.values = append(q.values, v)
			return nil
		}
	}
	words := Words(nil, s)
	if len(words) == 0 {
		if quoted && prefix {
			return rampart.Errorf(rampart.EINVALID, "search text: the prefix %q has no word to end", "\""+s+"\"*")
		}
		return nil
	}
	q.Phrases = append(q.Phrases, Phrase{Words: words, Prefix: prefix})
	return nil
}

// timeKey returns the version key of a bound, "" for a zero time.
func timeKey(name string, t time.Time) (string, error) {
	if t.IsZero() {
		return "", nil
	}
	t = t.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		return "", rampart.Errorf(rampart.EINVALID, "search: %s must be a time between the years 1 and 9999 (got %s)", name, t.Format(time.RFC3339))
	}
	return t.Format(keyLayout), nil
}

// keyLayout is stix.Timestamp.Key's: the objects table's version column.
const keyLayout = "2006-01-02T15:04:05.000000000Z"

// fingerprint identifies everything of the query but its page size, so
// that a cursor is used with the query it came from only.
func (q *Query) fingerprint(text string) uint64 {
	h := fnv.New64a()
	for _, part := range [][]string{q.CollectionIDs, {text}, q.Types, {q.createdBy, q.marking, q.since, q.until}} {
		for _, s := range part {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
	}
	return h.Sum64()
}

func sortedSet(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// A cursor is where the next page begins: after the hit of rank tier
// whose version has Seq seq. It carries the first page's total too.
type cursor struct {
	tier  int
	seq   int64
	total int
	sum   uint64
}

const cursorPrefix = "s1."

func (c *cursor) String() string {
	text := fmt.Sprintf("%d.%d.%d.%x", c.tier, c.seq, c.total, c.sum)
	return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(text))
}

// parseCursor reads a cursor of the query whose fingerprint is sum.
func parseCursor(s string, sum uint64) (*cursor, error) {
	bad := rampart.Errorf(rampart.EINVALID, "search: cursor %q is not one that a search returned", s)
	if len(s) > 200 || !strings.HasPrefix(s, cursorPrefix) {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s[len(cursorPrefix):])
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(b), ".")
	if len(parts) != 4 {
		return nil, bad
	}
	var c cursor
	tier, err1 := strconv.Atoi(parts[0])
	seq, err2 := strconv.ParseInt(parts[1], 10, 64)
	total, err3 := strconv.Atoi(parts[2])
	c.sum, err = strconv.ParseUint(parts[3], 16, 64)
	if err1 != nil || err2 != nil || err3 != nil || err != nil || tier < 1 || tier > 2 || seq < 1 || total < -1 || total > rampart.MaxSearchTotal {
		return nil, bad
	}
	c.tier, c.seq, c.total = tier, seq, total
	if c.sum != sum {
		return nil, rampart.Errorf(rampart.EINVALID, "search: the cursor belongs to another search (the text, collections or filters changed); start again without it")
	}
	return &c, nil
}
