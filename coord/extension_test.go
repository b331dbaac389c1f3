package coord

import (
	"testing"
	"time"

	"github.com/rampart-cti/rampart/coord/internal/coordtest"
	"github.com/rampart-cti/rampart/stix"
)

func TestExtensionDefinitions(t *testing.T) {
	defs := ExtensionDefinitions()
	want := map[string]string{
		NIS2ExtensionID: stix.ExtensionProperty, AlertExtensionID: stix.ExtensionNewSDO,
		StatementExtensionID: stix.ExtensionNewSDO, EndorsementExtensionID: stix.ExtensionProperty,
		TriageExtensionID: stix.ExtensionNewSDO, rampartIdentityID: "",
	}
	if len(defs) != len(want) {
		t.Fatalf("%d objects, want %d", len(defs), len(want))
	}
	for _, o := range defs {
		if err := stix.Validate(o); err != nil {
			t.Errorf("%s: %v", o.ID, err)
		}
		kind, ok := want[o.ID]
		if !ok {
			t.Errorf("unexpected object %s", o.ID)
			continue
		}
		if o.Type == "extension-definition" {
			var d stix.ExtensionDefinition
			if err := o.Decode(&d); err != nil || len(d.ExtensionTypes) != 1 || d.ExtensionTypes[0] != kind || d.CreatedByRef != rampartIdentityID {
				t.Errorf("%s: %v %+v", o.ID, err, d.ExtensionTypes)
			}
		}
	}
}

func TestDefinitionsStoredWithFirstWrite(t *testing.T) {
	store := coordtest.NewStore(alertColl, "feed")
	now := t0
	svc := newService(store, orgIDs["FR"], "FR", &now)
	if n := len(store.Objects(t, alertColl, "extension-definition")); n != 0 {
		t.Fatalf("%d definitions before any write", n)
	}
	for range 2 {
		if err := svc.CreateIncident(ctx, &Incident{Name: "x", Detected: now.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(store.Objects(t, alertColl, "extension-definition")); n != 5 {
		t.Errorf("%d definitions after writing, want 5", n)
	}
	if n := store.Versions(NIS2ExtensionID, alertColl); n != 1 {
		t.Errorf("the NIS2 definition is stored %d times", n)
	}
}
