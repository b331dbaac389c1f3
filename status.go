package rampart

import (
	"context"
	"time"
)

// Status states.
const (
	StatusPending  = "pending"
	StatusComplete = "complete"
)

// Status records what became of the objects of one request that added
// objects to a collection (TAXII 2.1 §4.3).
type Status struct {
	ID               string // a UUID
	APIRoot          string
	Account          string // who made the request
	Status           string // StatusPending or StatusComplete
	RequestTimestamp time.Time
	TotalCount       int
	SuccessCount     int
	FailureCount     int
	PendingCount     int
	Successes        []StatusDetail
	Failures         []StatusDetail
	Pendings         []StatusDetail
}

// StatusDetail is the outcome for one object version.
type StatusDetail struct {
	ID      string
	Version string
	Message string
}

// StatusService stores statuses. Implementations are safe for concurrent use.
type StatusService interface {
	// CreateStatus stores s (assigning an ID when empty).
	CreateStatus(ctx context.Context, s *Status) error
	// FindStatusByID returns ENOTFOUND when the API root has no such status.
	FindStatusByID(ctx context.Context, apiRoot, id string) (*Status, error)
	// DeleteStatuses removes statuses requested before t and returns how
	// many were removed.
	DeleteStatuses(ctx context.Context, before time.Time) (int, error)
}
