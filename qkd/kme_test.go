package qkd_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart/qkd"
)

// link is a simulated QKD link: two KMEs over mutual TLS, and a client
// for the SAE each serves (node-a at KME A, node-b at KME B).
type link struct {
	stream *qkd.Stream
	kmeA   *qkd.KME
	kmeB   *qkd.KME
	a, b   *qkd.Client
	pki    *qkd.PKI
	urlA   string
	urlB   string
}

func newLink(t *testing.T, budget int) *link {
	t.Helper()
	pki, err := qkd.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l := &link{stream: qkd.NewStream(budget), pki: pki}
	l.kmeA, l.kmeB = qkd.NewKMEPair(l.stream, "kme-a", []string{"node-a"}, "kme-b", []string{"node-b", "node-c"})
	serve := func(name string, h http.Handler) string {
		tc, err := pki.ServerTLS(name)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewUnstartedServer(h)
		srv.TLS = tc
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv.URL
	}
	l.urlA = serve("kme-a", l.kmeA)
	l.urlB = serve("kme-b", l.kmeB)
	l.a = l.client(t, l.urlA, "node-a")
	l.b = l.client(t, l.urlB, "node-b")
	return l
}

func (l *link) client(t *testing.T, kme, sae string) *qkd.Client {
	t.Helper()
	cert, key, err := l.pki.Issue(sae, false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := qkd.NewClient(qkd.ClientConfig{KME: kme, CertFile: cert, KeyFile: key, CAFile: l.pki.CAFile()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestKeysFlowFromMasterToSlave checks the interface's main path: the
// master gets keys by GET and by POST, the slave gets the same material
// by id (one by GET, several by POST), once only.
func TestKeysFlowFromMasterToSlave(t *testing.T) {
	ctx := context.Background()
	l := newLink(t, -1)
	st, err := l.a.Status(ctx, "node-b")
	if err != nil {
		t.Fatal(err)
	}
	if st.MasterSAEID != "node-a" || st.SlaveSAEID != "node-b" || st.SourceKMEID != "kme-a" || st.KeySize != 256 || st.MinKeySize > st.KeySize || st.MaxKeyPerRequest < 1 {
		t.Errorf("status %+v", st)
	}
	keys, err := l.a.EncKeys(ctx, "node-b", qkd.KeyRequest{Number: 3, Size: 512})
	if err != nil {
		t.Fatal(err)
	}
	one, err := l.a.EncKeys(ctx, "node-b", qkd.KeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || len(keys[0].Material) != 64 || len(one) != 1 || len(one[0].Material) != 32 {
		t.Fatalf("enc_keys: %d keys of %d bytes, %d of %d", len(keys), len(keys[0].Material), len(one), len(one[0].Material))
	}
	got, err := l.b.DecKeys(ctx, "node-a", keys[2].ID, keys[0].ID, keys[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range []int{2, 0, 1} {
		if got[i].ID != keys[j].ID || !bytes.Equal(got[i].Material, keys[j].Material) {
			t.Errorf("dec_keys[%d] = %s, want the material of %s", i, got[i].ID, keys[j].ID)
		}
	}
	single, err := l.b.DecKeys(ctx, "node-a", one[0].ID)
	if err != nil || !bytes.Equal(single[0].Material, one[0].Material) {
		t.Fatalf("dec_keys by GET: %v", err)
	}
	if _, err := l.b.DecKeys(ctx, "node-a", keys[0].ID); !isKMEError(err, 400, "delivered already") {
		t.Errorf("a key fetched twice: %v, want 400", err)
	}
	if n := l.stream.Stored(); n != 0 {
		t.Errorf("%d keys still stored after delivery", n)
	}
	got[0].Zero()
	if got[0].Material != nil {
		t.Error("Zero left the material")
	}
}

// TestAdditionalSlaves checks that a key asked by POST for more slaves
// reaches each, and only them.
func TestAdditionalSlaves(t *testing.T) {
	ctx := context.Background()
	l := newLink(t, -1)
	c := l.client(t, l.urlB, "node-c")
	keys, err := l.a.EncKeys(ctx, "node-b", qkd.KeyRequest{Number: 1, Size: 256, AdditionalSlaveSAEIDs: []string{"node-c"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*qkd.Client{l.b, c} {
		got, err := cl.DecKeys(ctx, "node-a", keys[0].ID)
		if err != nil || !bytes.Equal(got[0].Material, keys[0].Material) {
			t.Errorf("dec_keys: %v", err)
		}
	}
	if _, err := l.a.EncKeys(ctx, "node-b", qkd.KeyRequest{Number: 1, AdditionalSlaveSAEIDs: []string{"node-z"}}); !isKMEError(err, 400, "node-z") {
		t.Errorf("an unknown additional slave: %v, want 400 naming it", err)
	}
}

// TestKMEErrors checks the interface's error answers and that the client
// reports each with what the KME said.
func TestKMEErrors(t *testing.T) {
	ctx := context.Background()
	l := newLink(t, 2)
	for _, tc := range []struct {
		name string
		call func() error
		code int
		says string
	}{
		{"unknown slave SAE", func() error { _, err := l.a.Status(ctx, "node-x"); return err }, 400, "unknown"},
		{"size not a multiple of 8", func() error {
			_, err := l.a.EncKeys(ctx, "node-b", qkd.KeyRequest{Number: 1, Size: 100})
			return err
		}, 400, "size 100"},
		{"size too large", func() error {
			_, err := l.a.EncKeys(ctx, "node-b", qkd.KeyRequest{Number: 1, Size: 8192})
			return err
		}, 400, "size 8192"},
		{"too many keys", func() error { _, err := l.a.EncKeys(ctx, "node-b", qkd.KeyRequest{Number: 1000}); return err }, 400, "number 1000"},
		{"keys exhausted", func() error { _, err := l.a.EncKeys(ctx, "node-b", qkd.KeyRequest{Number: 3}); return err }, 503, "exhausted"},
		{"unknown key_ID", func() error { _, err := l.b.DecKeys(ctx, "node-a", "9d2c1f4e-0000-4000-8000-000000000000"); return err }, 400, "no such key"},
		{"SAE of the other KME", func() error {
			other := l.client(t, l.urlA, "node-b")
			_, err := other.Status(ctx, "node-a")
			return err
		}, 401, "not served"},
	} {
		if err := tc.call(); !isKMEError(err, tc.code, tc.says) {
			t.Errorf("%s: %v, want HTTP %d saying %q", tc.name, err, tc.code, tc.says)
		}
	}
}

// TestMisbehavingKME checks what an SAE sees of a KME that fails, one
// that lies about a key, and one it cannot authenticate to.
func TestMisbehavingKME(t *testing.T) {
	ctx := context.Background()
	l := newLink(t, -1)
	l.kmeA.SetFault(qkd.Failing)
	if _, err := l.a.EncKeys(ctx, "node-b", qkd.KeyRequest{}); !isKMEError(err, 503, "out of service") {
		t.Errorf("failing KME: %v, want 503", err)
	}
	l.kmeA.SetFault(qkd.Sound)
	keys, err := l.a.EncKeys(ctx, "node-b", qkd.KeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	l.kmeB.SetFault(qkd.Lying)
	got, err := l.b.DecKeys(ctx, "node-a", keys[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got[0].Material, keys[0].Material) {
		t.Error("the lying KME delivered the true key")
	}
	// No client certificate: the KME's TLS refuses the connection.
	anon, err := qkd.NewClientTLS(l.urlA, &tls.Config{RootCAs: l.pki.Pool()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anon.Status(ctx, "node-b"); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("no client certificate: %v, want the connection refused", err)
	}
	if _, err := qkd.NewClientTLS("http://kme.example", &tls.Config{}, 0); err == nil {
		t.Error("a KME URL without TLS was accepted")
	}
}

// TestKeyIDsNeverRepeat asks for a thousand keys and checks that no id
// comes twice.
func TestKeyIDsNeverRepeat(t *testing.T) {
	ctx := context.Background()
	l := newLink(t, -1)
	seen := map[string]bool{}
	for range 10 {
		keys, err := l.a.EncKeys(ctx, "node-b", qkd.KeyRequest{Number: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if seen[k.ID] {
				t.Fatalf("key_ID %s delivered twice", k.ID)
			}
			seen[k.ID] = true
		}
	}
}

// TestKeyFilesAreSecret checks the modes of the files the PKI writes.
func TestKeyFilesAreSecret(t *testing.T) {
	pki, err := qkd.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := pki.Issue("node-a", false)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(key)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file %s: %v, mode %v; want 0600", key, err, fi.Mode().Perm())
	}
}

func isKMEError(err error, code int, says string) bool {
	var e *qkd.Error
	return errors.As(err, &e) && e.StatusCode == code && strings.Contains(err.Error(), says)
}
