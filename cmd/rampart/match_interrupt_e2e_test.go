package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMatchInterrupted: SIGINT and SIGTERM stop "rampart match" within a
// second, on indicators no index narrows, with a summary that says so
// and the sightings found so far written.
func TestMatchInterrupted(t *testing.T) {
	dir := t.TempDir()
	var inds bytes.Buffer
	for i := range 300 {
		// A regular expression with no literal: evaluated on every record.
		fmt.Fprintf(&inds, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-1111-4111-8111-111111111111","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":"[domain-name:value MATCHES '^(e|x)[a-z]{%d}\\\\.[a-z]+$']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"}`+"\n", i+1, i%7+1)
	}
	indPath := filepath.Join(dir, "indicators.jsonl")
	if err := os.WriteFile(indPath, inds.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "log.jsonl")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range 200000 {
		fmt.Fprintf(w, `{"ts":"2026-03-01T10:%02d:%02dZ","domain-name:value":"evil.example"}`+"\n", i/60%60, i%60)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			out, err := os.Create(filepath.Join(t.TempDir(), "sightings.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			cmd := exec.Command(rampartBinary(t), "match", "--indicators", indPath, "--input", logPath)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = out, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Second) // well into the log
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			signalled := time.Now()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("rampart match was still running 30 s after %s", sig)
			}
			took := time.Since(signalled)
			if !strings.Contains(stderr.String(), "interrupted after") || cmd.ProcessState.ExitCode() == 0 {
				t.Errorf("after %s: exit %d, stderr:\n%s", sig, cmd.ProcessState.ExitCode(), stderr.String())
			}
			if written, _ := os.ReadFile(out.Name()); !bytes.Contains(written, []byte(`"type":"sighting"`)) {
				t.Errorf("the sightings found before %s were not written", sig)
			}
			if took > 10*time.Second {
				// Well under a millisecond on a quiet machine; the bound
				// leaves room for a loaded CI runner, and is still below
				// the seconds the old check (every 65,536 records) took.
				t.Errorf("rampart match took %s to stop after %s", took, sig)
			}
		})
	}
}
