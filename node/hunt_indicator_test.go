package node

import (
	"context"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

func TestHuntIndicator(t *testing.T) {
	ctx := context.Background()
	an := openAuditNode(t, false, false)
	c := an.defaultCollection(t)
	stored := indicator(t, 4)
	if _, err := an.Objects.CreateObjects(ctx, c.ID, []*stix.Object{stored, note(t, 5)}); err != nil {
		t.Fatal(err)
	}
	ind, err := an.HuntIndicator(ctx, c.ID, stored.ID, "")
	if err != nil || ind.ID != stored.ID {
		t.Fatalf("stored indicator: %v, %v; want %s", ind, err, stored.ID)
	}
	const pat = "[domain-name:value = 'evil.example']"
	a, err := an.HuntIndicator(ctx, c.ID, "", pat)
	if err != nil {
		t.Fatal(err)
	}
	b, err := an.HuntIndicator(ctx, c.ID, "", pat)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID || stix.IDType(a.ID) != "indicator" || a.Pattern.String() != pat {
		t.Errorf("pattern: ids %s and %s, pattern %s; want one indicator id for one pattern, and the pattern", a.ID, b.ID, a.Pattern)
	}
	if other, _ := an.HuntIndicator(ctx, c.ID, "", "[domain-name:value = 'other.example']"); other == nil || other.ID == a.ID {
		t.Errorf("another pattern has the id of the first: %v", other)
	}
	for _, tc := range []struct {
		id, pat, want string
		code          string
	}{
		{"indicator--00000000-0000-4000-8000-000000000099", "", "holds no object", rampart.ENOTFOUND},
		{note(t, 5).ID, "", "", ""},
		{"", "[domain-name:value = ", "", ""},
	} {
		_, err := an.HuntIndicator(ctx, c.ID, tc.id, tc.pat)
		if err == nil || !strings.Contains(err.Error(), tc.want) || tc.code != "" && rampart.ErrorCode(err) != tc.code {
			t.Errorf("id %q, pattern %q: err = %v; want %q %s", tc.id, tc.pat, err, tc.want, tc.code)
		}
	}
}
