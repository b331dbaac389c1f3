package coord

import (
	"context"

	"github.com/rampart-cti/rampart/coord/internal/coordtest"
)

var ctx = context.Background()

// t0 is the tests' reference time.
var t0 = coordtest.T0

// alertColl is the coordination collection of the tests.
const alertColl = "coordination"
