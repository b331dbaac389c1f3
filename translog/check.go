package translog

import (
	"errors"
	"fmt"

	"github.com/rampart-cti/rampart/trust"
)

// CheckInclusion checks, offline, that doc (a JSON document: a signed STIX
// object, a registry version) is in the log whose signed head is head:
// head signed by its origin's keys (v), and p leading from doc's leaf to
// head's root. It returns doc's leaf hash, and an error saying which check
// failed.
func CheckInclusion(v *trust.Verifier, head *SignedHead, p *InclusionProof, doc []byte) (Hash, error) {
	if head == nil {
		return Hash{}, errors.New("no tree head: give the head the proof leads to")
	}
	if err := head.Verify(v); err != nil {
		return Hash{}, err
	}
	leaf, err := EntryHash(doc)
	if err != nil {
		return Hash{}, err
	}
	if err := p.Verify(head, leaf); err != nil {
		return leaf, fmt.Errorf("the document is not entry %d of the log of %s at size %d: %w", p.LeafIndex, head.Origin, head.Size, err)
	}
	return leaf, nil
}

// CheckConsistency checks, offline, a consistency proof with its two
// heads: both signed by their origin's keys (v), and the older tree a
// prefix of the newer.
func CheckConsistency(v *trust.Verifier, p *ConsistencyProof) error {
	if p.FirstHead == nil || p.SecondHead == nil {
		return errors.New("the consistency proof needs both heads (first_head and second_head) to be checked on its own")
	}
	for _, h := range []*SignedHead{p.FirstHead, p.SecondHead} {
		if err := h.Verify(v); err != nil {
			return err
		}
	}
	if err := p.Verify(p.FirstHead, p.SecondHead); err != nil {
		return fmt.Errorf("the log of %s at size %d is not a prefix of the log at size %d: %w", p.FirstHead.Origin, p.First, p.Second, err)
	}
	return nil
}
