package rampart

import (
	"context"
	"time"
)

// Delivery states.
const (
	// DeliverySealed: the version went into an envelope sealed to the
	// recipient, which federation serves to the recipient or a hub.
	DeliverySealed = "sealed"
	// DeliveryFailed: it could not be sealed to the recipient (no valid
	// encryption key, a revoked one, not a member); Reason says why, and
	// the node tries again when the trust registry changes.
	DeliveryFailed = "failed"
)

// Delivery is what became of one version of one of this node's objects
// for one recipient organisation it must reach sealed. Each recipient has
// its own: a recipient that cannot be reached never holds back the others.
type Delivery struct {
	ObjectID string
	// Version is the object's modified (or created) timestamp.
	Version string
	// Recipient is the organisation (STIX identity id).
	Recipient string
	Status    string // DeliverySealed or DeliveryFailed
	// EnvelopeID is the envelope that carries the version to the
	// recipient, once sealed.
	EnvelopeID string
	// Reason says why a delivery failed.
	Reason string
	// Attempts counts the times the node tried.
	Attempts  int
	UpdatedAt time.Time
}

// DeliveryFilter selects deliveries; nil fields mean "any".
type DeliveryFilter struct {
	ObjectID  *string
	Recipient *string
	Status    *string
	// Limit is the most returned, newest first (100 when 0).
	Limit int
}

// DeliverySummary is the state of the deliveries to one recipient.
type DeliverySummary struct {
	Recipient string
	Sealed    int64
	Failed    int64
	// LastFailure is the reason of the most recent failed delivery, and
	// LastFailureAt when it was recorded.
	LastFailure   string
	LastFailureAt time.Time
}

// DeliveryService records what became of the versions this node must send
// sealed, per recipient. Implementations are safe for concurrent use.
type DeliveryService interface {
	// RecordDeliveries stores ds, each replacing any earlier record of the
	// same object version and recipient (Attempts then adds up).
	RecordDeliveries(ctx context.Context, ds []*Delivery) error
	// FindDeliveries returns the deliveries the filter selects, most
	// recently updated first.
	FindDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error)
	// FindDeliverySummaries returns one summary per recipient, by
	// recipient.
	FindDeliverySummaries(ctx context.Context) ([]*DeliverySummary, error)
}
