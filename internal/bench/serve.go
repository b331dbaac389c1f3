package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// serveProcess is the "rampart serve" child process of the Pages
// benchmark, logging JSON, its whole log kept.
type serveProcess struct {
	cmd  *exec.Cmd
	base string // http://ADDR
	log  *lockedBuffer
	done chan error
}

// servingRE finds the address in the line "rampart serve" logs once it
// serves.
var servingRE = regexp.MustCompile(`serving TAXII 2.1 at (https?://[^/\s]+)/taxii2/`)

// startServe starts bin serving a fresh node in dir on a loopback port,
// and waits (at most 60 s) until it serves.
func startServe(ctx context.Context, bin, dir, password string) (*serveProcess, error) {
	cmd := exec.Command(bin, "serve", "--data", dir, "--listen", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(os.Environ(), "RAMPART_ADMIN_PASSWORD="+password)
	pr, pw := io.Pipe()
	p := &serveProcess{cmd: cmd, log: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = io.MultiWriter(pw, p.log)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	go func() { p.done <- cmd.Wait(); pw.Close() }()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if mm := servingRE.FindStringSubmatch(sc.Text()); mm != nil {
				found <- mm[1]
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case p.base = <-found:
		return p, nil
	case err := <-p.done:
		return nil, fmt.Errorf("%s serve exited: %v\n%s", bin, err, p.log.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("%s serve did not start within 60s:\n%s", bin, p.log.String())
	case <-ctx.Done():
		cmd.Process.Kill()
		return nil, ctx.Err()
	}
}

// stop ends the serve process: SIGINT, then SIGKILL after 30 s.
func (p *serveProcess) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// settle waits until the process's VmRSS has not grown for quiet, and
// returns it (at most a minute).
func (p *serveProcess) settle(ctx context.Context, quiet time.Duration) (int64, error) {
	last, err := procStatus(p.cmd.Process.Pid, "VmRSS")
	if err != nil {
		return 0, err
	}
	since := time.Now()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		rss, err := procStatus(p.cmd.Process.Pid, "VmRSS")
		if err != nil {
			return 0, err
		}
		if rss > last {
			last, since = rss, time.Now()
		}
		if time.Since(since) >= quiet {
			return rss, nil
		}
	}
	return last, nil
}

// procStatus reads a memory field (in kB) of /proc/PID/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read the node's memory: %w (the memory benchmarks need Linux's /proc)", err)
	}
	for line := range strings.Lines(string(b)) {
		if name, rest, ok := strings.Cut(line, ":"); ok && name == field {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/status: %s: %q", pid, field, rest)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// lockedBuffer collects a child's log for several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
