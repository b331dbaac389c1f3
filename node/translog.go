package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/translog"
	"github.com/rampart-cti/rampart/trust"
)

// RegistryLogID is the object id of the registry's entries in the
// transparency log; their version is the registry's version number.
const RegistryLogID = "trust-registry"

// TransparencyLog is the node's transparency log (package translog): every
// object stored that the node's organisation created and signed, whatever
// wrote it (statements, endorsements, alerts, sightings, its own
// intelligence), and every trust registry version it trusts, is a leaf;
// heads are signed with the node's keys. It is a rampart.ObjectSubscriber
// of the node's object service.
//
// The leaves are kept in the store (rampart.LogService); the tree is held
// in memory, read from the store at the first use and brought up to date
// before each answer, so that what other processes on the store appended
// is in it: 64 bytes a leaf. It is safe for concurrent use.
type TransparencyLog struct {
	svc    rampart.LogService
	ident  atomic.Pointer[trust.Identity] // nil: nothing is logged, no head signed
	logger *slog.Logger

	syncMu sync.Mutex
	tree   translog.Tree

	headMu sync.Mutex
	head   *translog.SignedHead

	regMu     sync.Mutex
	regLogged int64 // the last registry version logged by this process
}

var _ rampart.ObjectSubscriber = (*TransparencyLog)(nil)

func newTransparencyLog(svc rampart.LogService, id *trust.Identity, logger *slog.Logger) *TransparencyLog {
	l := &TransparencyLog{svc: svc, logger: logger}
	l.useIdentity(id)
	return l
}

// useIdentity sets the keys heads are signed with, and whose
// organisation's objects are logged ("rampart org init" makes them after
// the node is open).
func (l *TransparencyLog) useIdentity(id *trust.Identity) { l.ident.Store(id) }

// sync appends to the tree the leaves appended to the store since.
func (l *TransparencyLog) sync(ctx context.Context) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	for {
		n := l.tree.Size()
		es, err := l.svc.FindLogEntries(ctx, n, rampart.MaxPageSize)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return nil
		}
		hs := make([]translog.Hash, len(es))
		for i, e := range es {
			if e.Index != n+int64(i) || len(e.LeafHash) != translog.HashSize {
				return fmt.Errorf("transparency log: entry %d of the store is out of place (index %d, %d-byte hash)", n+int64(i), e.Index, len(e.LeafHash))
			}
			hs[i] = translog.Hash(e.LeafHash)
		}
		l.tree.Append(hs...)
	}
}

// AppendObjects appends the objects among objs that the node's
// organisation created and signed, and that the log does not hold, and
// returns the entries appended.
func (l *TransparencyLog) AppendObjects(ctx context.Context, objs []*stix.Object) ([]*rampart.LogEntry, error) {
	id := l.ident.Load()
	if id == nil {
		return nil, nil
	}
	org := id.Organization()
	var es []*rampart.LogEntry
	for _, o := range objs {
		if o == nil || o.CreatedByRef != org || !trust.IsSigned(o) {
			continue
		}
		h, err := translog.EntryHash(o.Raw)
		if err != nil {
			return nil, fmt.Errorf("transparency log: %s: %w", o.ID, err)
		}
		es = append(es, &rampart.LogEntry{LeafHash: h[:], Kind: rampart.LogObject, ObjectID: o.ID, Version: o.Version().String()})
	}
	if len(es) == 0 {
		return nil, nil
	}
	return l.svc.AppendLog(ctx, es)
}

// AppendRegistry appends a trust registry version the node trusts, when
// the log does not hold it.
func (l *TransparencyLog) AppendRegistry(ctx context.Context, reg *trust.Registry) error {
	if l.ident.Load() == nil || reg == nil {
		return nil
	}
	l.regMu.Lock()
	defer l.regMu.Unlock()
	if reg.Version() <= l.regLogged {
		return nil
	}
	h, err := translog.EntryHash(reg.Bytes())
	if err != nil {
		return fmt.Errorf("transparency log: registry version %d: %w", reg.Version(), err)
	}
	_, err = l.svc.AppendLog(ctx, []*rampart.LogEntry{{LeafHash: h[:], Kind: rampart.LogRegistry, ObjectID: RegistryLogID, Version: strconv.FormatInt(reg.Version(), 10)}})
	if err != nil {
		return err
	}
	l.regLogged = reg.Version()
	return nil
}

