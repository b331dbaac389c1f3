// Package pgtest gives tests a PostgreSQL server: a throwaway one started
// from the PostgreSQL binaries on the PATH (initdb, postgres), or the
// server named by RAMPART_TEST_POSTGRES. Each test gets a database of its
// own from NewDatabase.
//
// A test binary that uses it runs its tests through Main, which stops the
// server when they end, pass or fail; the server also dies with the test
// process if that is killed. When the binaries are missing, NewDatabase
// fails the test with a message saying what to install: tests that need
// PostgreSQL never silently pass.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable that points tests at an existing
// server instead ("postgres://user:pw@host:5432/postgres"); the role must
// be allowed to create databases.
const EnvDSN = "RAMPART_TEST_POSTGRES"

// Server is a running PostgreSQL server.
type Server struct {
	// DSN connects to its maintenance database as a superuser.
	DSN string

	dir  string        // temporary directory (data, socket, log); "" for an external server
	proc *os.Process   // the postmaster
	done chan struct{} // closed when the postmaster has exited
}

// Start starts a new server in a temporary directory, listening only on a
// unix socket there, tuned for tests (no fsync). As root it runs the
// server as the "postgres" system user, since PostgreSQL refuses to run as
// root. It returns an error naming what is missing when initdb or postgres
// is not on the PATH.
func Start(ctx context.Context) (*Server, error) {
	initdb, err := exec.LookPath("initdb")
	if err != nil {
		return nil, errMissing("initdb")
	}
	postgres, err := exec.LookPath("postgres")
	if err != nil {
		return nil, errMissing("postgres")
	}
	removeStale()
	dir, err := os.MkdirTemp("", "rampart-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, done: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			s.Stop()
		}
	}()
	cred, err := serverCredential(dir)
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	cmd := exec.CommandContext(ctx, initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	if cred != nil {
		os.Chown(logf.Name(), int(cred.Uid), int(cred.Gid))
	}
	args := []string{"-D", data, "-k", dir, "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=128MB"}
	started := make(chan error, 1)
	go func() {
		// The postmaster is killed when the thread that started it dies
		// (Pdeathsig), so this goroutine keeps its thread for as long as
		// the postmaster runs: then the server dies with the test process
		// and never outlives it.
		runtime.LockOSThread()
		cmd := exec.Command(postgres, args...)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
		if err := cmd.Start(); err != nil {
			started <- err
			close(s.done)
			return
		}
		s.proc = cmd.Process
		started <- nil
		cmd.Wait()
		close(s.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start postgres: %v", err)
	}
	s.DSN = fmt.Sprintf("host=%s port=5432 user=postgres dbname=postgres sslmode=disable", dir)
	if err := s.wait(ctx); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		return nil, fmt.Errorf("postgres did not start: %v\n%s", err, log)
	}
	ok = true
	return s, nil
}

// removeStale removes the directories of servers whose test process was
// killed before it could clean up (the server died with it): those older
// than a minute whose postmaster is not running.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "rampart-pg-*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || time.Since(fi.ModTime()) < time.Minute {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			line, _, _ := strings.Cut(string(b), "\n")
			if pid, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && syscall.Kill(pid, 0) == nil {
				continue // still running
			}
		}
		os.RemoveAll(dir)
	}
}

func errMissing(bin string) error {
	return fmt.Errorf("%s not found on the PATH: the PostgreSQL tests need PostgreSQL 15's binaries "+
		"(Debian: apt-get install postgresql-15, then add /usr/lib/postgresql/15/bin to the PATH), "+
		"or %s set to the DSN of a server where the role may create databases", bin, EnvDSN)
}

// serverCredential returns the credential to run the server with: none
// unless the test runs as root, then the "postgres" user's, after giving
// that user the directory.
func serverCredential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as another user, and there is no \"postgres\" user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// wait polls until the server accepts connections, it exits, or 60 s pass.
func (s *Server) wait(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := pgx.Connect(ctx, s.DSN)
		if err == nil {
			return c.Close(ctx)
		}
		select {
		case <-s.done:
			return errors.New("the server exited")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

// Stop stops a server that Start started (fast shutdown, then a kill after
// 10 s) and removes its directory; it does nothing for an external server.
func (s *Server) Stop() error {
	if s.dir == "" {
		return nil
	}
	if s.proc != nil {
		s.proc.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.proc.Kill()
			<-s.done
		}
	}
	return os.RemoveAll(s.dir)
}

// CreateDatabase creates a new, empty database and returns its DSN.
func (s *Server) CreateDatabase(ctx context.Context, name string) (string, error) {
	c, err := pgx.Connect(ctx, s.DSN)
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	return withDatabase(s.DSN, name), nil
}

// DropDatabase drops a database made by CreateDatabase, closing its
// connections.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	c, err := pgx.Connect(ctx, s.DSN)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// withDatabase returns dsn (keyword/value or URL form) naming database db.
func withDatabase(dsn, db string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		base, query, _ := strings.Cut(dsn, "?")
		scheme, rest, _ := strings.Cut(base, "://")
		host, _, _ := strings.Cut(rest, "/")
		out := scheme + "://" + host + "/" + db
		if query != "" {
			out += "?" + query
		}
		return out
	}
	var kept []string
	for _, f := range strings.Fields(dsn) {
		if !strings.HasPrefix(f, "dbname=") {
			kept = append(kept, f)
		}
	}
	return strings.Join(append(kept, "dbname="+db), " ")
}

// The server shared by the tests of one test binary, started on first use.
var (
	shared    *Server
	sharedErr error
	sharedMu  sync.Mutex
	dbCount   atomic.Int64
)

func sharedServer(ctx context.Context) (*Server, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil || sharedErr != nil {
		return shared, sharedErr
	}
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		shared = &Server{DSN: dsn}
		return shared, nil
	}
	shared, sharedErr = Start(ctx)
	return shared, sharedErr
}

// Main runs the tests of m and then stops the shared server, whatever the
// outcome; call it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stop server: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
		shared = nil
	}
	return code
}

// NewDatabase returns the DSN of a new, empty database on the shared
// server (starting it on first use) that is dropped when t ends. It fails
// t when no server can be had.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	s, err := sharedServer(ctx)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name := fmt.Sprintf("rampart_test_%d_%d", os.Getpid(), dbCount.Add(1))
	dsn, err := s.CreateDatabase(ctx, name)
	if err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := s.DropDatabase(ctx, name); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return dsn
}
