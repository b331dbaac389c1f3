package trust

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "encoding/json/v2"

	"github.com/rampart-cti/rampart/internal/jws"
)

func TestIdentityRoundTrip(t *testing.T) {
	for _, p := range []Profile{EUPQBase, EUPQHigh} {
		id, err := GenerateIdentity(p, orgFR)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "node.key")
		if err := WriteIdentityFile(path, id); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(path)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("mode = %04o, want 0600", st.Mode().Perm())
		}
		if err := WriteIdentityFile(path, id); err == nil {
			t.Error("WriteIdentityFile overwrote an existing file")
		}
		id2, err := ReadIdentityFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if id2.String() != id.String() || id2.Profile() != p || id2.Organization() != orgFR {
			t.Errorf("read back %s, want %s", id2, id)
		}
		// The keys that come back sign and open like the originals.
		data, _ := id.KeySet().Marshal()
		ks, err := ParseKeySet(data)
		if err != nil {
			t.Fatal(err)
		}
		if len(ks.Keys) != 3 || ks.Keys[0].ID() != id.KeyIDs()[0] {
			t.Errorf("key set = %v", ks.Keys)
		}
		if bytes.Contains(data, []byte(`"priv"`)) || bytes.Contains(data, []byte(`"d"`)) {
			t.Error("key set holds private members")
		}
		os.Chmod(path, 0o644)
		if _, err := ReadIdentityFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("world-readable key file: err = %v", err)
		}
	}
}

// TestIdentityNeverPrintsKeys: no fmt verb and no slog handler gets at the
// private keys.
func TestIdentityNeverPrintsKeys(t *testing.T) {
	id, _ := GenerateIdentity(EUPQBase, orgFR)
	// Every way the secret bytes could be printed: base64url as stored,
	// hex, and Go's decimal byte-slice form.
	var frags []string
	for _, k := range id.keys.jwk {
		raw, _ := jws.Decode(k.D + k.Priv)
		frags = append(frags, (k.D + k.Priv)[:12], fmt.Sprintf("%x", raw[:6]), strings.Trim(fmt.Sprint(raw[:5]), "[]"))
	}
	var buf bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		fmt.Fprintf(&buf, verb+"\n", id)
		fmt.Fprintf(&buf, verb+"\n", *id)
		fmt.Fprintf(&buf, verb+"\n", []any{id})
	}
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "id", id)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "id", id)
	out := buf.String()
	for _, frag := range frags {
		if strings.Contains(out, frag) {
			t.Fatalf("private key material (%s) printed:\n%s", frag, out)
		}
	}
	if !strings.Contains(out, id.KeyIDs()[0]) {
		t.Error("key id missing from the printed form")
	}
}

func TestParseIdentityErrors(t *testing.T) {
	id, _ := GenerateIdentity(EUPQBase, orgFR)
	good, _ := id.Marshal()
	pub, _ := id.KeySet().Marshal()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"garbage", []byte("x"), "not a Rampart identity file"},
		{"public", pub, "has no private part"},
		{"profile", bytes.Replace(good, []byte(`"eu-pq-base"`), []byte(`"eu-pq-max"`), 1), `unknown profile "eu-pq-max"`},
		{"wrong profile", bytes.Replace(good, []byte(`"eu-pq-base"`), []byte(`"eu-pq-high"`), 1), "needs one ML-DSA-87"},
	} {
		_, err := ParseIdentity(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
		if err != nil {
			for _, k := range id.keys.jwk {
				if strings.Contains(err.Error(), k.D+k.Priv) {
					t.Errorf("%s: error quotes a private key", tc.name)
				}
			}
		}
	}
}

func FuzzParseIdentity(f *testing.F) {
	id, _ := GenerateIdentity(EUPQBase, orgFR)
	good, _ := id.Marshal()
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		id, err := ParseIdentity(data)
		if err != nil {
			return
		}
		out, err := id.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		id2, err := ParseIdentity(out)
		if err != nil || id2.String() != id.String() {
			t.Fatalf("round trip: %v", err)
		}
		var m map[string]any
		if json.Unmarshal(out, &m) != nil {
			t.Fatal("Marshal wrote invalid JSON")
		}
	})
}

// TestIdentityNestedNeverPrintsKeys: an Identity inside another value, where
// fmt cannot call its methods, still shows no key material.
func TestIdentityNestedNeverPrintsKeys(t *testing.T) {
	id, _ := GenerateIdentity(EUPQBase, orgFR)
	type holder struct {
		id  Identity
		ptr *Identity
	}
	h := holder{*id, id}
	var buf bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		fmt.Fprintf(&buf, verb+"\n", h)
		fmt.Fprintf(&buf, verb+"\n", &h)
	}
	out := buf.String()
	for _, k := range id.keys.jwk {
		raw, _ := jws.Decode(k.D + k.Priv)
		for _, frag := range []string{(k.D + k.Priv)[:12], fmt.Sprintf("%x", raw[:6]), strings.Trim(fmt.Sprint(raw[:5]), "[]")} {
			if strings.Contains(out, frag) {
				t.Fatalf("private key material (%s) printed:\n%s", frag, out)
			}
		}
	}
}
