package match

import (
	"io"
	"os"
	"path/filepath"
)

// WriteFiles writes what the generator makes into the directory dir,
// which it creates if need be: indicators.jsonl (WriteIndicators),
// values.txt (WriteValues) and log.jsonl (WriteLog). It returns how many
// hits the log holds, and the first error of a file.
func (g *Generator) WriteFiles(dir string) (planted int, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	write := func(name string, fn func(io.Writer) error) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if err := write("indicators.jsonl", g.WriteIndicators); err != nil {
		return 0, err
	}
	if err := write("values.txt", g.WriteValues); err != nil {
		return 0, err
	}
	err = write("log.jsonl", func(w io.Writer) (err error) { planted, err = g.WriteLog(w); return err })
	return planted, err
}
