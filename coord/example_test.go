package coord_test

import (
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/coord"
)

func ExampleDeadlines() {
	detected := time.Date(2027, 1, 28, 12, 0, 0, 0, time.UTC)
	submitted := map[string]time.Time{coord.ReportEarlyWarning: detected.Add(20 * time.Hour)}
	now := detected.Add(80 * time.Hour)
	for _, d := range coord.Deadlines(detected, false, submitted) {
		fmt.Println(d.Kind, d.Due.Format(time.RFC3339), d.State(now))
	}
	// Output:
	// early-warning 2027-01-29T12:00:00Z submitted
	// notification 2027-01-31T12:00:00Z overdue
	// final-report 2027-03-03T12:00:00Z pending
}
