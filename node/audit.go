package node

import (
	"bytes"
	"context"
	"encoding/base64"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// When a serving node with keys signs a checkpoint of its audit log: when
// DefaultCheckpointInterval has passed since the last one, or
// DefaultCheckpointRecords records were appended since, whichever comes
// first; never when nothing was appended since the last one.
const (
	DefaultCheckpointInterval = 10 * time.Minute
	DefaultCheckpointRecords  = 10000
)

// CheckpointType is the STIX type of a checkpoint's signed form: a custom
// object created by the node's organisation with the properties seq (the
// last record covered), hash (that record's hash, base64url) and
// records_at (when that record was appended), signed with the node's
// keys. It is kept with the checkpoint, never stored in a collection, and
// never leaves the node.
const CheckpointType = "x-rampart-audit-checkpoint"

// checkpointPoll is how often a serving node looks at the end of its audit
// log. The log is appended to by other processes too (a second "serve" on
// the same PostgreSQL database), so the node reads it rather than counting
// its own appends.
const checkpointPoll = 30 * time.Second

// checkpointSchedule says when checkpointEvery signs a checkpoint.
type checkpointSchedule struct {
	interval time.Duration
	records  int64
	poll     time.Duration
}

// checkpointAudit signs the audit checkpoints of a serving node until ctx
// is done, and a last one then if records were appended since the one
// before. A node without keys signs none.
func (n *Node) checkpointAudit(ctx context.Context) {
	n.checkpointEvery(ctx, checkpointSchedule{DefaultCheckpointInterval, DefaultCheckpointRecords, checkpointPoll})
}

func (n *Node) checkpointEvery(ctx context.Context, sc checkpointSchedule) {
	if n.Identity == nil {
		// Nothing to sign with: the lease is kept, idle, until the node
		// stops, rather than taken and given back every second.
		n.logger.Info("the audit log is not checkpointed: the node has no keys to sign with")
		<-ctx.Done()
		return
	}
	tail := &auditTail{svc: n.Audit}
	t := time.NewTicker(sc.poll)
	defer t.Stop()
	for {
		if err := n.checkpointIfDue(ctx, tail, sc); err != nil && ctx.Err() == nil {
			n.logger.Warn("audit checkpoint", "err", err)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			n.checkpointOnStop(ctx, tail)
			return
		}
	}
}

// checkpointOnStop signs a last checkpoint when a serving node stops, so
// that the records appended since the one before are not left for the
// next start to cover.
func (n *Node) checkpointOnStop(ctx context.Context, tail *auditTail) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := n.checkpointIfDue(ctx, tail, checkpointSchedule{}); err != nil {
		n.logger.Warn("audit checkpoint on stop", "err", err)
	}
}

// checkpointIfDue signs a checkpoint of the last record when records were
// appended since the last checkpoint and sc says one is due (always, for
// the zero schedule).
func (n *Node) checkpointIfDue(ctx context.Context, tail *auditTail, sc checkpointSchedule) error {
	if err := tail.advance(ctx); err != nil {
		return err
	}
	if !tail.pending() {
		return nil
	}
	if cp := tail.checkpoint; cp != nil && tail.last.Seq-cp.Seq < sc.records && time.Since(cp.At) < sc.interval {
		return nil
	}
	c, err := n.signCheckpoint(ctx, tail.last)
	if rampart.ErrorCode(err) == rampart.ECONFLICT {
		return nil // another process made it; the next advance reads it
	}
	if err != nil {
		return err
	}
	tail.checkpoint = c
	return nil
}

