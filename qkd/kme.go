package qkd

import (
	"crypto/rand"
	"encoding/base64"
	json "encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Limits of the simulated KMEs, in the terms of Status.
const (
	simKeySize          = 256
	simMinKeySize       = 64
	simMaxKeySize       = 1024
	simMaxKeyPerRequest = 128
	simMaxKeyCount      = 100000
	simMaxSAEIDCount    = 8
)

// Fault makes a simulated KME misbehave, for tests of what its SAEs do.
type Fault int

const (
	// Sound: the KME serves the interface as specified.
	Sound Fault = iota
	// Failing: every request is answered 503.
	Failing
	// Lying: dec_keys delivers each key with one bit flipped.
	Lying
)

// Stream is the key stream a QKD link delivers to the KMEs at its two
// ends: the keys one KME handed to a master SAE, waiting until its slave
// SAEs fetch them from the other. A Stream is safe for concurrent use.
type Stream struct {
	mu sync.Mutex
	// budget is how many more keys the link can deliver (-1: no end).
	budget int
	keys   map[string]*pending
}

// pending is a key handed to its master SAE and not yet to every slave.
type pending struct {
	material []byte
	master   string
	slaves   []string // those yet to fetch it
}

// NewStream returns a key stream that delivers at most budget keys (no
// limit when budget < 0).
func NewStream(budget int) *Stream {
	return &Stream{budget: budget, keys: make(map[string]*pending)}
}

// Stored is the number of keys waiting for slaves.
func (s *Stream) Stored() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.keys)
}

// KME is one simulated key management entity: it serves the ETSI GS QKD
// 014 interface to the SAEs it knows, authenticated by the common name of
// their TLS client certificate, with keys from the Stream it shares with
// the KME at the link's other end.
type KME struct {
	ID     string
	stream *Stream
	// saes are the SAEs this KME serves; peers, those the other KME
	// serves (the targets of enc_keys, the masters of dec_keys).
	saes, peers map[string]bool
	mu          sync.Mutex
	fault       Fault
}

// NewKMEPair returns the two KMEs of one QKD link, sharing stream: a
// serving the SAEs saesA, b serving saesB.
func NewKMEPair(stream *Stream, idA string, saesA []string, idB string, saesB []string) (a, b *KME) {
	set := func(ids []string) map[string]bool {
		m := make(map[string]bool, len(ids))
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	a = &KME{ID: idA, stream: stream, saes: set(saesA), peers: set(saesB)}
	b = &KME{ID: idB, stream: stream, saes: set(saesB), peers: set(saesA)}
	return a, b
}

// SetFault makes the KME misbehave (or behave again, with Sound).
func (k *KME) SetFault(f Fault) {
	k.mu.Lock()
	k.fault = f
	k.mu.Unlock()
}

func (k *KME) currentFault() Fault {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.fault
}

// ServeHTTP serves /api/v1/keys/{SAE_ID}/status, enc_keys and dec_keys.
// The request must come over TLS with a verified client certificate.
func (k *KME) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		kmeError(w, http.StatusUnauthorized, "a client certificate is required")
		return
	}
	sae := r.TLS.VerifiedChains[0][0].Subject.CommonName
	if !k.saes[sae] {
		kmeError(w, http.StatusUnauthorized, fmt.Sprintf("SAE %q is not served by KME %s", sae, k.ID))
		return
	}
	if k.currentFault() == Failing {
		kmeError(w, http.StatusServiceUnavailable, "KME out of service")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/keys/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 2 || parts[0] == "" {
		kmeError(w, http.StatusNotFound, "no such resource: "+r.URL.Path)
		return
	}
	other, op := parts[0], parts[1]
	if !k.peers[other] {
		kmeError(w, http.StatusBadRequest, fmt.Sprintf("SAE %q is unknown at the other end of the link", other))
		return
	}
	switch {
	case op == "status" && r.Method == http.MethodGet:
		k.status(w, sae, other)
	case op == "enc_keys" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		k.encKeys(w, r, sae, other)
	case op == "dec_keys" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		k.decKeys(w, r, sae, other)
	default:
		kmeError(w, http.StatusNotFound, "no such resource: "+r.Method+" "+r.URL.Path)
	}
}

func (k *KME) status(w http.ResponseWriter, master, slave string) {
	writeJSON(w, Status{
		SourceKMEID: k.ID, TargetKMEID: k.ID + "-peer", MasterSAEID: master, SlaveSAEID: slave,
		KeySize: simKeySize, StoredKeyCount: k.stream.Stored(), MaxKeyCount: simMaxKeyCount,
		MaxKeyPerRequest: simMaxKeyPerRequest, MaxKeySize: simMaxKeySize, MinKeySize: simMinKeySize,
		MaxSAEIDCount: simMaxSAEIDCount,
	})
}

