package taxii

import (
	"context"

	"github.com/rampart-cti/rampart"
)

// chunkGrowth is how many times more versions a read may ask for than the
// read before it.
const chunkGrowth = 16

// A chunkReader reads the versions a filter selects a part at a time, so
// that one read brings about budget bytes of stored JSON into memory
// rather than a whole page: a page of 1,000 versions of 16 MiB each read
// at once would take 16 GiB. It guesses each read's size from what it has
// read; pages of objects (readObjectPage) do not need to guess, as they
// learn each version's size (ObjectVersion.Size) from a metadata-only
// listing first, and chunkReader serves the listings that Access must see
// whole objects for (manifests, version lists, objectExists).
//
// The first read asks for one version; each following read asks for as
// many as the largest version seen so far allows within budget, but at
// most chunkGrowth times as many as the read before. A page of 1,000 small
// objects takes four reads (1, 16, 256, then the rest); a page of large
// ones one read per budget's worth. What it does not bound: versions far
// larger than all those before them arrive together, up to chunkGrowth
// times the previous count of them (each at most stix.MaxObjectBytes).
//
// Metadata-only reads (no JSON) take the whole count at once.
type chunkReader struct {
	objects rampart.ObjectService
	filter  rampart.ObjectFilter // the next read's; AfterSeq moves on
	left    int                  // versions still wanted
	budget  int64
	count   int   // versions the next read asks for
	largest int64 // the largest version read so far, in bytes
	more    bool  // versions after the last one read match too
	done    bool
}

// newChunkReader returns a reader of at most limit versions that filter
// selects, from filter.AfterSeq on.
func newChunkReader(objects rampart.ObjectService, filter rampart.ObjectFilter, limit int, budget int64) *chunkReader {
	c := &chunkReader{objects: objects, filter: filter, left: limit, budget: max(budget, 1), count: 1}
	if filter.MetadataOnly {
		c.count = limit
	}
	return c
}

// next returns the next versions, none once the limit is reached or the
// store holds no more, or the store's error.
func (c *chunkReader) next(ctx context.Context) ([]*rampart.ObjectVersion, error) {
	if c.done || c.left <= 0 {
		return nil, nil
	}
	f := c.filter
	f.Limit = max(min(c.count, c.left, rampart.MaxPageSize), 1)
	page, err := c.objects.FindObjects(ctx, f)
	if err != nil {
		return nil, err
	}
	vs := page.Versions
	if len(vs) > f.Limit {
		vs = vs[:f.Limit]
	}
	c.left -= len(vs)
	c.more = page.More || len(vs) < len(page.Versions)
	if !c.more || len(vs) == 0 {
		c.done = true
		return vs, nil
	}
	c.filter.AfterSeq = vs[len(vs)-1].Seq
	if c.filter.MetadataOnly {
		c.count = c.left
		return vs, nil
	}
	for _, v := range vs {
		c.largest = max(c.largest, int64(len(v.Object.Raw)))
	}
	n := c.budget / max(c.largest, 1)
	c.count = int(max(min(n, int64(c.count)*chunkGrowth), 1))
	return vs, nil
}