// CheckpointAudit signs a checkpoint of the audit log up to its last
// record, stores it and returns it with created true. When no record was
// appended since the last checkpoint it makes none, and returns that one
// (nil for an empty log) with created false. It returns an error when the
// node has no keys.
func (n *Node) CheckpointAudit(ctx context.Context) (c *rampart.AuditCheckpoint, created bool, err error) {
	if n.Identity == nil {
		return nil, false, rampart.Errorf(rampart.EINVALID, "the node has no keys to sign an audit checkpoint with: make them with \"rampart org init\"")
	}
	tail := &auditTail{svc: n.Audit}
	if err := tail.advance(ctx); err != nil {
		return nil, false, err
	}
	if !tail.pending() {
		return tail.checkpoint, false, nil
	}
	c, err = n.signCheckpoint(ctx, tail.last)
	if err != nil {
		return nil, false, err
	}
	return c, true, nil
}

// signCheckpoint signs and stores a checkpoint at record r.
func (n *Node) signCheckpoint(ctx context.Context, r *rampart.AuditRecord) (*rampart.AuditCheckpoint, error) {
	now := time.Now().UTC()
	o, err := checkpointObject(n.Identity, r, now)
	if err != nil {
		return nil, fmt.Errorf("audit checkpoint at record %d: %w", r.Seq, err)
	}
	c := &rampart.AuditCheckpoint{Seq: r.Seq, Hash: r.Hash, At: now, Signature: o.Raw}
	if err := n.Audit.CreateAuditCheckpoint(ctx, c); err != nil {
		return nil, err
	}
	n.logger.Info("audit checkpoint", "seq", c.Seq)
	return c, nil
}

// checkpointProps are the properties of a checkpoint's signed form.
type checkpointProps struct {
	Type         string `json:"type"`
	SpecVersion  string `json:"spec_version"`
	ID           string `json:"id"`
	Created      string `json:"created"`
	Modified     string `json:"modified"`
	CreatedByRef string `json:"created_by_ref"`
	Seq          int64  `json:"seq"`
	Hash         string `json:"hash"`
	RecordsAt    string `json:"records_at"`
}

// checkpointObject returns the signed form of a checkpoint at record r.
func checkpointObject(id *trust.Identity, r *rampart.AuditRecord, now time.Time) (*stix.Object, error) {
	ts := stix.NewTimestamp(now).String()
	raw, err := json.Marshal(checkpointProps{
		Type: CheckpointType, SpecVersion: "2.1", ID: stix.NewID(CheckpointType),
		Created: ts, Modified: ts, CreatedByRef: id.Organization(),
		Seq: r.Seq, Hash: base64.RawURLEncoding.EncodeToString(r.Hash),
		RecordsAt: r.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
	}, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	o, err := stix.ParseObject(raw)
	if err != nil {
		return nil, err
	}
	return id.Sign(o)
}

// auditTail follows the end of the audit log: its last record and its last
// checkpoint, read forward from where it was, so that following a long log
// reads each record once.
type auditTail struct {
	svc        rampart.AuditService
	last       *rampart.AuditRecord     // nil until a record is read
	checkpoint *rampart.AuditCheckpoint // nil when there is none
}

func (t *auditTail) checkpointSeq() int64 {
	if t.checkpoint == nil {
		return 0
	}
	return t.checkpoint.Seq
}

// pending reports whether records were appended since the last checkpoint.
func (t *auditTail) pending() bool {
	return t.last != nil && t.last.Seq > t.checkpointSeq()
}

// advance reads the checkpoints and records appended since it last did.
// Records are read from the last checkpoint on, never from the start.
func (t *auditTail) advance(ctx context.Context) error {
	for {
		cs, err := t.svc.FindAuditCheckpoints(ctx, t.checkpointSeq(), rampart.MaxPageSize)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			break
		}
		t.checkpoint = cs[len(cs)-1]
	}
	after := t.checkpointSeq()
	if t.last != nil {
		after = max(after, t.last.Seq)
	}
	for {
		rs, err := t.svc.FindAudit(ctx, rampart.AuditFilter{AfterSeq: after, Limit: rampart.MaxPageSize})
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return nil
		}
		t.last, after = rs[len(rs)-1], rs[len(rs)-1].Seq
	}
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	// Records and Checkpoints count those checked, up to the first
	// problem.
	Records     int64
	Checkpoints int64
	// LastSeq is the last record whose hash chains to the ones before.
	LastSeq int64
	// LastCheckpoint is the last checkpoint that checked, nil when none
	// did, and SignedBy the name of the organisation whose keys signed it
	// ("" when signatures were not checked).
	LastCheckpoint *rampart.AuditCheckpoint
	SignedBy       string
	// CheckedWith says what signatures were checked against: "trust
	// registry version N" or "the node's own keys"; "" when the node has
	// neither keys nor a registry, and no signature was checked.
	CheckedWith string
	// Problem is the first record or checkpoint that does not check, nil
	// when the log is intact.
	Problem *AuditProblem
}

