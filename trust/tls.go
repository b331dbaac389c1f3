package trust

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// ErrClassicalOnly reports a TLS client that offered no hybrid
// post-quantum key exchange group: strict hybrid mode refuses it.
var ErrClassicalOnly = errors.New("client offered only classical key exchange groups")

// ServerTLSConfig returns the TLS configuration of a node's server in
// profile p: TLS 1.3 only, and only the profile's hybrid key exchange groups
// (strict hybrid mode). A client that offers no hybrid group is refused
// during the handshake with an error wrapping ErrClassicalOnly that names
// the groups it offered. cert is the server certificate; it need not chain
// to any CA, because peers authenticate each other with the node proof
// (Authenticate), not with certificates (see docs/TRUST.md).
//
// Key exchange with a hybrid group stays confidential against an attacker
// who records the traffic now and has a quantum computer later, as long as
// either ML-KEM or the elliptic curve holds.
func (p Profile) ServerTLSConfig(cert tls.Certificate) *tls.Config {
	groups := p.TLSGroups()
	return &tls.Config{
		MinVersion:       tls.VersionTLS13,
		MaxVersion:       tls.VersionTLS13,
		CurvePreferences: groups,
		Certificates:     []tls.Certificate{cert},
		// Session tickets would let a later connection skip the full
		// handshake; the node proof is per connection anyway, so there is
		// nothing to gain and one less state to reason about.
		SessionTicketsDisabled: true,
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			return nil, checkHello(hello, groups)
		},
	}
}

// checkHello refuses a ClientHello that cannot lead to TLS 1.3 with one of
// groups, with a reason a person can act on.
func checkHello(hello *tls.ClientHelloInfo, groups []tls.CurveID) error {
	if !slices.Contains(hello.SupportedVersions, tls.VersionTLS13) {
		return fmt.Errorf("client %s does not offer TLS 1.3; strict mode requires it", remote(hello))
	}
	for _, g := range hello.SupportedCurves {
		if slices.Contains(groups, g) {
			return nil
		}
	}
	return fmt.Errorf("client %s: %w (%s); strict hybrid mode requires one of %s", remote(hello), ErrClassicalOnly, groupNames(hello.SupportedCurves), groupNames(groups))
}

func remote(hello *tls.ClientHelloInfo) string {
	if hello.Conn != nil {
		return hello.Conn.RemoteAddr().String()
	}
	return "(unknown)"
}

func groupNames(gs []tls.CurveID) string {
	var s []string
	for _, g := range gs {
		s = append(s, g.String())
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// ClientTLSConfig returns the TLS configuration of a node's client in
// profile p: TLS 1.3 only, hybrid groups only, and a check after the
// handshake that a hybrid group was used.
//
// It does not verify the server's certificate: the server is authenticated
// by its node proof, which binds its registry keys to this very TLS session.
// A connection made with this configuration is therefore anonymous until
// Authenticate (or a Dialer, which calls it) has succeeded; never send
// anything over it before.
func (p Profile) ClientTLSConfig() *tls.Config {
	groups := p.TLSGroups()
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		MaxVersion:         tls.VersionTLS13,
		CurvePreferences:   groups,
		InsecureSkipVerify: true, // authentication is the node proof; see above
		VerifyConnection: func(cs tls.ConnectionState) error {
			return checkState(cs, groups)
		},
	}
}

// checkState checks a completed handshake: TLS 1.3 over a hybrid group.
func checkState(cs tls.ConnectionState, groups []tls.CurveID) error {
	if cs.Version != tls.VersionTLS13 {
		return fmt.Errorf("tls: negotiated version 0x%04x, strict mode requires TLS 1.3", cs.Version)
	}
	if !slices.Contains(groups, cs.CurveID) {
		return fmt.Errorf("tls: negotiated key exchange %s, strict hybrid mode requires one of %s", cs.CurveID, groupNames(groups))
	}
	return nil
}

// GenerateCertificate returns a fresh self-signed certificate for a node's
// TLS server, with an ECDSA key of the profile's curve, valid for a year.
// The certificate carries no trust: peers authenticate with node proofs.
func GenerateCertificate(p Profile, hosts ...string) (tls.Certificate, error) {
	curve := elliptic.P256()
	if p == EUPQHigh {
		curve = elliptic.P384()
	}
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "rampart node"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     hosts,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
