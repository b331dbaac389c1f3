package trust

import (
	"encoding/binary"
	json "encoding/json/v2"
	"fmt"
	"io"
)

// writeJSONFrame writes v as the messages of the node link's handshakes
// are written: its JSON after its length (four bytes, big-endian).
func writeJSONFrame[T any](w io.Writer, v T) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	buf := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	_, err = w.Write(append(buf, body...))
	return err
}

// readJSONFrame reads a message writeJSONFrame wrote, of at most max
// bytes, refusing unknown members; what names it in errors.
func readJSONFrame[T any](r io.Reader, max uint32, what string) (*T, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > max {
		return nil, fmt.Errorf("%s of %d bytes exceeds %d", what, size, max)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	var v T
	if err := json.Unmarshal(body, &v, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("malformed %s: %v", what, jsonText(err))
	}
	return &v, nil
}
