package bench

import (
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/progress"
	"github.com/rampart-cti/rampart/node"
	"github.com/rampart-cti/rampart/stix"
)

// Import measures a streamed import: a generated bundle of Size bytes
// goes through ImportFile into the node's default collection while the
// Go heap is sampled.
type Import struct {
	// Node is the node to import into; an empty DataDir means a fresh
	// store in a temporary directory, removed at the end.
	Node node.Config
	// CPUProfile, if not empty, is the file a CPU profile of the run is
	// written to.
	CPUProfile string
	// Size is the size of the bundle in bytes.
	Size int64
	// ImportFile streams the bundle r into collection c of n, as "rampart
	// import" does, and returns how many objects it added and how long it
	// took.
	ImportFile func(ctx context.Context, n *node.Node, c *rampart.Collection, r io.Reader) (added int, elapsed time.Duration, err error)

	Stdout io.Writer // results
	Stderr io.Writer // notices of the node
}

// Run opens the node, imports the bundle and prints the rate and the peak
// Go heap in use. It returns the error of opening the node or of the
// import.
func (b *Import) Run(ctx context.Context) error {
	s, err := openStore(ctx, b.Node, b.CPUProfile, "import", b.Stdout, b.Stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	coll, err := s.node.FindCollection(ctx, node.DefaultAPIRoot, node.DefaultCollection)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go writeBundle(pw, b.Size)
	var peak atomic.Uint64
	done := make(chan struct{})
	go sampleHeap(&peak, done)
	added, elapsed, err := b.ImportFile(ctx, s.node, coll, pr)
	close(done)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.Stdout, "import: %s bundle, %d objects in %.1fs: %.0f objects/s, %.1f MiB/s; peak Go heap in use %.1f MiB\n",
		progress.FormatBytes(b.Size), added, elapsed.Seconds(), float64(added)/elapsed.Seconds(),
		float64(b.Size)/(1<<20)/elapsed.Seconds(), float64(peak.Load())/(1<<20))
	return nil
}

// writeBundle writes a bundle of indicators of at least size bytes to pw
// and closes it.
func writeBundle(pw *io.PipeWriter, size int64) {
	run := fmt.Sprintf("%08x", mrand.Uint32())
	w := &countingWriter{w: pw}
	io.WriteString(w, `{"type":"bundle","id":"bundle--`+stix.NewUUID()+`","objects":[`)
	for i := 0; w.n < size; i++ {
		if i > 0 {
			io.WriteString(w, ",\n")
		}
		w.Write(indicator(run, i))
	}
	io.WriteString(w, "]}")
	pw.Close()
}

// sampleHeap records the peak of the Go heap in use every 50 ms until
// done is closed.
func sampleHeap(peak *atomic.Uint64, done <-chan struct{}) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	var ms runtime.MemStats
	for {
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > peak.Load() {
			peak.Store(ms.HeapInuse)
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
