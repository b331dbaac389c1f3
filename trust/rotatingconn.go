package trust

import (
	"net"
	"sync/atomic"
	"time"
)

// rotatingConn is the initiator's side of a connection that fell back to
// post-quantum TLS alone although this node has a KME: like a sealedConn
// it refuses a write once it reaches the rotation limits, so that the
// next request opens a new connection, which tries for a QKD key again.
type rotatingConn struct {
	net.Conn
	start    time.Time
	maxAge   time.Duration
	maxBytes int64
	bytes    atomic.Int64
}

func newRotatingConn(c net.Conn, maxAge time.Duration, maxBytes int64) *rotatingConn {
	if maxAge <= 0 {
		maxAge = DefaultQKDRotateAfter
	}
	if maxBytes <= 0 {
		maxBytes = DefaultQKDRotateBytes
	}
	return &rotatingConn{Conn: c, start: time.Now(), maxAge: maxAge, maxBytes: maxBytes}
}

func (r *rotatingConn) Write(p []byte) (int, error) {
	if time.Since(r.start) >= r.maxAge || r.bytes.Load() >= r.maxBytes {
		return 0, ErrLinkKeyExpired
	}
	n, err := r.Conn.Write(p)
	r.bytes.Add(int64(n))
	return n, err
}

func (r *rotatingConn) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.bytes.Add(int64(n))
	return n, err
}
