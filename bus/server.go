package bus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// DefaultMaxPayload is the largest message the embedded server takes
// (8 MiB): the largest observation batch the JSON API queues.
const DefaultMaxPayload = 8 << 20

// StoreDirName is the folder of a node's data directory where the
// embedded server keeps its JetStream store.
const StoreDirName = "nats"

// Server is a NATS server with JetStream embedded in the process, for a
// node that needs no other machine: "rampart serve --bus embedded". Its
// store is a folder of the node's data directory, so queued batches and
// the object stream survive a restart.
//
// Set the fields, then Open; Close shuts it down. Not safe for concurrent
// use.
type Server struct {
	// DataDir is the node's data directory; the store is DataDir/nats.
	DataDir string
	// Listen is the host:port clients connect to (127.0.0.1 and a free
	// port when empty). Listen on other interfaces only with NATS
	// authorisation in front: the object subjects carry everything.
	Listen string
	// MaxPayload bounds one message (DefaultMaxPayload when 0).
	MaxPayload int32

	ns *server.Server
}

// Open starts the server and waits until it takes connections.
func (s *Server) Open(_ context.Context) error {
	if s.DataDir == "" {
		return errors.New("embedded NATS: a data directory is required")
	}
	host, port := "127.0.0.1", -1
	if s.Listen != "" {
		h, p, err := net.SplitHostPort(s.Listen)
		if err != nil {
			return fmt.Errorf("embedded NATS: listen address %q: %v", s.Listen, err)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("embedded NATS: listen address %q: port %q is not a number from 0 to 65535", s.Listen, p)
		}
		host, port = h, n
		if port == 0 {
			port = -1
		}
	}
	opts := &server.Options{
		ServerName: "rampart",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Join(s.DataDir, StoreDirName),
		MaxPayload: s.MaxPayload,
		NoSigs:     true,
		NoLog:      true,
	}
	if opts.MaxPayload == 0 {
		opts.MaxPayload = DefaultMaxPayload
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("embedded NATS: %v", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return errors.New("embedded NATS: not ready within 10s")
	}
	s.ns = ns
	return nil
}

// URL returns the URL clients connect to.
func (s *Server) URL() string {
	if s.ns == nil {
		return ""
	}
	return s.ns.ClientURL()
}

// Close shuts the server down and waits until it stopped.
func (s *Server) Close() error {
	if s.ns == nil {
		return nil
	}
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
	s.ns = nil
	return nil
}
