package node

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/rampart-cti/rampart/evidence"
)

// evidenceNeeds are the flags each "rampart evidence" command needs, and
// evidenceTakes those it may take besides (of evidenceChosen).
var (
	evidenceNeeds = map[string][]string{"package": {"incident", "to", "out"}, "hand-over": {"in", "to", "purpose", "out"},
		"receive": {"in", "out"}, "verify": {"in"}, "open": {"in", "out"}}
	evidenceTakes  = map[string][]string{"package": {"artefact", "attribution", "purpose"}, "hand-over": {"name"}}
	evidenceChosen = []string{"incident", "artefact", "attribution", "name", "purpose", "to"}
)

// CheckEvidenceFlags refuses the flags of the evidence command sub
// (package, hand-over, receive, verify or open) when one it needs is
// missing, one it does not take is given, or a registry pin is given
// where the node's own registry applies; given reports whether a flag was
// given on the command line, key whether keys other than the node's
// were. Errors are ConfigErrors.
func CheckEvidenceFlags(sub string, given func(flag string) bool, key bool) error {
	need := evidenceNeeds[sub]
	for _, n := range need {
		if !given(n) {
			return configErrorf("evidence %s needs --%s", sub, n)
		}
	}
	for _, n := range evidenceChosen {
		if given(n) && !slices.Contains(need, n) && !slices.Contains(evidenceTakes[sub], n) {
			return configErrorf("evidence %s does not take --%s", sub, n)
		}
	}
	if (given("registry-fingerprint") || given("insecure-unpinned")) && sub != "verify" && !key {
		return configErrorf("--registry-fingerprint and --insecure-unpinned go with --key FILE (or verify); the node's keys come with its own registry")
	}
	return nil
}

// HandTo makes req a hand-over to the party ref names, with name for a
// party the registry does not know (evidence.ResolveParty), at req.Now
// (set to the current time when zero). A party that cannot be resolved is
// a ConfigError naming --to.
func (req *CustodyRequest) HandTo(ref, name string) error {
	if req.Now.IsZero() {
		req.Now = time.Now()
	}
	to, err := evidence.ResolveParty(ref, name, req.Registry, req.Now)
	if err != nil {
		return configErrorf("--to: %v", err)
	}
	req.To = &to
	return nil
}

// WriteCustodyText says what the custody record rec, of the package
// written to out, records: a hand-over, or its receipt once received.
func WriteCustodyText(w io.Writer, rec *evidence.Record, out string) error {
	if !rec.Received() {
		fmt.Fprintf(w, "custody record %d: %s hands the package to %s at %s; signed. The receiver runs \"rampart evidence receive\".\n", rec.Seq, rec.From, rec.To, rec.HandedAt.Format(time.RFC3339))
	} else {
		fmt.Fprintf(w, "custody record %d: %s received the package at %s; countersigned.\n", rec.Seq, rec.To, rec.ReceivedAt.Format(time.RFC3339))
	}
	_, err := fmt.Fprintf(w, "written to %s\n", out)
	return err
}

// WritePackageText describes the evidence package p, with its manifest
// man, written to out: who made it, for whom it is sealed, what it holds.
func WritePackageText(w io.Writer, p *evidence.Package, man *evidence.Manifest, out string) error {
	c := p.Cover
	fmt.Fprintf(w, "evidence package %s for %s\n", c.ID, c.Incident)
	fmt.Fprintf(w, "  made by   %s\n  sealed to %s (%s), TLP:RED\n", c.CreatedBy, c.To, c.Encryption)
	if err := man.WriteText(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "  sealed content %d bytes, SHA-256 %s\nwritten to %s; hand it over with \"rampart evidence hand-over\"\n", c.SealedSize, c.SealedSHA256, out)
	return err
}
