package versions

import (
	"crypto/rand"
	json "encoding/json/v2"
	"fmt"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// statusDetails is how the stores keep a status's detail lists: one JSON
// document, since they are only ever read and written whole.
type statusDetails struct {
	Successes []detail `json:"successes"`
	Failures  []detail `json:"failures"`
	Pendings  []detail `json:"pendings"`
}

type detail struct {
	ID      string `json:"id"`
	Version string `json:"version,omitzero"`
	Message string `json:"message,omitzero"`
}

func toDetails(ds []rampart.StatusDetail) []detail {
	out := make([]detail, len(ds))
	for i, d := range ds {
		out[i] = detail(d)
	}
	return out
}

func fromDetails(ds []detail) []rampart.StatusDetail {
	if len(ds) == 0 {
		return nil
	}
	out := make([]rampart.StatusDetail, len(ds))
	for i, d := range ds {
		out[i] = rampart.StatusDetail(d)
	}
	return out
}

// PrepareStatus readies st to be stored: a random UUID when st.ID is
// empty, and EINVALID for an unknown state. It returns st's detail lists
// encoded by EncodeStatusDetails.
func PrepareStatus(st *rampart.Status) ([]byte, error) {
	if st.ID == "" {
		st.ID = stix.NewUUID()
	}
	if st.Status != rampart.StatusPending && st.Status != rampart.StatusComplete {
		return nil, rampart.Errorf(rampart.EINVALID, "status %q: state must be %q or %q (got %q)", st.ID, rampart.StatusPending, rampart.StatusComplete, st.Status)
	}
	details, err := EncodeStatusDetails(st)
	if err != nil {
		return nil, fmt.Errorf("create status %q: %w", st.ID, err)
	}
	return details, nil
}

// EncodeStatusDetails returns st's detail lists as one JSON document.
func EncodeStatusDetails(st *rampart.Status) ([]byte, error) {
	return json.Marshal(statusDetails{
		Successes: toDetails(st.Successes),
		Failures:  toDetails(st.Failures),
		Pendings:  toDetails(st.Pendings),
	})
}

// DecodeStatusDetails sets st's detail lists from EncodeStatusDetails's
// output; empty lists become nil.
func DecodeStatusDetails(b []byte, st *rampart.Status) error {
	var d statusDetails
	if err := json.Unmarshal(b, &d); err != nil {
		return err
	}
	st.Successes, st.Failures, st.Pendings = fromDetails(d.Successes), fromDetails(d.Failures), fromDetails(d.Pendings)
	return nil
}

// MaxSecretBytes bounds the size of a node secret.
const MaxSecretBytes = 1024

// NewSecret returns n random bytes for the secret name; EINVALID when n is
// not between 1 and MaxSecretBytes or the name is empty.
func NewSecret(name string, n int) ([]byte, error) {
	if name == "" {
		return nil, rampart.Errorf(rampart.EINVALID, "secret: a name is required")
	}
	if n < 1 || n > MaxSecretBytes {
		return nil, rampart.Errorf(rampart.EINVALID, "secret %q: size must be 1 to %d bytes (got %d)", name, MaxSecretBytes, n)
	}
	b := make([]byte, n)
	rand.Read(b)
	return b, nil
}
