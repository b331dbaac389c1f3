package trust

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// maxSealedRecord is the most plaintext one sealed record carries.
const maxSealedRecord = 16 << 10

// sealedConn carries a node link's bytes sealed under keys mixed from the
// TLS secret and a QKD key: inside TLS, each write is cut into records of
// at most maxSealedRecord bytes, each sealed with AES-256-GCM under the
// key of its direction, a 4-byte length before it (authenticated as
// additional data) and the record's sequence number as nonce. A record
// that fails to open ends the connection: the two ends hold different
// keys, or someone changed the traffic.
//
// On the initiator's side, a write once the connection has reached its
// rotation limit fails with ErrLinkKeyExpired before anything is
// written, so that the next request goes over a new connection with a
// fresh QKD key.
type sealedConn struct {
	c          net.Conn
	seal, open cipher.AEAD
	initiator  bool
	start      time.Time
	maxAge     time.Duration
	maxBytes   int64
	bytes      atomic.Int64

	wmu  sync.Mutex
	wseq uint64
	wbuf []byte

	rmu    sync.Mutex
	rseq   uint64
	rbuf   []byte // opened, not yet read
	record []byte
}

func newSealedConn(c net.Conn, k *linkKeys, initiator bool, maxAge time.Duration, maxBytes int64) (*sealedConn, error) {
	out, in := k.clientToServer, k.serverToClient
	if !initiator {
		out, in = in, out
	}
	if maxAge <= 0 {
		maxAge = DefaultQKDRotateAfter
	}
	if maxBytes <= 0 {
		maxBytes = DefaultQKDRotateBytes
	}
	seal, err := gcm(out)
	if err != nil {
		return nil, err
	}
	open, err := gcm(in)
	if err != nil {
		return nil, err
	}
	return &sealedConn{c: c, seal: seal, open: open, initiator: initiator, start: time.Now(), maxAge: maxAge, maxBytes: maxBytes}, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func nonce(seq uint64) []byte {
	n := make([]byte, 12)
	binary.BigEndian.PutUint64(n[4:], seq)
	return n
}

// expired reports whether the connection has carried its key long enough.
func (s *sealedConn) expired() bool {
	return time.Since(s.start) >= s.maxAge || s.bytes.Load() >= s.maxBytes
}

func (s *sealedConn) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.initiator && s.expired() {
		return 0, ErrLinkKeyExpired
	}
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), maxSealedRecord)]
		size := len(chunk) + s.seal.Overhead()
		s.wbuf = binary.BigEndian.AppendUint32(s.wbuf[:0], uint32(size))
		s.wbuf = s.seal.Seal(s.wbuf, nonce(s.wseq), chunk, s.wbuf[:4])
		s.wseq++
		if _, err := s.c.Write(s.wbuf); err != nil {
			return n, err
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	s.bytes.Add(int64(n))
	return n, nil
}

func (s *sealedConn) Read(p []byte) (int, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if len(s.rbuf) == 0 {
		var hdr [4]byte
		if _, err := io.ReadFull(s.c, hdr[:]); err != nil {
			return 0, err
		}
		size := int(binary.BigEndian.Uint32(hdr[:]))
		if size < s.open.Overhead() || size > maxSealedRecord+s.open.Overhead() {
			return 0, fmt.Errorf("%w: record %d from %s has an impossible length (%d bytes)", ErrQKD, s.rseq, s.c.RemoteAddr(), size)
		}
		if cap(s.record) < size {
			s.record = make([]byte, size)
		}
		rec := s.record[:size]
		if _, err := io.ReadFull(s.c, rec); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		plain, err := s.open.Open(rec[:0], nonce(s.rseq), rec, hdr[:])
		if err != nil {
			return 0, fmt.Errorf("%w: record %d from %s fails authentication: the two ends hold different keys, or the traffic was changed", ErrQKD, s.rseq, s.c.RemoteAddr())
		}
		s.rseq++
		s.rbuf = plain
	}
	n := copy(p, s.rbuf)
	s.rbuf = s.rbuf[n:]
	s.bytes.Add(int64(n))
	return n, nil
}

// Close closes the connection.
func (s *sealedConn) Close() error { return s.c.Close() }

func (s *sealedConn) LocalAddr() net.Addr                { return s.c.LocalAddr() }
func (s *sealedConn) RemoteAddr() net.Addr               { return s.c.RemoteAddr() }
func (s *sealedConn) SetDeadline(t time.Time) error      { return s.c.SetDeadline(t) }
func (s *sealedConn) SetReadDeadline(t time.Time) error  { return s.c.SetReadDeadline(t) }
func (s *sealedConn) SetWriteDeadline(t time.Time) error { return s.c.SetWriteDeadline(t) }

// ConnectionState returns the state of the TLS connection underneath.
func (s *sealedConn) ConnectionState() tls.ConnectionState {
	if c, ok := s.c.(*tls.Conn); ok {
		return c.ConnectionState()
	}
	return tls.ConnectionState{}
}
