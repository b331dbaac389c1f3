package taxii_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/taxii"
)

// releaseAll is an AccessService that releases everything, so that a
// benchmark pays for asking as a node does.
type releaseAll struct{}

func (releaseAll) Reader(context.Context, *rampart.Account) (rampart.Reader, error) {
	return rampart.Reader{Relation: rampart.RelationOwn}, nil
}

func (releaseAll) Release(_ context.Context, _ rampart.Reader, _ string, objs []*stix.Object) ([]*stix.Object, error) {
	return objs, nil
}

// benchObject is a note of about size bytes.
func benchObject(t testing.TB, n, size int) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"note","spec_version":"2.1","id":"note--%08d-0000-4000-8000-000000000000","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","content":%q,"object_refs":["identity--11111111-1111-4111-8111-111111111111"]}`, n, strings.Repeat("x", max(size-250, 1))))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// BenchmarkGetObjects measures GET …/objects/ pages end to end (HTTP on
// loopback, SQLite store, Access asked): pages of 1,000 small objects, as
// most pages are, and pages of 100 objects of 1 MiB.
func BenchmarkGetObjects(b *testing.B) {
	for _, bc := range []struct {
		name          string
		stored, size  int
		limit         int
		wantPageBytes int
	}{
		{"small/1000x700B", 2000, 700, 1000, 1000 * 600},
		{"large/100x1MiB", 100, 1 << 20, 100, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			objs := make([]*stix.Object, bc.stored)
			for i := range objs {
				objs[i] = benchObject(b, i, bc.size)
			}
			hs := newHookServer(b, func(s *taxii.Server) { s.Access = releaseAll{} })
			ctx := context.Background()
			for i := 0; i < len(objs); i += 500 {
				if _, err := hs.srv.Objects.CreateObjects(ctx, hs.coll, objs[i:min(i+500, len(objs))]); err != nil {
					b.Fatal(err)
				}
			}
			url := fmt.Sprintf("%s/api/collections/%s/objects/?limit=%d", hs.url, hs.coll, bc.limit)
			var bytes int64
			b.ResetTimer()
			for b.Loop() {
				req, _ := http.NewRequest("GET", url, nil)
				req.SetBasicAuth("admin", "correct horse battery staple")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("GET: %d %v", resp.StatusCode, err)
				}
				bytes = n
			}
			b.SetBytes(bytes)
			if bytes < int64(bc.wantPageBytes) {
				b.Fatalf("page of %d bytes, want at least %d", bytes, bc.wantPageBytes)
			}
		})
	}
}
