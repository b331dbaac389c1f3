package node

import (
	"errors"
	"fmt"
	"strings"
)

// A ConfigError is a setting of serve or worker that is wrong or does not
// go with another, named as the command-line flag that sets it, with a
// hint of what to do when there is more to say than the error.
type ConfigError struct {
	Msg, Hint string
}

func (e *ConfigError) Error() string { return e.Msg }

func configErrorf(format string, args ...any) error {
	return &ConfigError{Msg: fmt.Sprintf(format, args...)}
}

// Check refuses settings that do not go together, a public URL that is
// not one and plain HTTP beyond loopback; it normalises PublicURL.
func (c *ServeConfig) Check() error {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return configErrorf("--tls-cert and --tls-key go together")
	}
	if c.PublicURL != "" {
		u, err := ParsePublicURL(c.PublicURL)
		if err != nil {
			return configErrorf("--public-url: %v", strings.TrimPrefix(err.Error(), "public URL "))
		}
		c.PublicURL = u
	}
	if err := c.Bus.check(0); err != nil {
		return err
	}
	if c.TLSCert == "" && !c.SelfSigned && !Loopback(c.Listen) {
		return &ConfigError{Msg: fmt.Sprintf("refusing to serve plain HTTP on %q: only loopback addresses may go without TLS", c.Listen),
			Hint: "give --tls-cert FILE --tls-key FILE, or --tls-self-signed for a trial"}
	}
	return c.QKD.Check()
}

// check refuses bus settings that do not go together; minWorkers is the
// fewest matcher workers the process may run (0 for serve, 1 for worker).
func (c *BusConfig) check(minWorkers int) error {
	switch {
	case c.Embedded && c.URL != "":
		return configErrorf("--bus embedded and --nats do not go together: the node uses its own NATS server or an external one")
	case c.Workers < minWorkers:
		return configErrorf("--workers %d: give %d or more", c.Workers, minWorkers)
	case c.Replicas < 1 || c.Replicas > 5:
		return configErrorf("--nats-replicas %d: NATS keeps 1 to 5 copies of a stream", c.Replicas)
	case c.Listen != "" && !c.Embedded:
		return configErrorf("--bus-listen is the address of the embedded NATS server: give --bus embedded too")
	}
	return nil
}

// Check refuses QKD settings that do not go together.
func (q *QKDConfig) Check() error {
	if q.KME == "" {
		if q.SAE != "" || q.CertFile != "" || q.KeyFile != "" || q.CAFile != "" {
			return configErrorf("--qkd-sae-id, --qkd-cert, --qkd-key and --qkd-ca need --qkd-kme URL, the node's QKD key management entity")
		}
		return nil
	}
	if !strings.HasPrefix(q.KME, "https://") {
		return configErrorf("--qkd-kme %q: the ETSI GS QKD 014 API is served over https (mutual TLS)", q.KME)
	}
	if q.SAE == "" || q.CertFile == "" || q.KeyFile == "" || q.CAFile == "" {
		return configErrorf("--qkd-kme needs --qkd-sae-id ID, --qkd-cert FILE, --qkd-key FILE and --qkd-ca FILE: the KME knows this node by its SAE id and TLS client certificate")
	}
	if q.RotateAfter <= 0 || q.RotateBytes <= 0 {
		return configErrorf("--qkd-rotate-after and --qkd-rotate-bytes must be positive (got %s and %d)", q.RotateAfter, q.RotateBytes)
	}
	return nil
}

// AsConfigError returns err as a ConfigError, if it is one.
func AsConfigError(err error) (*ConfigError, bool) {
	var ce *ConfigError
	return ce, errors.As(err, &ce)
}
