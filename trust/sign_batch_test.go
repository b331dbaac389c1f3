package trust

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart/stix"
)

func TestSignObjects(t *testing.T) {
	f := newTestFed(t)
	fr := f.ids[orgFR]
	ts := func(t time.Time) string { return stix.NewTimestamp(t).String() }
	// The keys were generated just now: objects made before then are
	// early, unless the registry makes the keys valid then.
	now := time.Now().Add(time.Minute)
	for _, tc := range []struct {
		name      string
		modified  []time.Time
		opt       SignOptions
		wantErr   error
		wantText  string
		wantEarly int
	}{
		{name: "now", modified: []time.Time{now, now}},
		{name: "future", modified: []time.Time{t0.Add(time.Hour)}, opt: SignOptions{Now: t0}, wantText: "is in the future (peers allow 5m0s of clock skew)"},
		{name: "before the keys, no registry", modified: []time.Time{now.AddDate(-3, 0, 0), now, now.AddDate(-2, 0, 0)}, wantEarly: 2},
		{name: "outside the registry's validity", modified: []time.Time{t0, t0.AddDate(-2, 0, 0)}, opt: SignOptions{Now: t0, Registry: f.reg}, wantErr: ErrKeyNotValid},
		{name: "within the registry's validity", modified: []time.Time{t0.AddDate(0, -6, 0)}, opt: SignOptions{Now: t0, Registry: f.reg}},
		{name: "addressed", modified: []time.Time{now}, opt: SignOptions{Recipients: []string{orgDE}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var objs []*stix.Object
			for _, m := range tc.modified {
				objs = append(objs, indicator(t, orgFR, stix.TLPGreen, ts(m)))
			}
			rep, err := fr.SignObjects(objs, tc.opt)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
				return
			case tc.wantText != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantText) {
					t.Fatalf("got %v, want an error with %q", err, tc.wantText)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if rep.Early != tc.wantEarly {
				t.Errorf("%d objects before the keys, want %d", rep.Early, tc.wantEarly)
			}
			if tc.wantEarly > 0 && rep.First.ID != objs[0].ID {
				t.Errorf("first early object %s, want %s", rep.First.ID, objs[0].ID)
			}
			v := f.verifier()
			for _, o := range objs {
				if _, err := v.Verify(o); err != nil && tc.opt.Registry != nil {
					t.Errorf("%s does not verify: %v", o.ID, err)
				}
				if len(tc.opt.Recipients) > 0 && stix.Restriction(o) < stix.TLPAmberStrict {
					t.Errorf("%s is not addressed", o.ID)
				}
				if !strings.Contains(string(o.Raw), ExtensionID) {
					t.Errorf("%s carries no signature", o.ID)
				}
			}
		})
	}
}
