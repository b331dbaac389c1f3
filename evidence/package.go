package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

// Format names the package format and its version.
const Format = "rampart-evidence/1"

// Limits on a package. Exceeding one gives its own error.
const (
	// MaxContentBytes is the most content (manifest and members, before
	// sealing) one package carries: 512 MiB, held in memory while it is
	// made and opened.
	MaxContentBytes = 512 << 20
	// MaxMembers is the most members a manifest lists.
	MaxMembers = 10000
	// MaxCustodyRecords is the most hand-overs one package records.
	MaxCustodyRecords = 1000
	// MaxTextBytes bounds a purpose or a name.
	MaxTextBytes = 4096
	// MaxPackageBytes is the largest package file read: the sealed
	// content in base64 and the cover and custody records beside it.
	MaxPackageBytes = MaxContentBytes/3*4 + 64<<20
)

// Kinds of signed documents (trust.DocumentSignature): each signature
// names what it signs, so none can be moved to another part.
const (
	kindCover    = "evidence-cover"
	kindHandOver = "evidence-hand-over"
	kindReceipt  = "evidence-receipt"
)

// Package is one evidence package, as written to a file by Marshal.
type Package struct {
	Format string `json:"format"`
	Cover  Cover  `json:"cover"`
	// CoverSignature is the creating node's signature over the cover.
	CoverSignature *trust.DocumentSignature `json:"cover_signature"`
	// Sealed is the content sealed to the authority (base64).
	Sealed []byte `json:"sealed"`
	// Custody holds the hand-overs, oldest first.
	Custody []*Record `json:"custody"`
}

// Cover is what anyone may read about a package: who made it for whom,
// and the digests that bind the sealed content and its manifest to the
// maker's signature.
type Cover struct {
	ID        string    `json:"id"`
	Created   time.Time `json:"created"`
	CreatedBy Party     `json:"created_by"`
	// To is the authority the content is sealed to: its keys hold the
	// HPKE key the content is sealed with.
	To Party `json:"to"`
	// Incident is the STIX id of the incident the package is about.
	Incident string `json:"incident"`
	Purpose  string `json:"purpose,omitempty"`
	// Marking is the TLP marking-definition of the content: TLP:RED.
	Marking string `json:"marking"`
	// Recipients are the organisations (STIX identity ids) the content
	// is addressed to, when the authority has one.
	Recipients []string `json:"recipients,omitempty"`
	// Encryption names the HPKE key the content is sealed to.
	Encryption     string `json:"encryption"`
	SealedSHA256   string `json:"sealed_sha256"`
	SealedSize     int64  `json:"sealed_size"`
	ManifestSHA256 string `json:"manifest_sha256"`
	Members        int    `json:"members"`
}

// Party is a signer of a package: an organisation's node, an authority, or
// a person carrying the package, named by its public keys and, when it
// has one, its organisation's STIX identity id.
type Party struct {
	Organization string        `json:"organization,omitempty"`
	Name         string        `json:"name,omitempty"`
	Keys         *trust.KeySet `json:"keys"`
}

// String names the party for people: its name or organisation, and the id
// of its ML-DSA key.
func (p Party) String() string {
	who := p.Name
	if who == "" {
		who = p.Organization
	}
	kid := ""
	if p.Keys != nil {
		kid = p.Keys.SigningKeyIDs()[0]
	}
	if who == "" {
		return "key " + kid
	}
	return fmt.Sprintf("%s (key %s)", who, kid)
}

// same reports whether p and q sign with the same keys.
func (p Party) same(q Party) bool {
	if p.Keys == nil || q.Keys == nil {
		return false
	}
	a, b := p.Keys.SigningKeyIDs(), q.Keys.SigningKeyIDs()
	return a == b && a[0] != "" && a[1] != ""
}

// PartyOf returns the party whose keys id holds, named name.
func PartyOf(id *trust.Identity, name string) Party {
	return Party{Organization: id.Organization(), Name: name, Keys: publicKeys(id)}
}

// publicKeys is id's public key set without its creation time, which says
// nothing a verifier needs.
func publicKeys(id *trust.Identity) *trust.KeySet {
	ks := id.KeySet()
	return &trust.KeySet{Profile: ks.Profile, Organization: ks.Organization, Keys: ks.Keys}
}

// Marshal returns the package as JSON.
func (p *Package) Marshal() ([]byte, error) {
	b, err := json.Marshal(p, json.Deterministic(true), jsontext.WithIndent("  "))
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Parse reads a package. It checks the shape only; Verify checks the
// signatures, digests and chain.
func Parse(data []byte) (*Package, error) {
	if len(data) > MaxPackageBytes {
		return nil, fmt.Errorf("evidence package: %d bytes, more than MaxPackageBytes (%d)", len(data), MaxPackageBytes)
	}
	var p Package
	if err := json.Unmarshal(data, &p, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("evidence package: not a Rampart evidence package: %v", err)
	}
	if p.Format != Format {
		return nil, fmt.Errorf("evidence package: format %q is not %q", p.Format, Format)
	}
	if len(p.Custody) > MaxCustodyRecords {
		return nil, fmt.Errorf("evidence package: %d custody records, more than MaxCustodyRecords (%d)", len(p.Custody), MaxCustodyRecords)
	}
	for i, r := range p.Custody {
		if r == nil {
			return nil, fmt.Errorf("evidence package: custody[%d] is null", i)
		}
	}
	return &p, nil
}

// ReadFile reads and parses the package file path.
func ReadFile(path string) (*Package, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPackageBytes+1))
	if err != nil {
		return nil, err
	}
	p, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return p, nil
}

// canonical returns the RFC 8785 canonical JSON of v: what is signed and
// hashed, so that the file's layout does not matter.
func canonical(v any) ([]byte, error) {
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	val := jsontext.Value(b)
	if err := val.Canonicalize(); err != nil {
		return nil, err
	}
	return val, nil
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// coverDigest is the digest the first custody record links to.
func (p *Package) coverDigest() (string, error) {
	b, err := canonical(struct {
		Cover     Cover                    `json:"cover"`
		Signature *trust.DocumentSignature `json:"signature"`
	}{p.Cover, p.CoverSignature})
	if err != nil {
		return "", err
	}
	return digest(b), nil
}

// sealInfo binds the sealed content to its package: content moved into
// another package's file does not open under that package's id.
func sealInfo(id string) string { return "rampart evidence v1\x00" + id }