// ObjectsAdded appends the node's own signed objects among vs. The check
// is a string comparison for objects of other creators, so that imports
// pay nothing; the node's own signed objects are few, and appended before
// the write that stored them returns.
func (l *TransparencyLog) ObjectsAdded(ctx context.Context, _ string, vs []*rampart.ObjectVersion) {
	id := l.ident.Load()
	if id == nil {
		return
	}
	org := id.Organization()
	var objs []*stix.Object
	for _, v := range vs {
		if v.Object != nil && v.Object.CreatedByRef == org {
			objs = append(objs, v.Object)
		}
	}
	if len(objs) == 0 {
		return
	}
	if _, err := l.AppendObjects(context.WithoutCancel(ctx), objs); err != nil {
		l.logger.Error("transparency log: objects not logged", "count", len(objs), "err", err)
	}
}

// ObjectsDeleted does nothing: the log keeps what was signed, deleted or
// not.
func (l *TransparencyLog) ObjectsDeleted(context.Context, string, []string) {}

// Size returns the number of entries, read from the store.
func (l *TransparencyLog) Size(ctx context.Context) (int64, error) {
	if err := l.sync(ctx); err != nil {
		return 0, err
	}
	return l.tree.Size(), nil
}

// SignedHead returns the head of the log as it is now, signed with the
// node's keys: the one signed last while no entry was appended since. It
// returns EINVALID for a node without keys.
func (l *TransparencyLog) SignedHead(ctx context.Context) (*translog.SignedHead, error) {
	id := l.ident.Load()
	if id == nil {
		return nil, rampart.Errorf(rampart.EINVALID, "the node has no keys to sign its transparency log's head with: make them with \"rampart org init\"")
	}
	if err := l.sync(ctx); err != nil {
		return nil, err
	}
	n := l.tree.Size()
	l.headMu.Lock()
	defer l.headMu.Unlock()
	if l.head != nil && l.head.Size == n {
		return l.head, nil
	}
	root, err := l.tree.Root(n)
	if err != nil {
		return nil, err
	}
	h, err := translog.SignHead(id, n, root, time.Now())
	if err != nil {
		return nil, err
	}
	l.head = h
	return h, nil
}

// ConsistencyProof returns the proof that the log at size first is a
// prefix of the log at size second; EINVALID for sizes out of order or
// beyond the log.
func (l *TransparencyLog) ConsistencyProof(ctx context.Context, first, second int64) ([]translog.Hash, error) {
	if err := l.sync(ctx); err != nil {
		return nil, err
	}
	p, err := l.tree.ConsistencyProof(first, second)
	if err != nil {
		return nil, rampart.Errorf(rampart.EINVALID, "consistency proof: %v", err)
	}
	return p, nil
}

// Inclusion returns the proof that the entry with leaf hash leaf is in the
// log at size (the current size when 0), and the entry. It returns
// ENOTFOUND when the log holds no such entry, EINVALID when size is beyond
// the log or does not include the entry.
func (l *TransparencyLog) Inclusion(ctx context.Context, leaf translog.Hash, size int64) (*translog.InclusionProof, *rampart.LogEntry, error) {
	e, err := l.svc.FindLogEntryByHash(ctx, leaf[:])
	if err != nil {
		return nil, nil, err
	}
	if err := l.sync(ctx); err != nil {
		return nil, nil, err
	}
	if size == 0 {
		size = l.tree.Size()
	}
	if size <= e.Index {
		return nil, nil, rampart.Errorf(rampart.EINVALID, "the entry is number %d of the log: a tree of size %d does not hold it", e.Index, size)
	}
	path, err := l.tree.InclusionProof(e.Index, size)
	if err != nil {
		return nil, nil, rampart.Errorf(rampart.EINVALID, "inclusion proof: %v", err)
	}
	return &translog.InclusionProof{LeafIndex: e.Index, TreeSize: size, LeafHash: leaf, Path: path}, e, nil
}

// Entries returns the entries from start to end (end excluded), at most
// rampart.MaxPageSize.
func (l *TransparencyLog) Entries(ctx context.Context, start, end int64) ([]*rampart.LogEntry, error) {
	if start < 0 || end < start {
		return nil, rampart.Errorf(rampart.EINVALID, "entries: start must be 0 or more and end not below it (got %d and %d)", start, end)
	}
	n := min(end-start, rampart.MaxPageSize)
	if n == 0 {
		return nil, nil
	}
	return l.svc.FindLogEntries(ctx, start, int(n))
}

