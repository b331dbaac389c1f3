package misp

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

// A MISP feed is a directory (or a URL) holding manifest.json (event uuid
// → the event's head), hashes.csv ("md5 of an attribute value,event
// uuid" per line) and one <uuid>.json per event, {"Event": {…}}.
const (
	ManifestName = "manifest.json"
	HashesName   = "hashes.csv"
)

// Fetch returns the content of one file of a feed, named relative to the
// feed's root ("manifest.json", "<uuid>.json"). The caller closes it.
// Limits on size, time and redirects are the Fetch's to apply; Read and
// ReadFeed stop at MaxFileBytes whatever it does.
type Fetch func(ctx context.Context, name string) (io.ReadCloser, error)

// DirFetch returns a Fetch that reads files from the directory dir.
func DirFetch(dir string) Fetch {
	return func(ctx context.Context, name string) (io.ReadCloser, error) {
		if name != filepath.Base(name) || strings.HasPrefix(name, ".") {
			return nil, fmt.Errorf("feed file name %q is not a plain file name", name)
		}
		return os.Open(filepath.Join(dir, name))
	}
}

// Manifest is a feed's manifest.json: the head of each event by uuid.
type Manifest map[string]EventInfo

// FeedSummary says what a feed read did.
type FeedSummary struct {
	Summary
	Listed  int // events in the manifest
	Fetched int // event files read
	Skipped int // events not changed since the time given
}

func (s FeedSummary) String() string {
	return fmt.Sprintf("%d events listed, %d fetched, %d unchanged; %s", s.Listed, s.Fetched, s.Skipped, s.Summary.String())
}

// ReadFeed reads a MISP feed through fetch with a Converter that looks
// nothing up; see Converter.ReadFeed.
func ReadFeed(ctx context.Context, fetch Fetch, since time.Time, emit func(*stix.Object) error) (FeedSummary, error) {
	return NewConverter(nil).ReadFeed(ctx, fetch, since, emit)
}

// ReadFeed reads the feed's manifest.json, then each event whose
// timestamp is after since (every event when since is zero), oldest
// first, converts it and gives its objects to emit. An event file that
// cannot be fetched or read fails alone (FeedSummary.Failures); the error
// is for a manifest that cannot be read, or emit's or ctx's.
func (c *Converter) ReadFeed(ctx context.Context, fetch Fetch, since time.Time, emit func(*stix.Object) error) (FeedSummary, error) {
	var sum FeedSummary
	m, err := readManifest(ctx, fetch)
	if err != nil {
		return sum, err
	}
	sum.Listed = len(m)
	type entry struct {
		uuid string
		ts   int64
	}
	var todo []entry
	for u, info := range m {
		ts := info.Timestamp.Int(0)
		if !since.IsZero() && ts != 0 && ts <= since.Unix() {
			sum.Skipped++
			continue
		}
		todo = append(todo, entry{u, ts})
	}
	slices.SortFunc(todo, func(a, b entry) int {
		if a.ts != b.ts {
			return int(a.ts - b.ts)
		}
		return strings.Compare(a.uuid, b.uuid)
	})
	for _, e := range todo {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		name := e.uuid + ".json"
		fail := func(err error) {
			sum.Failures = append(sum.Failures, &Failure{File: name, Event: -1, EventUUID: e.uuid, Err: err})
		}
		if _, err := normUUID(e.uuid); err != nil || !isUUID(strings.ToLower(e.uuid)) {
			fail(fmt.Errorf("manifest key %q is not an event uuid", e.uuid))
			continue
		}
		evs, fails, err := fetchEvents(ctx, fetch, name)
		sum.Failures = append(sum.Failures, fails...)
		if err != nil {
			if ctx.Err() != nil {
				return sum, ctx.Err()
			}
			fail(err)
			continue
		}
		sum.Fetched++
		for i, ev := range evs {
			s, err := c.Convert(ctx, ev, name, i, emit)
			sum.Summary.Add(s)
			if err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}

func readManifest(ctx context.Context, fetch Fetch) (Manifest, error) {
	r, err := fetch(ctx, ManifestName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: %w", ManifestName, ErrTooLarge)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m, decodeOpts); err != nil {
		return nil, fmt.Errorf("%s: not a MISP feed manifest (an object of event uuid → event): %v", ManifestName, err)
	}
	return m, nil
}

func fetchEvents(ctx context.Context, fetch Fetch, name string) ([]*Event, []*Failure, error) {
	r, err := fetch(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	return Read(r, name)
}

// WriteEvents writes events as MISP's REST API answers a search:
// {"response": [{"Event": {…}}, …]}, which MISP and PyMISP import.
func WriteEvents(w io.Writer, evs []*Event) error {
	out := struct {
		Response []Wrapped `json:"response"`
	}{Response: make([]Wrapped, len(evs))}
	for i, ev := range evs {
		out.Response[i] = Wrapped{Event: ev}
	}
	return json.MarshalWrite(w, out)
}

// FeedManifest returns the manifest of events.
func FeedManifest(evs []*Event) Manifest {
	m := make(Manifest, len(evs))
	for _, ev := range evs {
		m[ev.UUID] = ev.EventInfo
	}
	return m
}

// FeedHashes returns hashes.csv for events: the MD5 of each attribute
// value (each part of a composite one, "filename|md5") and the event's
// uuid, one per line, as MISP writes it.
func FeedHashes(evs []*Event) []byte {
	var b bytes.Buffer
	line := func(v, ev string) {
		for _, part := range strings.Split(v, "|") {
			sum := md5.Sum([]byte(part))
			b.WriteString(hex.EncodeToString(sum[:]))
			b.WriteByte(',')
			b.WriteString(ev)
			b.WriteByte('\n')
		}
	}
	for _, ev := range evs {
		for _, a := range ev.Attribute {
			line(a.Value, ev.UUID)
		}
		for _, o := range ev.Object {
			for _, a := range o.Attribute {
				line(a.Value, ev.UUID)
			}
		}
	}
	return b.Bytes()
}

// EncodeEvent returns one event file of a feed: {"Event": {…}}.
func EncodeEvent(ev *Event) ([]byte, error) {
	return json.Marshal(Wrapped{Event: ev})
}

// WriteFeed writes events as a MISP feed through put (name, content):
// manifest.json, hashes.csv and one <uuid>.json per event.
func WriteFeed(evs []*Event, put func(name string, data []byte) error) error {
	for _, ev := range evs {
		if !isUUID(ev.UUID) {
			return fmt.Errorf("event %q: uuid is not a UUID", ev.UUID)
		}
		data, err := EncodeEvent(ev)
		if err != nil {
			return fmt.Errorf("event %s: %v", ev.UUID, err)
		}
		if err := put(ev.UUID+".json", data); err != nil {
			return err
		}
	}
	m, err := json.Marshal(FeedManifest(evs), json.Deterministic(true))
	if err != nil {
		return err
	}
	if err := put(ManifestName, m); err != nil {
		return err
	}
	return put(HashesName, FeedHashes(evs))
}

// DirPut returns a put function for WriteFeed that writes files into dir,
// creating it.
func DirPut(dir string) func(name string, data []byte) error {
	return func(name string, data []byte) error {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if name != filepath.Base(name) {
			return errors.New("feed file name is not a plain file name")
		}
		return os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
}
