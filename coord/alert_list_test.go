package coord

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAlertListWrite(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC)
	l := AlertList{
		{ID: "x-rampart-alert--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10", Name: "c2 sighted in DE, FR", Rule: "same-indicator", Severity: SeverityMedium,
			MemberStates: []string{"DE", "FR"}, Created: t0, Modified: t0, LastSeen: t0},
		// No timestamps: it has no STIX form, and is left out of the JSON.
		{ID: "x-rampart-alert--2", Name: "watchlist fr", Rule: "watchlist", Severity: SeverityLow, MemberStates: []string{"FR"}},
	}
	var b strings.Builder
	if err := l.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "ID                                                     RULE            SEVERITY  STATES  LAST SEEN             NAME\n" +
		"x-rampart-alert--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10  same-indicator  medium    DE,FR   2026-03-10T11:00:00Z  c2 sighted in DE, FR\n" +
		"x-rampart-alert--2                                     watchlist       low       FR      -                     watchlist fr\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText (-want +got):\n%s", diff)
	}

	b.Reset()
	if err := l.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"id":"x-rampart-alert--7f7e5a18-6a2f-4c38-9a5e-3c3a1b7f2a10"`) {
		t.Errorf("WriteJSON = %q; want the first alert only, one line", b.String())
	}
	b.Reset()
	if err := l[1].WriteJSON(&b); err == nil || b.Len() != 0 {
		t.Errorf("WriteJSON of an alert without timestamps: %v, wrote %q; want an error and nothing", err, b.String())
	}
	b.Reset()
	if err := l[0].WriteJSON(&b); err != nil || b.String() != lines[0]+"\n" {
		t.Errorf("Alert.WriteJSON = %q, %v; want the list's line", b.String(), err)
	}
}
