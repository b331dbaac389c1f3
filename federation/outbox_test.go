package federation

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// setEncryptionValidity sets, in the registry document, how long org's
// encryption key is valid for, and publishes the new version.
func (f *testFed) setEncryptionValidity(t *testing.T, org string, until func(k *trust.PublicKey)) {
	t.Helper()
	for _, o := range f.doc.Organizations {
		if o.ID != org {
			continue
		}
		for _, k := range o.Keys {
			if k.Use() == trust.UseEnc {
				until(k)
			}
		}
		if err := f.doc.SetOrganization(o, f.now); err != nil {
			t.Fatal(err)
		}
	}
	f.raw = f.sign(t, f.auth[0], f.auth[1])
}

// TestOutboxRecipients: a node's TLP:AMBER goes to every member state
// sealed, and a member state it cannot seal to (no valid encryption key)
// does not hold back the others: its delivery is recorded as failed, with
// the reason, and made once a newer registry gives it a valid key
// (regression: one recipient without a valid key kept an addressed object
// from every recipient, with one error in the log and nothing in the
// peer status).
func TestOutboxRecipients(t *testing.T) {
	f := newTestFed(t)
	f.setEncryptionValidity(t, orgIT, func(k *trust.PublicKey) { k.NotAfter = f.now.Add(-1) })
	a, b, c, h := star(t, f)
	ctx := context.Background()

	amber := f.signed(t, object(t, orgFR, stix.TLPAmber, "amber for the member states", ""))
	a.add(t, amber)
	eventually(t, "CERT-Bund holds A's AMBER", func() bool { return b.has(t, amber.ID) })
	deliveries := func() map[string]*rampart.Delivery {
		ds, err := a.node.Deliveries.FindDeliveries(ctx, rampart.DeliveryFilter{ObjectID: &amber.ID})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*rampart.Delivery{}
		for _, d := range ds {
			out[d.Recipient] = d
		}
		return out
	}
	eventually(t, "the deliveries are recorded", func() bool { return len(deliveries()) == 3 })
	ds := deliveries()
	if d := ds[orgDE]; d.Status != rampart.DeliverySealed || d.EnvelopeID == "" {
		t.Errorf("delivery to CERT-Bund: %+v, want sealed", d)
	}
	if d := ds[orgOld]; d.Status != rampart.DeliverySealed {
		t.Errorf("delivery to CERT-Old: %+v, want sealed", d)
	}
	if d := ds[orgIT]; d.Status != rampart.DeliveryFailed || !strings.Contains(d.Reason, "no valid encryption key") {
		t.Errorf("delivery to CSIRT Italia: %+v, want failed for want of a valid key", d)
	}
	if c.has(t, amber.ID) || h.fileHas(t, "amber for the member states") {
		t.Fatal("CSIRT Italia, or the hub in clear, holds A's AMBER")
	}
	sums, err := a.node.Deliveries.FindDeliverySummaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sums {
		if s.Recipient == orgIT && (s.Failed != 1 || !strings.Contains(s.LastFailure, "encryption key")) {
			t.Errorf("summary of CSIRT Italia: %+v", s)
		}
	}

	// The authority gives CSIRT Italia's key a new lease: the next
	// registry reaches A, which seals to it at once.
	f.setEncryptionValidity(t, orgIT, func(k *trust.PublicKey) { k.NotAfter = f.now.AddDate(1, 0, 0) })
	if _, err := a.node.UpdateRegistry(f.raw); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*testNode{h, c} {
		if _, err := n.node.UpdateRegistry(f.raw); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "CSIRT Italia holds A's AMBER", func() bool { return c.has(t, amber.ID) })
	eventually(t, "the delivery to CSIRT Italia is recorded as sealed", func() bool {
		d := deliveries()[orgIT]
		return d != nil && d.Status == rampart.DeliverySealed && d.Attempts == 2
	})
	if h.fileHas(t, "amber for the member states") {
		t.Error("the hub holds A's AMBER in clear")
	}
}

// TestOutboxAudience: a collection whose audience lists CERT-Bund alone
// seals its TLP:AMBER to CERT-Bund and to no other member state, while an
// object addressed to CSIRT Italia still reaches it; lifting the audience
// lets the next AMBER go to every member state again.
func TestOutboxAudience(t *testing.T) {
	f := newTestFed(t)
	a, b, c, _ := star(t, f)
	ctx := context.Background()
	settings := a.node.Settings
	if err := SaveAudience(ctx, settings, a.coll, []string{orgDE}, 0); err != nil {
		t.Fatal(err)
	}
	aud, err := LoadAudience(ctx, settings, a.coll)
	if err != nil || aud == nil || !slices.Equal(aud.To, []string{orgDE}) {
		t.Fatalf("LoadAudience = %+v, %v", aud, err)
	}

	narrowed := f.signed(t, object(t, orgFR, stix.TLPAmber, "amber for CERT-Bund alone", ""))
	addressed, err := trust.Address(object(t, orgFR, stix.TLPAmber, "amber addressed to Italia", ""), orgIT)
	if err != nil {
		t.Fatal(err)
	}
	addressed = f.signed(t, addressed)
	a.add(t, narrowed, addressed)
	eventually(t, "CERT-Bund holds the narrowed AMBER", func() bool { return b.has(t, narrowed.ID) })
	eventually(t, "CSIRT Italia holds the AMBER addressed to it", func() bool { return c.has(t, addressed.ID) })
	ds, err := a.node.Deliveries.FindDeliveries(ctx, rampart.DeliveryFilter{ObjectID: &narrowed.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Recipient != orgDE {
			t.Errorf("the narrowed AMBER was delivered to %s: %+v", d.Recipient, d)
		}
	}
	if c.has(t, narrowed.ID) {
		t.Error("CSIRT Italia holds the AMBER its collection's audience leaves it out of")
	}

	if err := SaveAudience(ctx, settings, a.coll, nil, aud.Version); err != nil {
		t.Fatal(err)
	}
	if aud, err := LoadAudience(ctx, settings, a.coll); err != nil || aud != nil {
		t.Fatalf("after lifting: %+v, %v", aud, err)
	}
	wide := f.signed(t, object(t, orgFR, stix.TLPAmber, "amber for every member state", ""))
	a.add(t, wide)
	eventually(t, "CSIRT Italia holds the AMBER once the audience is lifted", func() bool { return c.has(t, wide.ID) })

	if err := SaveAudience(ctx, settings, a.coll, []string{"DE"}, 0); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("an audience naming no identity: %v, want EINVALID", err)
	}
}
