package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

// The organisations of the idle-links attack: A serves the node under
// attack, B is its registered peer.
const (
	orgA = "identity--a0000000-0000-4000-8000-00000000000a"
	orgB = "identity--b0000000-0000-4000-8000-00000000000b"
)

// idleLinks: connections to the node link that never start TLS,
// while a registered peer connects.
func (a *attacker) idleLinks(ctx context.Context) error {
	idB, reg, keyPath, regPath, err := a.writeRegistry()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	link := ln.Addr().String()
	ln.Close()
	t, err := a.startTarget(ctx, "--identity", keyPath, "--registry", regPath, "--peer-listen", link)
	if err != nil {
		return err
	}
	defer a.stopTarget(t)
	p := &linkPeer{Dialer: &trust.Dialer{Identity: idB, Verifier: trust.NewVerifier(reg, trust.DefaultPolicy()), Peer: orgA,
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 9)}, Timeout: 30 * time.Second}, link: link}
	// B becomes A's peer, as "rampart peer add" makes it; the running
	// node picks it up within federation.DefaultPeerRefresh.
	add := exec.CommandContext(ctx, a.binary, "peer", "add", "--data", filepath.Join(a.dir, "node"), "--org", orgB, "--name", "CERT-B", "--url", "https://127.0.0.1:9/")
	if out, err := add.CombinedOutput(); err != nil {
		return fmt.Errorf("rampart peer add: %v\n%s", err, out)
	}
	d, err := p.connect(ctx)
	for deadline := time.Now().Add(30 * time.Second); err != nil && time.Now().Before(deadline); d, err = p.connect(ctx) {
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("the peer cannot connect even before the attack: %v\n%s", err, t.log)
	}
	fmt.Fprintf(a.Stdout, "before the attack: the peer connects and reads discovery and the collections in %s\n", d.Round(time.Millisecond))
	return a.underAttack(ctx, p)
}

// writeRegistry makes the identities of A, B and the registry authority,
// writes a signed registry of A and B and A's identity file in the
// attacker's directory, and returns B's identity, the registry and the
// two files' paths.
func (a *attacker) writeRegistry() (idB *trust.Identity, reg *trust.Registry, keyPath, regPath string, err error) {
	idA, err := trust.GenerateIdentity(trust.EUPQBase, orgA)
	if err != nil {
		return nil, nil, "", "", err
	}
	if idB, err = trust.GenerateIdentity(trust.EUPQBase, orgB); err != nil {
		return nil, nil, "", "", err
	}
	raw, err := signedRegistry(idA, idB)
	if err != nil {
		return nil, nil, "", "", err
	}
	regPath, keyPath = filepath.Join(a.dir, "registry.json"), filepath.Join(a.dir, "a.key")
	if err := os.WriteFile(regPath, raw, 0o644); err != nil {
		return nil, nil, "", "", err
	}
	if err := trust.WriteIdentityFile(keyPath, idA); err != nil {
		return nil, nil, "", "", err
	}
	if reg, err = trust.ParseRegistry(raw); err != nil {
		return nil, nil, "", "", err
	}
	return idB, reg, keyPath, regPath, nil
}

// signedRegistry returns a registry document naming the organisations
// of idA and idB, signed by a fresh authority.
func signedRegistry(idA, idB *trust.Identity) ([]byte, error) {
	auth, err := trust.GenerateIdentity(trust.EUPQBase, "")
	if err != nil {
		return nil, err
	}
	now := time.Now().Add(-time.Hour)
	doc, err := trust.NewRegistryDocument(1, []*trust.AuthorityMember{{Name: "authority", Keys: auth.KeySet().SigningKeys()}}, now)
	if err != nil {
		return nil, err
	}
	for _, o := range []*trust.Organization{
		{ID: orgA, Name: "CERT-A", Country: "FR", Role: trust.RoleNationalCSIRT, Keys: idA.KeySet().Keys},
		{ID: orgB, Name: "CERT-B", Country: "DE", Role: trust.RoleNationalCSIRT, Keys: idB.KeySet().Keys},
	} {
		if err := doc.SetOrganization(o, now); err != nil {
			return nil, err
		}
	}
	if err := doc.Sign(auth); err != nil {
		return nil, err
	}
	return doc.Marshal()
}

// linkPeer is the registered peer that connects to the node link.
type linkPeer struct {
	*trust.Dialer
	link string // ADDR of the node link
}

// connect connects over the node link and reads TAXII discovery and the
// collections, and returns how long that took.
func (p *linkPeer) connect(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	tr := &http.Transport{DialTLSContext: p.DialContext}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	for _, path := range []string{"/taxii2/", "/cti/collections/"} {
		req, _ := http.NewRequestWithContext(ctx, "GET", "https://"+p.link+path, nil)
		req.Header.Set("Accept", "application/taxii+json;version=2.1")
		resp, err := c.Do(req)
		if err != nil {
			return time.Since(start), err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return time.Since(start), fmt.Errorf("GET %s over the node link: %s", path, resp.Status)
		}
	}
	return time.Since(start), nil
}

// underAttack holds the silent connections and connects the peer
// Attempts times meanwhile, a second apart.
func (a *attacker) underAttack(ctx context.Context, p *linkPeer) error {
	actx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var open, opened atomic.Int64
	hold := func(src string, n int) {
		for range n {
			wg.Go(func() { holdSilent(actx, src, p.link, &open, &opened) })
		}
	}
	hold("127.0.0.1", a.Idle)
	for i := 2; i <= a.Hosts; i++ {
		hold(fmt.Sprintf("127.0.0.%d", i), trust.MaxPendingPerHost)
	}
	time.Sleep(2 * time.Second)
	fmt.Fprintf(a.Stdout, "attack: %d silent connections from 127.0.0.1 and %d from each of 127.0.0.2-%d, reopened when closed; %d open now\n",
		a.Idle, trust.MaxPendingPerHost, a.Hosts, open.Load())
	var times []time.Duration
	failed := 0
	for i := range a.Attempts {
		d, err := p.connect(ctx)
		if err != nil {
			failed++
			fmt.Fprintf(a.Stdout, "peer connection %d from 127.0.0.9: failed after %s: %v\n", i+1, d.Round(time.Millisecond), err)
		} else {
			times = append(times, d)
			fmt.Fprintf(a.Stdout, "peer connection %d from 127.0.0.9: handshake, node proofs, discovery and collections in %s (%d silent connections open)\n", i+1, d.Round(time.Millisecond), open.Load())
		}
		time.Sleep(time.Second)
	}
	stop()
	wg.Wait()
	slices.Sort(times)
	if len(times) > 0 {
		fmt.Fprintf(a.Stdout, "under attack: %d of %d peer connections succeeded; median %s, slowest %s; the attackers opened %d connections in all\n",
			len(times), a.Attempts, times[len(times)/2].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), opened.Load())
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d peer connections failed under attack", failed, a.Attempts)
	}
	return nil
}

// holdSilent keeps one connection from src to link open without ever
// starting TLS, opening it again whenever the node closes it, until ctx
// is done; open counts the connections open now, opened all of them.
func holdSilent(ctx context.Context, src, link string, open, opened *atomic.Int64) {
	nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	for ctx.Err() == nil {
		c, err := nd.DialContext(ctx, "tcp", link)
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		open.Add(1)
		opened.Add(1)
		closed := make(chan struct{})
		go func() { io.Copy(io.Discard, c); close(closed) }()
		select {
		case <-ctx.Done():
		case <-closed:
		}
		c.Close()
		open.Add(-1)
		time.Sleep(20 * time.Millisecond)
	}
}