// FindEntries returns the entries of an object's versions (or the
// registry's, for RegistryLogID).
func (l *TransparencyLog) FindEntries(ctx context.Context, objectID string) ([]*rampart.LogEntry, error) {
	return l.svc.FindLogEntriesByObject(ctx, objectID)
}

// ForkRule is the rule of the alert a node raises when it finds that a
// node's transparency log forked.
const ForkRule = "log-fork"

// raiseForkAlert raises a critical alert, through the coordination
// service, that the log of fork.Origin forked, with the two heads that
// contradict each other in its reasons.
func (n *Node) raiseForkAlert(ctx context.Context, fork *translog.Fork) error {
	if n.Identity == nil {
		return errors.New("no keys to sign the alert with")
	}
	now := time.Now().UTC()
	name := fork.Origin
	if n.Verifier != nil {
		if o := n.Verifier.Registry().Organization(fork.Origin); o != nil {
			name = o.Name
		}
	}
	a := &coord.Alert{
		ID: stix.NewID(coord.AlertType), Name: fmt.Sprintf("Transparency log of %s forked", name),
		CreatedBy: n.Identity.Organization(), Created: now, Modified: now,
		Rule: ForkRule, SubjectRef: fork.Origin,
		Severity: coord.SeverityCritical, SeverityScore: 100,
		SeverityReasons: []string{
			fork.Reason,
			"head A: " + string(fork.A.Object.Raw),
			"head B: " + string(fork.B.Object.Raw),
		},
		FirstSeen: now, LastSeen: now,
	}
	o, err := a.Object()
	if err != nil {
		return err
	}
	if _, err := n.Coord.Store(ctx, o); err != nil {
		return fmt.Errorf("store the fork alert: %w", err)
	}
	return nil
}

// LogInclusion returns the proof that a document (by its leaf hash) is in
// the node's log as it is now, with the log's signed head.
func (n *Node) LogInclusion(ctx context.Context, leaf translog.Hash) (*translog.InclusionProof, *rampart.LogEntry, error) {
	head, err := n.Log.SignedHead(ctx)
	if err != nil {
		return nil, nil, err
	}
	p, e, err := n.Log.Inclusion(ctx, leaf, head.Size)
	if err != nil {
		return nil, nil, err
	}
	p.Head = head
	return p, e, nil
}

// LogLeafOf returns the leaf hash of the latest logged version of an
// object (or registry, for RegistryLogID); ENOTFOUND when the log holds
// none.
func (n *Node) LogLeafOf(ctx context.Context, objectID string) (translog.Hash, error) {
	es, err := n.Log.FindEntries(ctx, objectID)
	if err != nil {
		return translog.Hash{}, err
	}
	if len(es) == 0 {
		return translog.Hash{}, rampart.Errorf(rampart.ENOTFOUND, "the transparency log holds no version of %q", objectID)
	}
	return translog.Hash(es[len(es)-1].LeafHash), nil
}

// LogConsistency returns the proof that the node's log, when it had the
// head from, is a prefix of its log now, with both heads. It returns
// EINVALID when from is not a head of this node's log, and an error
// saying so when the log now contradicts from (smaller, or of its size
// with another root): evidence against the log itself.
func (n *Node) LogConsistency(ctx context.Context, from *translog.SignedHead) (*translog.ConsistencyProof, error) {
	head, err := n.Log.SignedHead(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case from.Origin != head.Origin:
		return nil, rampart.Errorf(rampart.EINVALID, "the head is of the log of %s, not of this node's (%s)", from.Origin, head.Origin)
	case from.Size > head.Size:
		return nil, fmt.Errorf("the log has %d entries, fewer than the %d of the head given: entries were removed", head.Size, from.Size)
	case from.Size == head.Size && from.Root != head.Root:
		return nil, fmt.Errorf("the log at size %d has root %s, not the head's %s: it was changed", head.Size, head.Root, from.Root)
	}
	path, err := n.Log.ConsistencyProof(ctx, from.Size, head.Size)
	if err != nil {
		return nil, err
	}
	if path == nil {
		path = []translog.Hash{}
	}
	return &translog.ConsistencyProof{First: from.Size, Second: head.Size, Path: path, FirstHead: from, SecondHead: head}, nil
}
