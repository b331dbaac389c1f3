package match

import "sync/atomic"

type atomicSnapshot = atomic.Pointer[snapshot]
