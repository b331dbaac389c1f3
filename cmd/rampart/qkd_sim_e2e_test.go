package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/qkd"
)

// TestQKDSimServesKeys runs "rampart qkd-sim" as a user would, then takes
// a key at one end of the simulated link with the certificate it issued,
// fetches the same key by id at the other end, and stops it with SIGTERM.
func TestQKDSimServesKeys(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(rampartBinary(t), "qkd-sim", "--dir", dir, "--sae-a", "de-bsi", "--sae-b", "fr-anssi", "--keys", "5")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	saeRE := regexp.MustCompile(`^SAE (\S+): KME (\S+), certificate (\S+), key (\S+)$`)
	caRE := regexp.MustCompile(`^CA certificate: (\S+)$`)
	clients := map[string]*qkd.Client{}
	var ca string
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(clients) < 2 {
		lines = append(lines, sc.Text())
		if m := caRE.FindStringSubmatch(sc.Text()); m != nil {
			ca = m[1]
		}
		if m := saeRE.FindStringSubmatch(sc.Text()); m != nil {
			c, err := qkd.NewClient(qkd.ClientConfig{KME: m[2], CertFile: m[3], KeyFile: m[4], CAFile: ca})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			clients[m[1]] = c
		}
	}
	if len(clients) != 2 {
		t.Fatalf("qkd-sim printed no SAE lines:\n%q", lines)
	}
	go io.Copy(io.Discard, out)
	ctx := context.Background()
	keys, err := clients["de-bsi"].EncKeys(ctx, "fr-anssi", qkd.KeyRequest{Number: 2, Size: 256})
	if err != nil {
		t.Fatal(err)
	}
	got, err := clients["fr-anssi"].DecKeys(ctx, "de-bsi", keys[0].ID, keys[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		if !bytes.Equal(got[i].Material, keys[i].Material) {
			t.Errorf("key %s differs at the two ends", keys[i].ID)
		}
	}
	// --keys 5: two taken, four more exhaust the link.
	if _, err := clients["de-bsi"].EncKeys(ctx, "fr-anssi", qkd.KeyRequest{Number: 4}); err == nil {
		t.Error("the link delivered more keys than --keys allows")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("qkd-sim exited with %v on SIGTERM", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("qkd-sim did not stop on SIGTERM")
	}
}
