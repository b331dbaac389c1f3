package node

import (
	"context"
	"strings"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/match"
)

// DefaultArchiveRetention is how long the values sensors reported are
// kept for retro-hunts.
const DefaultArchiveRetention = 30 * 24 * time.Hour

// archiveFlush is how many distinct values an archiver holds before it
// writes them.
const archiveFlush = 20000

// archiver keeps what one stream of sensor records named, for retro-hunts:
// each value at each path once per hour, with its count and times, written
// to the node's archive in batches.
type archiver struct {
	archive rampart.ArchiveService
	sensor  string
	pending map[archiveKey]*rampart.ArchivedValue
	err     error
}

type archiveKey struct {
	path, value string
	hour        int64
}

func newArchiver(a rampart.ArchiveService, sensor string) *archiver {
	return &archiver{archive: a, sensor: sensor, pending: map[archiveKey]*rampart.ArchivedValue{}}
}

// record notes the string values of a record, writing a batch when one is
// full.
func (a *archiver) record(ctx context.Context, r *match.Record) {
	if a.archive == nil || a.err != nil {
		return
	}
	hour := r.Time.Unix() / 3600
	for i := range r.Fields {
		f := &r.Fields[i]
		if f.Kind != match.String || f.Str == "" {
			continue
		}
		value := match.ArchiveValue(f.Key, f.Str)
		for _, path := range match.ArchivePaths(f.Key, value) {
			k := archiveKey{path, value, hour}
			if v := a.pending[k]; v != nil {
				v.Count++
				if r.Time.Before(v.First) {
					v.First = r.Time
				}
				if r.Time.After(v.Last) {
					v.Last = r.Time
				}
				continue
			}
			// The record's strings may point into the reader's buffer.
			k.path, k.value = strings.Clone(path), strings.Clone(value)
			a.pending[k] = &rampart.ArchivedValue{Path: k.path, Value: k.value, Sensor: a.sensor, First: r.Time, Last: r.Time, Count: 1}
		}
	}
	if len(a.pending) >= archiveFlush {
		a.err = a.flush(ctx)
	}
}

// flush writes what is pending.
func (a *archiver) flush(ctx context.Context) error {
	if a.archive == nil || len(a.pending) == 0 {
		return a.err
	}
	vals := make([]rampart.ArchivedValue, 0, len(a.pending))
	for _, v := range a.pending {
		vals = append(vals, *v)
	}
	clear(a.pending)
	if err := a.archive.ArchiveValues(ctx, vals); err != nil {
		return err
	}
	return a.err
}