// AuditProblem is a record or checkpoint of the audit log that does not
// check.
type AuditProblem struct {
	// Seq is the record's, or the last record the checkpoint covers.
	Seq        int64
	Checkpoint bool
	// Reason says what is wrong, and what it means.
	Reason string
}

func (p *AuditProblem) Error() string {
	if p.Checkpoint {
		return fmt.Sprintf("audit checkpoint at record %d: %s", p.Seq, p.Reason)
	}
	return fmt.Sprintf("audit record %d: %s", p.Seq, p.Reason)
}

// VerifyAudit checks the audit log from its first record: that records are
// numbered from 1 without gaps, that each one's hash is rampart.AuditHash
// of the one before and its own fields, and that every checkpoint holds
// the hash of its record and is signed, over that record and hash, by the
// node's organisation: checked against the trust registry when it lists
// the node's organisation, else against the node's own keys, else not at
// all (AuditReport.CheckedWith says which). It stops at the first problem
// and reports it in AuditReport.Problem; the error is for a log it could
// not read. progress, when set, is called with the records checked so far
// after every page.
//
// A record changed, inserted or removed is found at its place in the
// chain. A chain rewritten from some record on, hashes and all, is found
// by the first checkpoint after it; records removed from the end after
// the last checkpoint, with that checkpoint, are not found: the signed
// checkpoints themselves must be kept elsewhere for that.
func (n *Node) VerifyAudit(ctx context.Context, progress func(done int64)) (*AuditReport, error) {
	cv, err := n.checkpointVerifier(ctx)
	if err != nil {
		return nil, err
	}
	w := &auditWalk{svc: n.Audit, cv: cv, report: &AuditReport{CheckedWith: cv.with}}
	var after int64
	for w.report.Problem == nil {
		rs, err := n.Audit.FindAudit(ctx, rampart.AuditFilter{AfterSeq: after, Limit: rampart.MaxPageSize})
		if err != nil {
			return nil, err
		}
		if len(rs) == 0 {
			break
		}
		for _, r := range rs {
			if err := w.record(ctx, r); err != nil {
				return nil, err
			}
			if w.report.Problem != nil {
				break
			}
		}
		after = rs[len(rs)-1].Seq
		if progress != nil {
			progress(w.report.Records)
		}
	}
	if w.report.Problem == nil {
		if err := w.end(ctx); err != nil {
			return nil, err
		}
	}
	return w.report, nil
}

// auditWalk is VerifyAudit going through the log: the hash of the last
// record checked, and the checkpoints read ahead.
type auditWalk struct {
	svc    rampart.AuditService
	cv     *checkpointVerifier
	report *AuditReport
	prev   []byte
	cps    []*rampart.AuditCheckpoint
	cpRead int64 // the last checkpoint Seq read
}

func (w *auditWalk) problem(seq int64, checkpoint bool, format string, args ...any) {
	w.report.Problem = &AuditProblem{Seq: seq, Checkpoint: checkpoint, Reason: fmt.Sprintf(format, args...)}
}

