package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/rampart-cti/rampart/node"
)

// store is a node opened in-process for the TAXII and Import benchmarks.
type store struct {
	node    *node.Node
	dir     string // temporary data directory to remove, if any
	profile *os.File
}

// openStore opens the node cfg names, or a fresh one in a temporary
// directory when cfg.DataDir is empty, starts a CPU profile into
// cpuProfile unless it is empty, and prints the header line of the
// benchmark named name. Notices of the node go to stderr.
func openStore(ctx context.Context, cfg node.Config, cpuProfile, name string, stdout, stderr io.Writer) (*store, error) {
	s := &store{}
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "rampart-bench-")
		if err != nil {
			return nil, err
		}
		s.dir, cfg.DataDir = dir, dir
	}
	cfg.Create = true
	if cfg.Notices == nil {
		cfg.Notices = stderr
	}
	var err error
	if s.node, err = node.Open(ctx, cfg); err != nil {
		s.Close()
		return nil, err
	}
	if cpuProfile != "" {
		if err := s.startProfile(cpuProfile); err != nil {
			s.Close()
			return nil, err
		}
	}
	storeName := "SQLite"
	if cfg.PostgresURL != "" {
		storeName = "PostgreSQL"
	}
	fmt.Fprintf(stdout, "rampart bench %s: %s, GOMAXPROCS %d, %s store\n", name, runtime.Version(), runtime.GOMAXPROCS(0), storeName)
	return s, nil
}

func (s *store) startProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	s.profile = f
	return nil
}

// Close stops the profile, closes the node and removes a temporary data
// directory.
func (s *store) Close() error {
	if s.profile != nil {
		pprof.StopCPUProfile()
		s.profile.Close()
	}
	var err error
	if s.node != nil {
		err = s.node.Close()
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
	return err
}
