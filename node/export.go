package node

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// exportPage is how many versions WriteBundle reads from the store at a
// time.
const exportPage = 1000

// WriteBundle writes the object versions f selects as one STIX 2.1 bundle
// to w, one object a line, in the order they were added, reading the store
// a page at a time so that its size is not limited by memory; it returns
// how many objects it wrote. It sets f.Limit and f.AfterSeq itself.
// progress, when set, is called after each page with the bytes and the
// number of objects written so far. An error of w is returned as "write
// bundle: …"; objects written before an error stay written.
func (n *Node) WriteBundle(ctx context.Context, w io.Writer, f rampart.ObjectFilter, progress func(bytes, objects int64)) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	var count, bytes int64
	fmt.Fprintf(bw, `{"type":"bundle","id":%q,"objects":[`, stix.NewID("bundle"))
	f.Limit, f.AfterSeq = exportPage, 0
	for {
		page, err := n.Objects.FindObjects(ctx, f)
		if err != nil {
			return count, err
		}
		for _, v := range page.Versions {
			if count > 0 {
				bw.WriteByte(',')
			}
			bw.WriteByte('\n')
			bw.Write(v.Object.Raw)
			count++
			bytes += int64(len(v.Object.Raw))
		}
		if progress != nil {
			progress(bytes, count)
		}
		if !page.More || len(page.Versions) == 0 {
			break
		}
		f.AfterSeq = page.Versions[len(page.Versions)-1].Seq
	}
	bw.WriteString("\n]}\n")
	if err := bw.Flush(); err != nil {
		return count, fmt.Errorf("write bundle: %v", err)
	}
	return count, nil
}
