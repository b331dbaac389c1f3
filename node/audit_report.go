package node

import "fmt"

// Summary says in one line what the check found in a log without a
// problem: how many records and checkpoints, how far the chain holds and
// who signed the last checkpoint, checked against what.
func (r *AuditReport) Summary() string {
	s := fmt.Sprintf("%d records, %d checkpoints: ", r.Records, r.Checkpoints)
	switch c := r.LastCheckpoint; {
	case r.Records == 0:
		return s + "the log is empty"
	case c == nil:
		return s + fmt.Sprintf("chain intact up to seq %d; no checkpoint yet", r.LastSeq)
	case r.CheckedWith == "":
		return s + fmt.Sprintf("chain intact up to seq %d; last checkpoint at seq %d, its signature not checked (the node has neither keys nor a trust registry)", r.LastSeq, c.Seq)
	}
	return s + fmt.Sprintf("chain intact up to seq %d; last checkpoint at seq %d signed by %s (checked against %s)", r.LastSeq, r.LastCheckpoint.Seq, r.SignedBy, r.CheckedWith)
}
