package coord

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDeadlines(t *testing.T) {
	tests := []struct {
		name      string
		detected  string
		trust     bool
		submitted map[string]time.Time
		want      [3]string // early warning, notification, final report due
	}{
		{"plain", "2026-03-10T09:30:00Z", false, nil,
			[3]string{"2026-03-11T09:30:00Z", "2026-03-13T09:30:00Z", "2026-04-13T09:30:00Z"}},
		{"trust service provider notifies in 24 h", "2026-03-10T09:30:00Z", true, nil,
			[3]string{"2026-03-11T09:30:00Z", "2026-03-11T09:30:00Z", "2026-04-11T09:30:00Z"}},
		{"final report counts from the notification's submission", "2026-03-10T09:30:00Z", false,
			map[string]time.Time{ReportNotification: date("2026-03-12T17:00:00Z")},
			[3]string{"2026-03-11T09:30:00Z", "2026-03-13T09:30:00Z", "2026-04-12T17:00:00Z"}},
		{"a late notification moves the final report later", "2026-03-10T09:30:00Z", false,
			map[string]time.Time{ReportNotification: date("2026-03-20T08:00:00Z")},
			[3]string{"2026-03-11T09:30:00Z", "2026-03-13T09:30:00Z", "2026-04-20T08:00:00Z"}},
		{"month rolls over from the 31st", "2027-01-28T12:00:00Z", false, nil,
			[3]string{"2027-01-29T12:00:00Z", "2027-01-31T12:00:00Z", "2027-03-03T12:00:00Z"}},
		{"leap year", "2028-01-28T12:00:00Z", false, nil,
			[3]string{"2028-01-29T12:00:00Z", "2028-01-31T12:00:00Z", "2028-03-02T12:00:00Z"}},
		{"across the end of the year", "2026-12-30T23:00:00Z", false, nil,
			[3]string{"2026-12-31T23:00:00Z", "2027-01-02T23:00:00Z", "2027-02-02T23:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Deadlines(date(tt.detected), tt.trust, tt.submitted)
			var got [3]string
			for i, d := range ds {
				got[i] = d.Due.Format(time.RFC3339)
				if d.Kind != ReportKinds[i] {
					t.Errorf("deadline %d kind = %q, want %q", i, d.Kind, ReportKinds[i])
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("due times (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeadlineState(t *testing.T) {
	due := date("2026-03-11T09:30:00Z")
	tests := []struct {
		name      string
		submitted string
		now       string
		want      string
		overdue   bool
	}{
		{"before the deadline", "", "2026-03-11T09:29:59Z", StatePending, false},
		{"exactly at the deadline", "", "2026-03-11T09:30:00Z", StatePending, false},
		{"one second late", "", "2026-03-11T09:30:01Z", StateOverdue, true},
		{"submitted in time", "2026-03-11T08:00:00Z", "2026-04-01T00:00:00Z", StateSubmitted, false},
		{"submitted late", "2026-03-12T08:00:00Z", "2026-04-01T00:00:00Z", StateSubmittedLate, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Deadline{Kind: ReportEarlyWarning, Due: due}
			if tt.submitted != "" {
				d.Submitted = date(tt.submitted)
			}
			if got := d.State(date(tt.now)); got != tt.want {
				t.Errorf("State = %q, want %q", got, tt.want)
			}
			if got := d.Overdue(date(tt.now)); got != tt.overdue {
				t.Errorf("Overdue = %v, want %v", got, tt.overdue)
			}
		})
	}
}

func TestIncidentOverdue(t *testing.T) {
	inc := &Incident{Detected: date("2026-03-10T09:30:00Z")}
	tests := []struct {
		now    string
		submit map[string]string
		want   []string
	}{
		{"2026-03-10T12:00:00Z", nil, nil},
		{"2026-03-11T12:00:00Z", nil, []string{ReportEarlyWarning}},
		{"2026-03-14T12:00:00Z", nil, []string{ReportEarlyWarning, ReportNotification}},
		{"2026-03-14T12:00:00Z", map[string]string{ReportEarlyWarning: "2026-03-10T20:00:00Z"}, []string{ReportNotification}},
		{"2026-05-01T00:00:00Z", map[string]string{ReportEarlyWarning: "2026-03-10T20:00:00Z", ReportNotification: "2026-03-12T10:00:00Z"}, []string{ReportFinal}},
		{"2026-05-01T00:00:00Z", map[string]string{ReportEarlyWarning: "2026-03-10T20:00:00Z", ReportNotification: "2026-03-12T10:00:00Z", ReportFinal: "2026-04-30T10:00:00Z"}, nil},
	}
	for _, tt := range tests {
		inc.Submitted = nil
		for k, v := range tt.submit {
			if err := inc.Submit(k, date(v)); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(tt.want, inc.Overdue(date(tt.now))); diff != "" {
			t.Errorf("at %s with %v: overdue (-want +got):\n%s", tt.now, tt.submit, diff)
		}
	}
	if err := inc.Submit("interim", date("2026-03-11T00:00:00Z")); err == nil {
		t.Error("Submit accepted an unknown report kind")
	}
	if err := inc.Submit(ReportFinal, date("2026-03-01T00:00:00Z")); err == nil {
		t.Error("Submit accepted a report before detection")
	}
}
