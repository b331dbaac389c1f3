package qkd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// SimConfig describes a simulated QKD link: where its two KMEs listen,
// the SAEs each serves, and how many keys the link can deliver.
type SimConfig struct {
	// Dir receives the CA, the KMEs' and the SAEs' certificates and keys.
	Dir string
	// ListenA and ListenB are the KMEs' addresses (host:port; port 0
	// picks a free one).
	ListenA, ListenB string
	// SAEsA and SAEsB are the SAE ids (nodes) of each end.
	SAEsA, SAEsB []string
	// Budget bounds the keys the link delivers (no bound when < 0).
	Budget int
}

// Simulator is a running simulated QKD link.
type Simulator struct {
	A, B       *KME
	URLA, URLB string
	PKI        *PKI
	// Certs holds, for each SAE id, its certificate and key files.
	Certs   map[string][2]string
	servers []*http.Server
}

// StartSimulator makes the link's PKI, issues a client certificate to
// every SAE and starts both KMEs over mutual TLS.
func StartSimulator(cfg SimConfig) (*Simulator, error) {
	if len(cfg.SAEsA) == 0 || len(cfg.SAEsB) == 0 {
		return nil, errors.New("qkd: a link needs at least one SAE at each end")
	}
	pki, err := NewPKI(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("qkd: %w", err)
	}
	s := &Simulator{PKI: pki, Certs: map[string][2]string{}}
	s.A, s.B = NewKMEPair(NewStream(cfg.Budget), "kme-a", cfg.SAEsA, "kme-b", cfg.SAEsB)
	for _, sae := range append(append([]string{}, cfg.SAEsA...), cfg.SAEsB...) {
		c, k, err := pki.Issue(sae, false)
		if err != nil {
			return nil, fmt.Errorf("qkd: certificate of SAE %s: %w", sae, err)
		}
		s.Certs[sae] = [2]string{c, k}
	}
	for _, end := range []struct {
		name, addr string
		kme        *KME
		url        *string
	}{{"kme-a", cfg.ListenA, s.A, &s.URLA}, {"kme-b", cfg.ListenB, s.B, &s.URLB}} {
		tc, err := pki.ServerTLS(end.name)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("qkd: %w", err)
		}
		ln, err := net.Listen("tcp", end.addr)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("qkd: %s: %w", end.name, err)
		}
		srv := &http.Server{Handler: end.kme, TLSConfig: tc, ReadHeaderTimeout: 5 * time.Second}
		s.servers = append(s.servers, srv)
		go srv.Serve(tls.NewListener(ln, tc))
		*end.url = "https://" + ln.Addr().String()
	}
	return s, nil
}

// Close stops both KMEs.
func (s *Simulator) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range s.servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	return errors.Join(errs...)
}
