package node

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/qkd"
)

func TestStartQKDSimulatorNeedsDir(t *testing.T) {
	_, err := StartQKDSimulator(qkd.SimConfig{ListenA: "127.0.0.1:0", ListenB: "127.0.0.1:0", SAEsA: []string{"a"}, SAEsB: []string{"b"}})
	if ce, ok := AsConfigError(err); !ok || !strings.Contains(ce.Msg, "--dir") {
		t.Fatalf("StartQKDSimulator without a directory = %v; want a ConfigError naming --dir", err)
	}
}

func TestQKDSimulatorWriteText(t *testing.T) {
	dir := t.TempDir()
	sim, err := StartQKDSimulator(qkd.SimConfig{Dir: dir, ListenA: "127.0.0.1:0", ListenB: "127.0.0.1:0",
		SAEsA: []string{"de-bsi", "at-cert"}, SAEsB: []string{"fr-anssi"}, Budget: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	var b bytes.Buffer
	if err := sim.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"KME A listens at " + sim.URLA + " for de-bsi,at-cert",
		"KME B listens at " + sim.URLB + " for fr-anssi",
		"CA certificate: " + sim.PKI.CAFile(),
	}
	for _, sae := range []string{"de-bsi", "at-cert", "fr-anssi"} {
		url := sim.URLA
		if sae == "fr-anssi" {
			url = sim.URLB
		}
		c := sim.Certs[sae]
		if !strings.HasPrefix(c[0], dir) || !strings.HasPrefix(c[1], dir) {
			t.Errorf("SAE %s: files %q outside %s", sae, c, dir)
		}
		want = append(want, fmt.Sprintf("SAE %s: KME %s, certificate %s, key %s", sae, url, c[0], c[1]))
	}
	if got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("WriteText:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
