package trust_test

import (
	"fmt"

	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// Address a TLP:RED note to two member organisations. Once its creator
// has signed it (trust.Identity.Sign), a node sends it to those two alone,
// sealed to their keys, through hubs that cannot read it.
func ExampleAddress() {
	o, err := stix.ParseObject([]byte(`{"type":"note","spec_version":"2.1","id":"note--6f8e2a0c-1d4b-4c5e-9a7f-3b2c1d0e9f8a","created":"2026-11-02T10:00:00.000Z","modified":"2026-11-02T10:00:00.000Z","created_by_ref":"identity--11111111-1111-4111-8111-111111111111","content":"The actor behind the ministry intrusion reuses its 2025 infrastructure.","object_refs":["identity--11111111-1111-4111-8111-111111111111"],"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	o, err = trust.Address(o, "identity--22222222-2222-4222-8222-222222222222", "identity--33333333-3333-4333-8333-333333333333")
	if err != nil {
		fmt.Println(err)
		return
	}
	to, _ := stix.Recipients(o)
	for _, org := range to {
		fmt.Println(org)
	}
	// Output:
	// identity--22222222-2222-4222-8222-222222222222
	// identity--33333333-3333-4333-8333-333333333333
}
