package bus

import (
	"context"
	"fmt"
	"testing"

	"github.com/rampart-cti/rampart"
)

// BenchmarkEnqueueObservations queues batches of 100 JSON lines (about
// 6 KiB) on the embedded server, each waiting for the stream's
// acknowledgement, as the JSON API does.
func BenchmarkEnqueueObservations(b *testing.B) {
	_, bus := openBus(b, b.TempDir(), func(bus *Bus) { bus.MaxQueuedBatches, bus.MaxQueuedBytes = -1, -1 })
	var body []byte
	for i := range 100 {
		body = fmt.Appendf(body, `{"ipv4-addr:value":"198.51.%d.%d","ts":"2026-12-01T10:00:00Z"}`+"\n", i/256, i%256)
	}
	b.SetBytes(int64(len(body)))
	ctx := context.Background()
	for b.Loop() {
		if _, err := bus.EnqueueObservations(ctx, &rampart.ObservationBatch{APIRoot: "cti", Body: body}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublishObject publishes indicator versions to the object
// stream, each waiting for the acknowledgement, as the node's publisher
// does.
func BenchmarkPublishObject(b *testing.B) {
	_, bus := openBus(b, b.TempDir(), nil)
	v := &rampart.ObjectVersion{Object: indicator(b, 1)}
	ctx := context.Background()
	seq := int64(0)
	for b.Loop() {
		seq++
		v.Seq = seq
		if err := bus.PublishObject(ctx, "cti", "c1", v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublishObjects publishes indicator versions 1,000 at a time,
// as the node's publisher does when writes come faster than one at a
// time.
func BenchmarkPublishObjects(b *testing.B) {
	_, bus := openBus(b, b.TempDir(), nil)
	ctx := context.Background()
	vs := make([]*rampart.ObjectVersion, 1000)
	seq := int64(0)
	for b.Loop() {
		for i := range vs {
			seq++
			vs[i] = &rampart.ObjectVersion{Object: indicator(b, i%250), Seq: seq}
		}
		if err := bus.PublishObjects(ctx, "cti", "c1", vs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkReadObjects reads the object stream in pages of 1,000.
func BenchmarkReadObjects(b *testing.B) {
	_, bus := openBus(b, b.TempDir(), nil)
	ctx := context.Background()
	const n = 10_000
	for i := range n {
		if err := bus.PublishObject(ctx, "cti", "c1", &rampart.ObjectVersion{Object: indicator(b, i%250), Seq: int64(i + 1)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	read := 0
	for b.Loop() {
		var after uint64
		for {
			vs, next, err := bus.ReadObjects(ctx, after, 1000, 0)
			if err != nil {
				b.Fatal(err)
			}
			read += len(vs)
			if next == after {
				break
			}
			after = next
		}
	}
	b.ReportMetric(float64(read)/b.Elapsed().Seconds(), "objects/s")
}
