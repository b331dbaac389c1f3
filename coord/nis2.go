package coord

import (
	"fmt"
	"time"
)

// Kinds of NIS2 Art. 23(4) reports, in the order they are due.
const (
	ReportEarlyWarning = "early-warning"
	ReportNotification = "notification"
	ReportFinal        = "final-report"
)

// ReportKinds lists the report kinds in the order they are due.
var ReportKinds = []string{ReportEarlyWarning, ReportNotification, ReportFinal}

// NIS2 Art. 23(4) periods.
const (
	// EarlyWarningPeriod: "without undue delay and in any event within 24
	// hours of becoming aware of the significant incident" (point a).
	EarlyWarningPeriod = 24 * time.Hour
	// NotificationPeriod: "without undue delay and in any event within 72
	// hours of becoming aware" (point b).
	NotificationPeriod = 72 * time.Hour
	// TrustServiceNotificationPeriod: a trust service provider notifies
	// within 24 hours (the derogation after point e).
	TrustServiceNotificationPeriod = 24 * time.Hour
)

// Deadline is one report NIS2 requires, with its due time and, once sent,
// its submission time.
type Deadline struct {
	Kind      string
	Due       time.Time
	Submitted time.Time // zero until the report is submitted
}

// Deadline states, as reported by Deadline.State.
const (
	StatePending       = "pending"        // not due yet, not submitted
	StateOverdue       = "overdue"        // due time passed, not submitted
	StateSubmitted     = "submitted"      // submitted in time
	StateSubmittedLate = "submitted-late" // submitted after the due time
)

// State returns the deadline's state at now.
func (d Deadline) State(now time.Time) string {
	switch {
	case !d.Submitted.IsZero() && d.Submitted.After(d.Due):
		return StateSubmittedLate
	case !d.Submitted.IsZero():
		return StateSubmitted
	case now.After(d.Due):
		return StateOverdue
	}
	return StatePending
}

// Overdue reports whether the deadline has passed at now without the
// report being submitted.
func (d Deadline) Overdue(now time.Time) bool { return d.State(now) == StateOverdue }

// Deadlines computes the three NIS2 Art. 23(4) deadlines of a significant
// incident from the time the entity became aware of it (detected):
//
//   - early warning: detected + 24 h;
//   - incident notification: detected + 72 h (+ 24 h for a trust service
//     provider);
//   - final report: one calendar month after the incident notification was
//     submitted or, while it has not been, one month after it is due (the
//     earliest the final report can then be due).
//
// submitted holds the submission times known so far, by report kind; a
// missing or zero entry means not submitted. A calendar month follows
// time.AddDate: 31 January plus one month is 3 March (2 March in a leap
// year), which is never earlier than "one month" read in any other way.
func Deadlines(detected time.Time, trustService bool, submitted map[string]time.Time) []Deadline {
	detected = detected.UTC()
	notify := NotificationPeriod
	if trustService {
		notify = TrustServiceNotificationPeriod
	}
	ew := Deadline{Kind: ReportEarlyWarning, Due: detected.Add(EarlyWarningPeriod), Submitted: submitted[ReportEarlyWarning]}
	n := Deadline{Kind: ReportNotification, Due: detected.Add(notify), Submitted: submitted[ReportNotification]}
	base := n.Due
	if !n.Submitted.IsZero() {
		base = n.Submitted
	}
	f := Deadline{Kind: ReportFinal, Due: base.AddDate(0, 1, 0), Submitted: submitted[ReportFinal]}
	return []Deadline{ew, n, f}
}

// checkReportKind returns an error naming the kinds when kind is not one.
func checkReportKind(kind string) error {
	for _, k := range ReportKinds {
		if k == kind {
			return nil
		}
	}
	return fmt.Errorf("report kind must be %s, %s or %s (got %q)", ReportEarlyWarning, ReportNotification, ReportFinal, kind)
}
