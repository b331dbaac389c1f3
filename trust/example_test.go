package trust_test

import (
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// federation builds a registry with one authority member and two
// organisations, for the examples.
func federation() (fr, de *trust.Identity, reg *trust.Registry) {
	authority, _ := trust.GenerateIdentity(trust.EUPQBase, "")
	fr, _ = trust.GenerateIdentity(trust.EUPQBase, "identity--11111111-1111-4111-8111-111111111111")
	de, _ = trust.GenerateIdentity(trust.EUPQHigh, "identity--22222222-2222-4222-8222-222222222222")
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	doc, _ := trust.NewRegistryDocument(1, []*trust.AuthorityMember{
		{Name: "authority-1", Keys: authority.KeySet().SigningKeys()},
	}, since)
	doc.SetOrganization(&trust.Organization{ID: fr.Organization(), Name: "CERT-FR", Country: "FR", Role: trust.RoleNationalCSIRT, Keys: fr.KeySet().WithValidity(since, time.Time{})}, since)
	doc.SetOrganization(&trust.Organization{ID: de.Organization(), Name: "CERT-Bund", Country: "DE", Role: trust.RoleNationalCSIRT, Keys: de.KeySet().WithValidity(since, time.Time{})}, since)
	doc.Sign(authority)
	data, _ := doc.Marshal()
	reg, err := trust.ParseRegistry(data)
	if err != nil {
		log.Fatal(err)
	}
	return fr, de, reg
}

func Example() {
	fr, _, reg := federation()

	// CERT-FR signs an indicator it created.
	o, _ := stix.ParseObject([]byte(`{"type":"indicator","spec_version":"2.1",
		"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z",
		"created_by_ref":"identity--11111111-1111-4111-8111-111111111111",
		"pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix",
		"valid_from":"2026-03-01T10:00:00Z"}`))
	signed, err := fr.Sign(o)
	if err != nil {
		log.Fatal(err)
	}

	// Any node checks it against the registry.
	v := trust.NewVerifier(reg, trust.DefaultPolicy())
	s, err := v.Verify(signed)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Organization.Name, s.Algorithms)

	// Changing anything that is signed breaks the signature.
	tampered, _ := stix.ParseObject([]byte(strings.Replace(string(signed.Raw), "198.51.100.7", "198.51.100.9", 1)))
	_, err = v.Verify(tampered)
	fmt.Println(errors.Is(err, trust.ErrBadSignature))
	// Output:
	// CERT-FR [ML-DSA-65 ES256]
	// true
}

func ExampleIdentity_Seal() {
	fr, de, reg := federation()
	o, _ := stix.ParseObject([]byte(`{"type":"note","spec_version":"2.1",
		"id":"note--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z",
		"created_by_ref":"identity--11111111-1111-4111-8111-111111111111",
		"content":"The actor is back.","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],
		"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]}`))
	signed, _ := fr.Sign(o)

	// CERT-FR seals the TLP:RED note to CERT-Bund.
	env, err := fr.Seal([]*stix.Object{signed}, reg, de.Organization())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(env.Type, stix.EffectiveTLP(env))

	// CERT-Bund opens it; anyone else gets ErrNotRecipient.
	inner, err := de.Open(env)
	if err != nil {
		log.Fatal(err)
	}
	_, err = fr.Open(env)
	fmt.Println(inner[0].ID, errors.Is(err, trust.ErrNotRecipient))
	// Output:
	// x-rampart-sealed TLP:RED
	// note--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f true
}
