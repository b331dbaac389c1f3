package node

import (
	"fmt"
	"io"
	"os"

	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/trust"
)

// StatementChecks are the checks of every statement in a file against a
// trust registry, as "rampart statement verify" prints them.
type StatementChecks struct {
	Checks   []*coord.StatementCheck
	Registry *trust.Registry
}

// VerifyStatementFile checks, offline, every statement in the file path
// (a bundle exported from a node) against the trust registry in the file
// regPath, as CheckStatements does. A bundle with an unreadable object is
// refused whole: a check that skipped an endorsement could count wrong.
// It returns an error naming the file when it holds no statement.
func VerifyStatementFile(path, regPath string) (*StatementChecks, error) {
	reg, err := trust.ReadRegistryFile(regPath)
	if err != nil {
		return nil, err
	}
	f, err := ReadObjectFile(path)
	if err != nil {
		return nil, err
	}
	checks, err := CheckStatements(f.Objects, reg)
	if err != nil {
		return nil, err
	}
	if len(checks) == 0 {
		return nil, fmt.Errorf("%s holds no %s", path, coord.StatementType)
	}
	return &StatementChecks{Checks: checks, Registry: reg}, nil
}

// Failed returns how many statements failed the check.
func (c *StatementChecks) Failed() int {
	failed := 0
	for _, sc := range c.Checks {
		if !sc.OK() {
			failed++
		}
	}
	return failed
}

// Err returns an error saying how many statements failed the check; nil
// when none did.
func (c *StatementChecks) Err() error {
	if failed := c.Failed(); failed > 0 {
		return fmt.Errorf("%d of %d statements failed the check", failed, len(c.Checks))
	}
	return nil
}

// WriteText writes each check for a person, and a last line saying how
// many statements were checked against which registry version. It
// returns the error of w.
func (c *StatementChecks) WriteText(w io.Writer) error {
	for _, sc := range c.Checks {
		if err := sc.WriteText(w, c.Registry); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d statements checked against registry version %d\n", len(c.Checks), c.Registry.Version())
	return err
}

// WriteText writes the statement's terms and the count of its
// endorsements against reg for a person, as "rampart statement show"
// prints them; without a count (no trust registry) it says how many
// endorsements the node holds. It returns the error of w.
func (v *StatementView) WriteText(w io.Writer, reg *trust.Registry) error {
	if err := v.Statement.WriteTerms(w, reg); err != nil {
		return err
	}
	if v.Quorum == nil {
		_, err := fmt.Fprintf(w, "  %d endorsements on this node; give --registry FILE to count them\n", len(v.Objects)-1)
		return err
	}
	return v.Quorum.WriteText(w, reg)
}

// WriteBundleFile writes the statement's objects as one bundle
// (WriteBundle) to path, a new file, readable by its owner only when
// FileMode says so.
func (v *StatementView) WriteBundleFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode(v.Objects))
	if err != nil {
		return err
	}
	if err := v.WriteBundle(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
