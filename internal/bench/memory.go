package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// settle waits until the process's VmRSS has not grown for quiet, and
// returns it (at most a minute).
func (p *target) settle(ctx context.Context, quiet time.Duration) (int64, error) {
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
