package evidence

import (
	"errors"
	"fmt"
	"time"

	"github.com/rampart-cti/rampart/trust"
)

// Record is one hand-over in a package's chain of custody: who gave the
// package to whom, why and when, linked to the record before it (or to the
// signed cover, for the first) and to the sealed content by their SHA-256.
// The giver signs the hand-over; the receiver countersigns it, with the
// time of receipt, once it holds the package.
type Record struct {
	Seq          int    `json:"seq"`
	Previous     string `json:"previous_sha256"`
	SealedSHA256 string `json:"sealed_sha256"`
	// From is the giver: the package's maker for the first record, the
	// receiver of the record before for the others.
	From     Party     `json:"from"`
	To       Party     `json:"to"`
	Purpose  string    `json:"purpose"`
	HandedAt time.Time `json:"handed_at"`
	// GiverSignature covers every member above.
	GiverSignature *trust.DocumentSignature `json:"giver_signature"`
	// ReceivedAt and ReceiverSignature are set when To receives the
	// package; the signature covers the whole record but itself.
	ReceivedAt        time.Time                `json:"received_at,omitzero"`
	ReceiverSignature *trust.DocumentSignature `json:"receiver_signature,omitempty"`
}

// Received reports whether the receiver has countersigned.
func (r *Record) Received() bool { return r.ReceiverSignature != nil }

// handOverDoc is what the giver signs.
func (r *Record) handOverDoc() ([]byte, error) {
	c := *r
	c.GiverSignature, c.ReceivedAt, c.ReceiverSignature = nil, time.Time{}, nil
	return canonical(&c)
}

// receiptDoc is what the receiver signs.
func (r *Record) receiptDoc() ([]byte, error) {
	c := *r
	c.ReceiverSignature = nil
	return canonical(&c)
}

// digest is the SHA-256 the next record links to.
func (r *Record) digest() (string, error) {
	b, err := canonical(r)
	if err != nil {
		return "", err
	}
	return digest(b), nil
}

// Holder returns who holds the package by its records: the maker before
// the first hand-over, then the last receiver. pending is set when the
// last hand-over has not been received yet; Holder then returns the
// giver, who still answers for it.
func (p *Package) Holder() (holder Party, pending bool) {
	if len(p.Custody) == 0 {
		return p.Cover.CreatedBy, false
	}
	last := p.Custody[len(p.Custody)-1]
	if !last.Received() {
		return last.From, true
	}
	return last.To, false
}

// lastTime is the latest time the package records.
func (p *Package) lastTime() time.Time {
	if len(p.Custody) == 0 {
		return p.Cover.Created
	}
	last := p.Custody[len(p.Custody)-1]
	if last.Received() {
		return last.ReceivedAt
	}
	return last.HandedAt
}

// HandOver records that the holder, whose keys id holds, hands the package
// to to for purpose at now, and signs the record. It refuses when id is
// not the holder, when the last hand-over is not received yet, and when
// now precedes the last time recorded. It does not verify the package:
// call Verify first.
func (p *Package) HandOver(id *trust.Identity, to Party, purpose string, now time.Time) (*Record, error) {
	holder, pending := p.Holder()
	if pending {
		last := p.Custody[len(p.Custody)-1]
		return nil, fmt.Errorf("hand over: custody record %d, to %s, is not received yet; the receiver must run \"rampart evidence receive\" first", last.Seq, last.To)
	}
	me := PartyOf(id, holder.Name)
	if !holder.same(me) {
		return nil, fmt.Errorf("hand over: the package is held by %s; these keys are %s's", holder, me)
	}
	if purpose == "" || len(purpose) > MaxTextBytes {
		return nil, fmt.Errorf("hand over: a purpose of 1 to %d bytes is required", MaxTextBytes)
	}
	if len(to.Name) > MaxTextBytes {
		return nil, fmt.Errorf("hand over: name longer than MaxTextBytes (%d)", MaxTextBytes)
	}
	if to.Keys == nil || to.Keys.SigningKeyIDs()[0] == "" || to.Keys.SigningKeyIDs()[1] == "" {
		return nil, errors.New("hand over: the receiver's key set has no signing keys")
	}
	if len(p.Custody) >= MaxCustodyRecords {
		return nil, fmt.Errorf("hand over: the package holds MaxCustodyRecords (%d) records already", MaxCustodyRecords)
	}
	now = now.UTC().Truncate(time.Millisecond)
	if last := p.lastTime(); now.Before(last) {
		return nil, fmt.Errorf("hand over: the time %s precedes the package's last recorded time %s; check this machine's clock", now.Format(time.RFC3339), last.Format(time.RFC3339))
	}
	prev, err := p.previousDigest(len(p.Custody))
	if err != nil {
		return nil, err
	}
	r := &Record{Seq: len(p.Custody) + 1, Previous: prev, SealedSHA256: digest(p.Sealed), From: holder, To: to, Purpose: purpose, HandedAt: now}
	doc, err := r.handOverDoc()
	if err != nil {
		return nil, err
	}
	if r.GiverSignature, err = id.SignDocument(kindHandOver, doc); err != nil {
		return nil, err
	}
	p.Custody = append(p.Custody, r)
	return r, nil
}

// Receive countersigns the pending hand-over with the receiver's keys id
// at now. It refuses when nothing is pending, when id's keys are not those
// the package was handed to, and when now precedes the hand-over. It does
// not verify the package: call Verify first.
func (p *Package) Receive(id *trust.Identity, now time.Time) (*Record, error) {
	if len(p.Custody) == 0 || p.Custody[len(p.Custody)-1].Received() {
		holder, _ := p.Holder()
		return nil, fmt.Errorf("receive: no hand-over is pending; the package is held by %s", holder)
	}
	r := p.Custody[len(p.Custody)-1]
	if me := PartyOf(id, ""); !r.To.same(me) {
		return nil, fmt.Errorf("receive: custody record %d hands the package to %s; these keys are %s's", r.Seq, r.To, me)
	}
	now = now.UTC().Truncate(time.Millisecond)
	if now.Before(r.HandedAt) {
		return nil, fmt.Errorf("receive: the time %s precedes the hand-over at %s; check this machine's clock", now.Format(time.RFC3339), r.HandedAt.Format(time.RFC3339))
	}
	r.ReceivedAt = now
	doc, err := r.receiptDoc()
	if err != nil {
		return nil, err
	}
	sig, err := id.SignDocument(kindReceipt, doc)
	if err != nil {
		r.ReceivedAt = time.Time{}
		return nil, err
	}
	r.ReceiverSignature = sig
	return r, nil
}

// previousDigest is the digest record i (0-based) must link to.
func (p *Package) previousDigest(i int) (string, error) {
	if i == 0 {
		return p.coverDigest()
	}
	return p.Custody[i-1].digest()
}
