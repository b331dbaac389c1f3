package passhash

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps the tests fast; the defaults are measured in BenchmarkHash.
var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := HashWith("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q does not name argon2id and its parameters", h)
	}
	tests := []struct {
		password string
		want     bool
	}{
		{"correct horse battery", true},
		{"correct horse batterY", false},
		{"", false},
		{"correct horse battery ", false},
	}
	for _, tt := range tests {
		got, err := Verify(h, tt.password)
		if err != nil {
			t.Fatalf("Verify(%q): %v", tt.password, err)
		}
		if got != tt.want {
			t.Errorf("Verify(%q) = %v, want %v", tt.password, got, tt.want)
		}
	}
	h2, _ := HashWith("correct horse battery", cheap)
	if h2 == h {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyMalformed(t *testing.T) {
	good, _ := HashWith("pw", cheap)
	f := strings.Split(good, "$")
	tests := []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=64,t=1$" + f[4] + "$" + f[5] + "$",
		"$argon2id$v=19$m=0,t=1,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=99999999999,t=1,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=64,t=1,p=300$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=64,t=1,x=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + f[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + f[4] + "$AAAA",
	}
	for _, s := range tests {
		if ok, err := Verify(s, "pw"); !errors.Is(err, ErrMalformedHash) || ok {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformedHash", s, ok, err)
		}
	}
}

func TestPasswordTooLong(t *testing.T) {
	long := strings.Repeat("x", MaxPasswordBytes+1)
	if _, err := HashWith(long, cheap); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("HashWith(long) error = %v, want ErrPasswordTooLong", err)
	}
	h, _ := HashWith(long[:MaxPasswordBytes], cheap)
	if ok, err := Verify(h, long); ok || !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("Verify(long) = %v, %v; want false, ErrPasswordTooLong", ok, err)
	}
}

func TestNeedsRehash(t *testing.T) {
	old, _ := HashWith("pw", cheap)
	if !NeedsRehash(old) {
		t.Errorf("NeedsRehash(cheap hash) = false, want true")
	}
	if !NeedsRehash("garbage") {
		t.Errorf("NeedsRehash(garbage) = false, want true")
	}
	cur := encode(Default(), make([]byte, SaltBytes), make([]byte, KeyBytes))
	if NeedsRehash(cur) {
		t.Errorf("NeedsRehash(%q) = true, want false", cur)
	}
}

func TestToken(t *testing.T) {
	tok, h := NewToken()
	if !strings.HasPrefix(tok, TokenPrefix) || len(tok) != 47 {
		t.Errorf("token %q: want %q prefix and 47 characters", tok, TokenPrefix)
	}
	if HashToken(tok) != h {
		t.Errorf("HashToken(token) differs from the hash NewToken returned")
	}
	tok2, _ := NewToken()
	if tok2 == tok {
		t.Errorf("two tokens are equal")
	}
	wellFormed := []struct {
		s    string
		want bool
	}{
		{tok, true},
		{tok[len(TokenPrefix):], false},
		{tok[:len(tok)-1], false},
		{tok + "A", false},
		{TokenPrefix + strings.Repeat("*", 43), false},
		{"", false},
	}
	for _, tt := range wellFormed {
		if got := WellFormedToken(tt.s); got != tt.want {
			t.Errorf("WellFormedToken(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// FuzzVerify feeds arbitrary stored hashes to the PHC parser: it must never
// panic, and anything it accepts must carry parameters within the limits.
func FuzzVerify(f *testing.F) {
	good, _ := HashWith("pw", cheap)
	f.Add(good)
	f.Add("$argon2id$v=19$m=1,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := decode(s)
		if err != nil {
			return
		}
		if p.Memory == 0 || p.Memory > maxMemory || p.Time == 0 || p.Time > maxTime || p.Threads == 0 {
			t.Fatalf("decode(%q) accepted parameters %+v", s, p)
		}
		if len(salt) < 8 || len(key) < 16 {
			t.Fatalf("decode(%q) accepted salt %d bytes, key %d bytes", s, len(salt), len(key))
		}
		if p.Memory <= 1024 && p.Time <= 2 {
			if _, err := Verify(s, "pw"); err != nil {
				t.Fatalf("Verify(%q) after successful decode: %v", s, err)
			}
		}
	})
}

func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("a password of reasonable length"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHashToken(b *testing.B) {
	tok, _ := NewToken()
	for b.Loop() {
		HashToken(tok)
	}
}

func TestTokenIDAndStamp(t *testing.T) {
	tok, hash := NewToken()
	id := TokenID(hash)
	if len(id) != TokenIDLength || strings.Contains(tok, id) {
		t.Errorf("TokenID = %q: want %d hex digits that are not part of the token", id, TokenIDLength)
	}
	if TokenID(HashToken(tok)) != id {
		t.Errorf("TokenID differs between NewToken's hash and HashToken's")
	}
	h1, _ := HashWith("correct horse battery", cheap)
	h2, _ := HashWith("correct horse battery", cheap)
	h1again := string([]byte(h1)) // the same hash, read again
	if Stamp(h1) != Stamp(h1again) || Stamp(h1) == Stamp(h2) || len(Stamp(h1)) != 32 {
		t.Errorf("Stamp(h1) = %q, Stamp(h2) = %q: want 32 hex digits, equal for one hash, different for two", Stamp(h1), Stamp(h2))
	}
}
