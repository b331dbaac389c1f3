package node

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/trust"
)

// DraftStatement stores st as the first version of a statement drafted by
// the node's organisation, signed with its keys; textFile, when set,
// names a file whose text (trimmed of surrounding blank space) replaces
// st.Text. Only a national CSIRT of the
// node's trust registry drafts statements: any other organisation is
// refused, with the registry version that says so. It returns the
// statement as stored; the errors of coord.Service.CreateStatement.
func (n *Node) DraftStatement(ctx context.Context, st *coord.Statement, textFile string) (*coord.Statement, error) {
	if n.Identity == nil || n.Verifier == nil {
		return nil, fmt.Errorf("drafting a statement needs the organisation's keys and the trust registry")
	}
	if textFile != "" {
		b, err := os.ReadFile(textFile)
		if err != nil {
			return nil, err
		}
		st.Text = strings.TrimSpace(string(b))
	}
	reg := n.Registry()
	if o := reg.Organization(n.Identity.Organization()); o == nil || o.Role != trust.RoleNationalCSIRT {
		return nil, fmt.Errorf("the keys in %s belong to %s, which is not a national CSIRT of registry version %d: only member states draft statements", n.Config.IdentityFile, n.Identity.Organization(), reg.Version())
	}
	if _, err := n.Coord.CreateStatement(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

// SignStatement endorses statement id in the name of the node's
// organisation, signed with its keys and counted against its trust
// registry, as coord.Service.SignStatement says (terms, explanation and
// force are those of coord.SignRequest). It returns coord's errors, a
// *coord.SignError among them.
func (n *Node) SignStatement(ctx context.Context, id, terms, explanation string, force bool) (*coord.Endorsed, error) {
	if n.Identity == nil || n.Verifier == nil {
		return nil, fmt.Errorf("signing a statement needs the organisation's keys and the trust registry")
	}
	return n.Coord.SignStatement(ctx, coord.SignRequest{Statement: id, Terms: terms, Explanation: explanation,
		Signer: n.Identity, Verifier: n.Verifier, Force: force})
}

// PublishStatement publishes statement id once its endorsements, counted
// against the node's trust registry, reach its quorum. It returns the
// published statement and the quorum; the quorum with an EINVALID error
// saying what is missing when it is not reached.
func (n *Node) PublishStatement(ctx context.Context, id string) (*coord.Statement, *coord.Quorum, error) {
	if n.Verifier == nil {
		return nil, nil, fmt.Errorf("publishing a statement needs the trust registry")
	}
	return n.Coord.PublishStatement(ctx, id, func(st *coord.Statement, objs []*stix.Object) *coord.Quorum {
		return coord.CountEndorsements(st, objs, n.Verifier)
	})
}

// StatementView is a statement the node holds, with what a person checks
// it by.
type StatementView struct {
	Statement *coord.Statement
	// Objects are every version of the statement and of its
	// endorsements, the statement's first.
	Objects []*stix.Object
	// Quorum counts the endorsements against the node's trust registry;
	// nil when the node has none.
	Quorum *coord.Quorum
}

// WriteBundle writes the statement's objects to w as one STIX bundle:
// what "rampart statement verify" (CheckStatements) checks offline. It
// returns the error of w.
func (v *StatementView) WriteBundle(w io.Writer) error {
	bw := stix.NewBundleWriter(w, "")
	for _, o := range v.Objects {
		if err := bw.Write(o); err != nil {
			return err
		}
	}
	return bw.Close()
}

// FindStatement returns statement id with its endorsements, counted when
// the node has a trust registry; ENOTFOUND when there is no such
// statement.
func (n *Node) FindStatement(ctx context.Context, id string) (*StatementView, error) {
	st, _, err := n.Coord.FindStatementByID(ctx, id)
	if err != nil {
		return nil, err
	}
	objs, err := n.Coord.StatementObjects(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &StatementView{Statement: st, Objects: objs}
	if n.Verifier != nil {
		v.Quorum = coord.CountEndorsements(st, objs, n.Verifier)
	}
	return v, nil
}

// CheckStatements checks, offline, every statement among objs (a bundle
// exported from a node) against reg with the default policy, as
// coord.CheckStatements says: none when objs hold no statement.
func CheckStatements(objs []*stix.Object, reg *trust.Registry) ([]*coord.StatementCheck, error) {
	return coord.CheckStatements(objs, trust.NewVerifier(reg, trust.DefaultPolicy()))
}