// record checks r, the record after the last one checked, and the
// checkpoint at r if there is one.
func (w *auditWalk) record(ctx context.Context, r *rampart.AuditRecord) error {
	rep := w.report
	switch want := rep.LastSeq + 1; {
	case r.Seq != want && want == 1:
		w.problem(1, false, "the log starts at record %d: the records before it were removed", r.Seq)
		return nil
	case r.Seq != want:
		w.problem(want, false, "missing: the log goes from record %d to record %d, so records were removed", rep.LastSeq, r.Seq)
		return nil
	}
	if !bytes.Equal(rampart.AuditHash(w.prev, r), r.Hash) {
		if r.Seq == 1 {
			w.problem(r.Seq, false, "its hash does not match its contents: it was changed after it was appended")
		} else {
			w.problem(r.Seq, false, "its hash does not match its contents and the hash of record %d: one of them was changed after it was appended", r.Seq-1)
		}
		return nil
	}
	w.prev, rep.LastSeq = r.Hash, r.Seq
	rep.Records++
	c, err := w.nextCheckpoint(ctx)
	if err != nil || c == nil || c.Seq > r.Seq {
		return err
	}
	w.cps = w.cps[1:]
	if c.Seq < r.Seq {
		w.problem(c.Seq, true, "the log has no record %d for it to cover", c.Seq)
		return nil
	}
	if !bytes.Equal(c.Hash, r.Hash) {
		w.problem(c.Seq, true, "its hash is not that of record %d: the records up to %d were changed after the checkpoint was made", r.Seq, r.Seq)
		return nil
	}
	signer, reason := w.cv.check(c)
	if reason != "" {
		w.problem(c.Seq, true, "%s", reason)
		return nil
	}
	rep.Checkpoints++
	rep.LastCheckpoint, rep.SignedBy = c, signer
	return nil
}

// nextCheckpoint returns the first checkpoint not checked yet, nil when
// there is none.
func (w *auditWalk) nextCheckpoint(ctx context.Context) (*rampart.AuditCheckpoint, error) {
	if len(w.cps) == 0 {
		cs, err := w.svc.FindAuditCheckpoints(ctx, w.cpRead, rampart.MaxPageSize)
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 {
			return nil, nil
		}
		w.cps, w.cpRead = cs, cs[len(cs)-1].Seq
	}
	return w.cps[0], nil
}

// end reports a checkpoint past the last record: records it covered were
// removed.
func (w *auditWalk) end(ctx context.Context) error {
	c, err := w.nextCheckpoint(ctx)
	if err != nil || c == nil {
		return err
	}
	last := w.report.LastSeq
	if last == 0 {
		w.problem(c.Seq, true, "the log is empty: records 1 to %d were removed after the checkpoint was made", c.Seq)
	} else {
		w.problem(c.Seq, true, "the log ends at record %d: records %d to %d were removed after the checkpoint was made", last, last+1, c.Seq)
	}
	return nil
}

// checkpointVerifier checks the signed form of checkpoints.
type checkpointVerifier struct {
	org  string          // the node's organisation
	v    *trust.Verifier // nil: signatures are not checked
	with string          // AuditReport.CheckedWith
}

// checkpointVerifier returns the verifier of the node's checkpoints: the
// node's registry when it lists the node's organisation, else one that
// trusts the node's own keys only, else none.
func (n *Node) checkpointVerifier(ctx context.Context) (*checkpointVerifier, error) {
	cv := &checkpointVerifier{org: n.Organization(ctx)}
	if n.Verifier != nil && cv.org != "" {
		if reg := n.Verifier.Registry(); reg.Organization(cv.org) != nil {
			cv.v, cv.with = n.Verifier, fmt.Sprintf("trust registry version %d", reg.Version())
			return cv, nil
		}
	}
	if n.Identity == nil {
		return cv, nil
	}
	name := "this node's organisation"
	if o, err := n.Organizations.FindOrganizationByID(ctx, cv.org); err == nil {
		name = o.Name
	}
	v, err := ownKeysVerifier(n.Identity, name)
	if err != nil {
		return nil, fmt.Errorf("verify the audit log with the node's keys: %w", err)
	}
	cv.v, cv.with = v, "the node's own keys"
	return cv, nil
}

