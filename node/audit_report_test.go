package node

import (
	"testing"

	"github.com/rampart-cti/rampart"
)

func TestAuditReportSummary(t *testing.T) {
	c := &rampart.AuditCheckpoint{Seq: 7}
	for _, tc := range []struct {
		r    AuditReport
		want string
	}{
		{AuditReport{}, "0 records, 0 checkpoints: the log is empty"},
		{AuditReport{Records: 3, LastSeq: 3}, "3 records, 0 checkpoints: chain intact up to seq 3; no checkpoint yet"},
		{AuditReport{Records: 9, Checkpoints: 1, LastSeq: 9, LastCheckpoint: c},
			"9 records, 1 checkpoints: chain intact up to seq 9; last checkpoint at seq 7, its signature not checked (the node has neither keys nor a trust registry)"},
		{AuditReport{Records: 9, Checkpoints: 1, LastSeq: 9, LastCheckpoint: c, SignedBy: "CERT-FR", CheckedWith: "trust registry version 2"},
			"9 records, 1 checkpoints: chain intact up to seq 9; last checkpoint at seq 7 signed by CERT-FR (checked against trust registry version 2)"},
	} {
		if got := tc.r.Summary(); got != tc.want {
			t.Errorf("Summary() = %q\nwant %q", got, tc.want)
		}
	}
}
