// Package passhash hashes account passwords with argon2id and bearer tokens
// with SHA-256.
//
// Passwords are low-entropy secrets chosen by people, so they get a slow,
// memory-hard hash (argon2id, RFC 9106) with a random salt, stored as a PHC
// string that names the algorithm and its parameters:
//
//	$argon2id$v=19$m=65536,t=2,p=2$<salt>$<hash>
//
// Tokens are 32 random bytes made by NewToken; guessing one is as hard as
// guessing a 256-bit key, so a fast hash (SHA-256) is enough to keep a stolen
// database from being usable as a list of credentials, and lets the stores
// look a token up by its hash.
//
// What this package does not do: rate-limit guesses, or keep hashes from
// being copied; callers do both.
package passhash

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters. They are written into every hash,
// so hashes made with older parameters still verify after a change.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes; also the parallelism the hash may use
}

// Default cost, chosen from OWASP's Password Storage Cheat Sheet (which asks
// for at least m=19 MiB with t=2, or m=46 MiB with t=1, p=1) and RFC 9106 §4
// (whose second recommended option is 64 MiB): 64 MiB, 2 passes, 2 lanes
// took about 78 ms on a 2-core build machine (see BenchmarkHash). Raise Time
// on faster machines; NeedsRehash reports hashes made with other values.
const (
	DefaultMemory  = 64 * 1024
	DefaultTime    = 2
	DefaultThreads = 2
)

// Default returns the parameters Hash uses.
func Default() Params {
	return Params{Memory: DefaultMemory, Time: DefaultTime, Threads: DefaultThreads}
}

// Sizes and limits.
const (
	SaltBytes = 16
	KeyBytes  = 32
	// MaxPasswordBytes bounds the work an unauthenticated caller can ask
	// for; longer passwords are refused with ErrPasswordTooLong.
	MaxPasswordBytes = 1024
	// Upper bounds on parameters read from a stored hash, so a corrupt or
	// hostile hash cannot make Verify allocate without limit.
	maxMemory  = 4 << 20 // KiB, 4 GiB
	maxTime    = 64
	maxThreads = 64
)

var (
	// ErrPasswordTooLong reports a password over MaxPasswordBytes.
	ErrPasswordTooLong = errors.New("password exceeds MaxPasswordBytes (1024 bytes)")
	// ErrMalformedHash reports a stored hash that is not an argon2id PHC
	// string this package can verify.
	ErrMalformedHash = errors.New("password hash is not an argon2id PHC string")
)

// Hash returns the argon2id hash of password with the default parameters
// and a fresh random salt, in PHC string form. It fails only for a password
// over MaxPasswordBytes.
func Hash(password string) (string, error) {
	return HashWith(password, Default())
}

// HashWith is Hash with explicit parameters (tests use cheap ones).
func HashWith(password string, p Params) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", ErrPasswordTooLong
	}
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return "", fmt.Errorf("argon2id parameters must all be positive (got m=%d,t=%d,p=%d)", p.Memory, p.Time, p.Threads)
	}
	salt := make([]byte, SaltBytes)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, KeyBytes)
	return encode(p, salt, key), nil
}

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether password matches the PHC string encoded. The
// comparison of the derived keys takes constant time. It returns
// ErrMalformedHash when encoded cannot be read and ErrPasswordTooLong for an
// over-long password (after doing the same work as a real check, so the
// answer time does not tell the two apart).
func Verify(encoded, password string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	pw := []byte(password)
	tooLong := len(pw) > MaxPasswordBytes
	if tooLong {
		pw = pw[:MaxPasswordBytes]
	}
	got := argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	if tooLong {
		return false, ErrPasswordTooLong
	}
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than
// the defaults (or cannot be read), so a caller that has just verified the
// password should store a fresh hash.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	return err != nil || p != Default()
}

func decode(s string) (Params, []byte, []byte, error) {
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var p Params
	for _, kv := range strings.Split(f[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Params{}, nil, nil, ErrMalformedHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Params{}, nil, nil, ErrMalformedHash
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > maxThreads {
				return Params{}, nil, nil, ErrMalformedHash
			}
			p.Threads = uint8(n)
		default:
			return Params{}, nil, nil, ErrMalformedHash
		}
	}
	if p.Memory == 0 || p.Memory > maxMemory || p.Time == 0 || p.Time > maxTime || p.Threads == 0 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(f[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	key, err := b64.DecodeString(f[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}

// TokenPrefix begins every token, so that tokens are recognisable in logs
// and by secret scanners.
const TokenPrefix = "rmp_"

// TokenBytes is the number of random bytes in a token.
const TokenBytes = 32

// NewToken returns a fresh bearer token, TokenPrefix followed by TokenBytes
// random bytes in unpadded base64url (47 characters in all), and its hash
// for storage.
func NewToken() (token string, hash [sha256.Size]byte) {
	b := make([]byte, TokenBytes)
	rand.Read(b)
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the SHA-256 of the whole token text.
func HashToken(token string) [sha256.Size]byte {
	return sha256.Sum256([]byte(token))
}

// TokenIDLength is the length of a token's ID, in hex digits.
const TokenIDLength = 12

// TokenID returns the ID of the token whose hash is hash: its first
// TokenIDLength hex digits. It names the token in lists and revocations;
// the token cannot be found from it.
func TokenID(hash [sha256.Size]byte) string {
	return hex.EncodeToString(hash[:TokenIDLength/2])
}

// Stamp returns a digest of a stored password hash (32 hex digits) that
// changes whenever the hash does. It tells a cache of verified passwords
// that the password changed; it reveals nothing a guesser could use, since
// it is a digest of a salted argon2id hash.
func Stamp(encoded string) string {
	sum := sha256.Sum256([]byte(encoded))
	return hex.EncodeToString(sum[:16])
}

// WellFormedToken reports whether token has the shape NewToken gives, so
// that obviously wrong values can be refused without a lookup.
func WellFormedToken(token string) bool {
	rest, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(TokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}

// ParamsOf returns the parameters encoded was made with (zero Params when it
// cannot be read).
func ParamsOf(encoded string) Params {
	p, _, _, _ := decode(encoded)
	return p
}