// ownKeysVerifier returns a verifier that trusts id's keys and no others.
func ownKeysVerifier(id *trust.Identity, name string) (*trust.Verifier, error) {
	return PublicKeysVerifier(id.KeySet(), id.Organization(), name)
}

// PublicKeysVerifier returns a verifier that trusts an organisation's
// public keys and no others: for checking, offline, what that
// organisation's node signed (its audit checkpoints, its transparency log
// heads) with keys obtained from it. Package trust checks signatures
// against a registry only, so this is one of a single organisation,
// signed by an authority made for the purpose and thrown away: it vouches
// for nothing but "these are the organisation's keys".
func PublicKeysVerifier(keys *trust.KeySet, org, name string) (*trust.Verifier, error) {
	if org == "" {
		return nil, errors.New("the keys name no organisation")
	}
	auth, err := trust.GenerateIdentity(keys.Profile, "")
	if err != nil {
		return nil, err
	}
	now := time.Now()
	doc, err := trust.NewRegistryDocument(1, []*trust.AuthorityMember{{Name: "this node", Keys: auth.KeySet().SigningKeys()}}, now)
	if err != nil {
		return nil, err
	}
	o := &trust.Organization{ID: org, Name: name, Country: "EU", Role: trust.RoleNationalCSIRT, Keys: keys.Keys}
	if err := doc.SetOrganization(o, now); err != nil {
		return nil, err
	}
	if err := doc.Sign(auth); err != nil {
		return nil, err
	}
	raw, err := doc.Marshal()
	if err != nil {
		return nil, err
	}
	reg, err := trust.ParseRegistry(raw)
	if err != nil {
		return nil, err
	}
	return trust.NewVerifier(reg, trust.PolicyFor(keys.Profile)), nil
}

// check checks the signed form of checkpoint c, whose hash was found to be
// that of its record. It returns the name of the organisation that signed
// it ("" when signatures are not checked), or the reason it does not
// check.
func (cv *checkpointVerifier) check(c *rampart.AuditCheckpoint) (signer, reason string) {
	o, err := stix.ParseObject(c.Signature)
	if err != nil {
		return "", fmt.Sprintf("its signed form is not a STIX object: %v", err)
	}
	var p checkpointProps
	if o.Type != CheckpointType || o.Decode(&p) != nil {
		return "", fmt.Sprintf("its signed form is a %s, not a well-formed %s", o.Type, CheckpointType)
	}
	if hash := base64.RawURLEncoding.EncodeToString(c.Hash); p.Seq != c.Seq || p.Hash != hash {
		return "", fmt.Sprintf("its signed form covers record %d with hash %s, not record %d with hash %s", p.Seq, p.Hash, c.Seq, hash)
	}
	if cv.org != "" && o.CreatedByRef != cv.org {
		return "", fmt.Sprintf("it was made by %s, not by this node's organisation %s", o.CreatedByRef, cv.org)
	}
	if cv.v == nil {
		return "", ""
	}
	s, err := cv.v.Verify(o)
	if err != nil {
		return "", fmt.Sprintf("its signature does not check against %s: %v", cv.with, err)
	}
	return s.Organization.Name, ""
}

// FindAudit returns up to limit records (all when limit is 0) that f
// selects, in Seq order, reading the log a page at a time, and whether
// more records follow those returned. f.Limit is its own.
func (n *Node) FindAudit(ctx context.Context, f rampart.AuditFilter, limit int) (records []*rampart.AuditRecord, more bool, err error) {
	for limit == 0 || len(records) < limit {
		f.Limit = rampart.MaxPageSize
		if limit > 0 {
			f.Limit = min(limit-len(records), rampart.MaxPageSize)
		}
		page, err := n.Audit.FindAudit(ctx, f)
		if err != nil {
			return nil, false, err
		}
		if len(page) == 0 {
			return records, false, nil
		}
		records = append(records, page...)
		f.AfterSeq = page[len(page)-1].Seq
	}
	f.Limit = 1
	next, err := n.Audit.FindAudit(ctx, f)
	return records, len(next) > 0, err
}
