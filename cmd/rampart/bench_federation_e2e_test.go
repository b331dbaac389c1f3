package main

import (
	"bufio"
	"bytes"
	json "encoding/json/v2"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/internal/bench"
)

// TestBenchFederation runs "rampart bench federation" on a small Union,
// three member states and two hubs, through the code path of the full
// run: every measure is produced, the AMBER indicator reached every other
// node in every trial, and no node is left running.
func TestBenchFederation(t *testing.T) {
	dir := t.TempDir()
	out, errs, code := runCLI(t, "", nil, "bench", "federation", "--nodes", "3", "--hubs", "2", "--trials", "2",
		"--store-objects", "200", "--round-window", "30s", "--dir", dir, "--json")
	if code != 0 {
		t.Fatalf("bench federation: exit %d\n%s%s", code, out, errs)
	}
	var res bench.FederationResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("bench federation --json: %v\n%s", err, out)
	}
	for _, c := range []struct {
		name    string
		l       bench.Latency
		samples int
	}{
		{"AMBER indicator at each other node", res.Indicator, 2 * 2},
		{"AMBER indicator at all of them", res.AllWithin, 2},
		{"sighting back to the producer", res.Sighting, 2},
		{"alert at each hub", res.Alert, 2 * 2},
	} {
		if c.l.Samples != c.samples || c.l.Missed != 0 || c.l.P50 <= 0 || c.l.P99 < c.l.P50 || c.l.Max < c.l.P99 {
			t.Errorf("%s: %+v; want %d samples, none missed, 0 < p50 ≤ p99 ≤ max", c.name, c.l, c.samples)
		}
	}
	if len(res.Rounds) != 2 || res.Rounds[0].StoreObjects != 0 || res.Rounds[1].StoreObjects != 200 {
		t.Fatalf("rounds measured: %+v; want small stores, then +200 objects", res.Rounds)
	}
	for i, rc := range res.Rounds {
		// In 30 s every node pulls at least once from each idle peer: 3
		// nodes × 2 hubs, 2 hubs × 4 peers.
		if rc.Rounds < 14 || rc.Mean <= 0 || (rc.P99 < rc.Mean && rc.P99 != -1) {
			t.Errorf("rounds with nothing new %d: %+v; want at least 14, a mean and a p99 bound above it", i, rc)
		}
		m := res.Memory[i]
		if m.NodeMedian <= 0 || m.NodeMax < m.NodeMedian || m.HubMax <= 0 || m.NodeHeap <= 0 || m.NodeHeap > m.NodeMax {
			t.Errorf("memory %d: %+v", i, m)
		}
	}
	if pids := processesIn(t, dir); len(pids) > 0 {
		t.Errorf("processes still running in %s after the benchmark: %v", dir, pids)
	}
}

// TestBenchFederationStopsNodes interrupts and kills "rampart bench
// federation" once its nodes serve: none is left running either way.
func TestBenchFederationStopsNodes(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(rampartBinary(t), "bench", "federation", "--nodes", "3", "--hubs", "2", "--dir", dir)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			serving := make(chan bool, 1)
			go func() {
				sc := bufio.NewScanner(io.TeeReader(stderr, &log))
				for sc.Scan() {
					if strings.Contains(sc.Text(), "hubs serving in") {
						serving <- true
					}
				}
				close(serving)
			}()
			select {
			case ok := <-serving:
				if !ok {
					cmd.Wait()
					t.Fatalf("the benchmark ended before its nodes served:\n%s", log.String())
				}
			case <-time.After(3 * time.Minute):
				cmd.Process.Kill()
				t.Fatal("the nodes did not serve within 3 minutes")
			}
			// The benchmark names dir too.
			if pids := processesIn(t, dir); len(pids) != 1+5 || !slices.Contains(pids, cmd.Process.Pid) {
				t.Errorf("processes naming %s: %v; want the benchmark (%d) and 5 nodes", dir, pids, cmd.Process.Pid)
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			deadline := time.Now().Add(30 * time.Second)
			for {
				pids := processesIn(t, dir)
				if len(pids) == 0 {
					break
				}
				if time.Now().After(deadline) {
					for _, p := range pids {
						syscall.Kill(p, syscall.SIGKILL)
					}
					t.Fatalf("after %s, nodes still running: %v", sig, pids)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

// processesIn returns the processes whose command line names dir, from
// /proc.
func processesIn(t *testing.T, dir string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("read /proc: %v (the federation benchmark runs on Linux)", err)
	}
	var pids []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte(dir)) {
			if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && bytes.Contains(st, []byte(") Z ")) {
				continue // a zombie is dead
			}
			pids = append(pids, pid)
		}
	}
	return pids
}
