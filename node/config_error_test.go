package node

import (
	"strings"
	"testing"
	"time"
)

func TestServeConfigCheck(t *testing.T) {
	qkd := QKDConfig{KME: "https://kme:8443", SAE: "fr", CertFile: "c", KeyFile: "k", CAFile: "ca", RotateAfter: time.Minute, RotateBytes: 1}
	tests := []struct {
		name string
		edit func(*ServeConfig)
		want string // "" for no error
		hint string
	}{
		{"loopback plain HTTP", func(c *ServeConfig) {}, "", ""},
		{"cert without key", func(c *ServeConfig) { c.TLSCert = "a.crt" }, "--tls-cert and --tls-key go together", ""},
		{"plain HTTP on every address", func(c *ServeConfig) { c.Listen = "0.0.0.0:8080" }, `refusing to serve plain HTTP on "0.0.0.0:8080"`, "--tls-self-signed"},
		{"self-signed on every address", func(c *ServeConfig) { c.Listen, c.SelfSigned = "0.0.0.0:8080", true }, "", ""},
		{"public URL not one", func(c *ServeConfig) { c.PublicURL = "ftp://x" }, "--public-url: ", ""},
		{"embedded bus and external", func(c *ServeConfig) { c.Bus.Embedded, c.Bus.URL = true, "nats://x" }, "do not go together", ""},
		{"negative workers", func(c *ServeConfig) { c.Bus.Workers = -1 }, "--workers -1: give 0 or more", ""},
		{"too many replicas", func(c *ServeConfig) { c.Bus.Replicas = 6 }, "--nats-replicas 6", ""},
		{"bus listen without embedded", func(c *ServeConfig) { c.Bus.Listen = "127.0.0.1:4222" }, "--bus-listen is the address", ""},
		{"whole QKD", func(c *ServeConfig) { c.QKD = qkd }, "", ""},
		{"QKD without KME", func(c *ServeConfig) { c.QKD = qkd; c.QKD.KME = "" }, "need --qkd-kme URL", ""},
		{"QKD over http", func(c *ServeConfig) { c.QKD = qkd; c.QKD.KME = "http://kme" }, "served over https", ""},
		{"QKD without SAE", func(c *ServeConfig) { c.QKD = qkd; c.QKD.SAE = "" }, "--qkd-kme needs --qkd-sae-id", ""},
		{"QKD never rotates", func(c *ServeConfig) { c.QKD = qkd; c.QKD.RotateBytes = 0 }, "must be positive", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ServeConfig{Listen: "127.0.0.1:0", Bus: BusConfig{Replicas: 1}}
			tt.edit(&c)
			err := c.Check()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check() = %v; want nil", err)
				}
				return
			}
			ce, ok := AsConfigError(err)
			if !ok || !strings.Contains(ce.Msg, tt.want) || !strings.Contains(ce.Hint, tt.hint) {
				t.Fatalf("Check() = %#v; want a ConfigError with %q (hint %q)", err, tt.want, tt.hint)
			}
		})
	}
}