func (k *KME) encKeys(w http.ResponseWriter, r *http.Request, master, slave string) {
	req := KeyRequest{Number: 1, Size: simKeySize}
	if r.Method == http.MethodPost {
		if err := readJSON(r, &req); err != nil {
			kmeError(w, http.StatusBadRequest, "request body: "+err.Error())
			return
		}
		if req.Number == 0 {
			req.Number = 1
		}
		if req.Size == 0 {
			req.Size = simKeySize
		}
		if len(req.ExtensionMandatory) > 0 {
			kmeError(w, http.StatusBadRequest, "extension_mandatory: no extension is supported")
			return
		}
	} else {
		q := r.URL.Query()
		for name, p := range map[string]*int{"number": &req.Number, "size": &req.Size} {
			if v := q.Get(name); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					kmeError(w, http.StatusBadRequest, fmt.Sprintf("%s: %q is not an integer", name, v))
					return
				}
				*p = n
			}
		}
	}
	switch {
	case req.Number < 1 || req.Number > simMaxKeyPerRequest:
		kmeError(w, http.StatusBadRequest, fmt.Sprintf("number %d: from 1 to %d keys a request", req.Number, simMaxKeyPerRequest))
		return
	case req.Size < simMinKeySize || req.Size > simMaxKeySize || req.Size%8 != 0:
		kmeError(w, http.StatusBadRequest, fmt.Sprintf("size %d: key sizes are multiples of 8 from %d to %d bits", req.Size, simMinKeySize, simMaxKeySize))
		return
	case len(req.AdditionalSlaveSAEIDs) > simMaxSAEIDCount:
		kmeError(w, http.StatusBadRequest, fmt.Sprintf("additional_slave_SAE_IDs: at most %d", simMaxSAEIDCount))
		return
	}
	slaves := []string{slave}
	for _, s := range req.AdditionalSlaveSAEIDs {
		if !k.peers[s] {
			kmeError(w, http.StatusBadRequest, fmt.Sprintf("additional_slave_SAE_IDs: SAE %q is unknown at the other end of the link", s))
			return
		}
		if !slices.Contains(slaves, s) {
			slaves = append(slaves, s)
		}
	}
	s := k.stream
	s.mu.Lock()
	if s.budget >= 0 && s.budget < req.Number || len(s.keys)+req.Number > simMaxKeyCount {
		s.mu.Unlock()
		kmeError(w, http.StatusServiceUnavailable, "keys exhausted: the QKD link has not delivered enough key material")
		return
	}
	var kc KeyContainer
	for range req.Number {
		m := make([]byte, req.Size/8)
		rand.Read(m)
		id := newKeyID()
		s.keys[id] = &pending{material: m, master: master, slaves: slices.Clone(slaves)}
		kc.Keys = append(kc.Keys, KeyAndID{KeyID: id, Key: base64.StdEncoding.EncodeToString(m)})
	}
	if s.budget >= 0 {
		s.budget -= req.Number
	}
	s.mu.Unlock()
	writeJSON(w, kc)
}

func (k *KME) decKeys(w http.ResponseWriter, r *http.Request, slave, master string) {
	var ids []string
	if r.Method == http.MethodPost {
		var body KeyIDs
		if err := readJSON(r, &body); err != nil {
			kmeError(w, http.StatusBadRequest, "request body: "+err.Error())
			return
		}
		for _, id := range body.KeyIDs {
			ids = append(ids, id.KeyID)
		}
	} else {
		ids = r.URL.Query()["key_ID"]
	}
	if len(ids) == 0 || len(ids) > simMaxKeyPerRequest {
		kmeError(w, http.StatusBadRequest, fmt.Sprintf("key_IDs: from 1 to %d", simMaxKeyPerRequest))
		return
	}
	lie := k.currentFault() == Lying
	s := k.stream
	s.mu.Lock()
	defer s.mu.Unlock()
	// Every id is checked before any key is handed over: a request
	// with one bad id delivers nothing.
	for _, id := range ids {
		p := s.keys[id]
		if p == nil || p.master != master || !slices.Contains(p.slaves, slave) {
			kmeError(w, http.StatusBadRequest, fmt.Sprintf("key_ID %s: no such key for SAE %q from master SAE %q (unknown, or delivered already)", id, slave, master))
			return
		}
	}
	var kc KeyContainer
	for _, id := range ids {
		p := s.keys[id]
		m := slices.Clone(p.material)
		if lie {
			m[0] ^= 1
		}
		kc.Keys = append(kc.Keys, KeyAndID{KeyID: id, Key: base64.StdEncoding.EncodeToString(m)})
		clear(m)
		p.slaves = slices.DeleteFunc(p.slaves, func(s string) bool { return s == slave })
		if len(p.slaves) == 0 {
			clear(p.material)
			delete(s.keys, id)
		}
	}
	writeJSON(w, kc)
}

// newKeyID returns a random UUID, the form ETSI GS QKD 014 gives key_IDs.
func newKeyID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func readJSON(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.MarshalWrite(w, v)
}

func kmeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.MarshalWrite(w, ErrorBody{Message: msg})
}
