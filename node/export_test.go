package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

func TestWriteBundle(t *testing.T) {
	an := openAuditNode(t, false, false)
	ctx, c := context.Background(), an.defaultCollection(t)
	var objs []*stix.Object
	for i := range exportPage + exportPage/2 { // two pages
		o, err := stix.ParseObject(fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-1111-4111-8111-111111111111","created":"2026-01-05T10:00:00.000Z","modified":"2026-01-05T10:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-01-05T10:00:00Z"}`, i))
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	if _, err := an.Objects.CreateObjects(ctx, c.ID, objs); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	calls := 0
	n, err := an.WriteBundle(ctx, &buf, rampart.ObjectFilter{CollectionID: c.ID}, func(_, _ int64) { calls++ })
	if err != nil || n != int64(len(objs)) || calls != 2 {
		t.Fatalf("WriteBundle = %d, %v after %d progress calls; want %d objects in 2 pages", n, err, calls, len(objs))
	}
	b, err := stix.ParseBundle(buf.Bytes())
	if err != nil || len(b.Objects) != len(objs) || b.Objects[0].ID != objs[0].ID || b.Objects[len(objs)-1].ID != objs[len(objs)-1].ID {
		t.Fatalf("the bundle written does not hold the objects in the order added (%v)", err)
	}
	if got := bytes.Count(buf.Bytes(), []byte("\n")); got != len(objs)+2 {
		t.Errorf("bundle of %d objects has %d lines, want one per object and two", len(objs), got)
	}

	buf.Reset()
	if n, err := an.WriteBundle(ctx, &buf, rampart.ObjectFilter{CollectionID: c.ID, Types: []string{"malware"}}, nil); err != nil || n != 0 {
		t.Errorf("WriteBundle of no object = %d, %v", n, err)
	}
	if _, err := an.WriteBundle(ctx, failingWriter{}, rampart.ObjectFilter{CollectionID: c.ID}, nil); err == nil || err.Error() != "write bundle: disk full" {
		t.Errorf("WriteBundle to a failing writer: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
