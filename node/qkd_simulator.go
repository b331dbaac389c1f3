package node

import (
	"fmt"
	"io"
	"strings"

	"github.com/rampart-cti/rampart/qkd"
)

// QKDSimulator is a simulated QKD link as "rampart qkd-sim" runs it, for
// trials of QKD-keyed links between nodes without the hardware: the
// running qkd.Simulator and the configuration it started with.
type QKDSimulator struct {
	*qkd.Simulator
	Config qkd.SimConfig
}

// StartQKDSimulator starts a simulated QKD link (qkd.StartSimulator), its
// certificates and keys in cfg.Dir. It returns a ConfigError when cfg
// names no directory, and the simulator's error when the link cannot
// start. The caller closes the simulator.
func StartQKDSimulator(cfg qkd.SimConfig) (*QKDSimulator, error) {
	if cfg.Dir == "" {
		return nil, configErrorf("qkd-sim needs --dir DIR for its certificates")
	}
	sim, err := qkd.StartSimulator(cfg)
	if err != nil {
		return nil, err
	}
	return &QKDSimulator{Simulator: sim, Config: cfg}, nil
}

// WriteText writes what a node needs to use the link, one line each:
// where each KME listens and for which SAEs, the CA certificate, and each
// SAE's KME, certificate and key files.
func (s *QKDSimulator) WriteText(w io.Writer) error {
	ends := []struct {
		name, url string
		saes      []string
	}{{"A", s.URLA, s.Config.SAEsA}, {"B", s.URLB, s.Config.SAEsB}}
	var b strings.Builder
	for _, end := range ends {
		fmt.Fprintf(&b, "KME %s listens at %s for %s\n", end.name, end.url, strings.Join(end.saes, ","))
	}
	fmt.Fprintf(&b, "CA certificate: %s\n", s.PKI.CAFile())
	for _, end := range ends {
		for _, sae := range end.saes {
			c := s.Certs[sae]
			fmt.Fprintf(&b, "SAE %s: KME %s, certificate %s, key %s\n", sae, end.url, c[0], c[1])
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
