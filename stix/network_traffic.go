package stix

import (
	"encoding/json/jsontext"
	"regexp"
	"strings"
)

// NetworkTraffic is network traffic from a source to a destination
// (§6.12).
type NetworkTraffic struct {
	ObservableProperties
	Start             Timestamp                 `json:"start,omitzero"`
	End               Timestamp                 `json:"end,omitzero"`
	IsActive          *bool                     `json:"is_active,omitzero"`
	SrcRef            string                    `json:"src_ref,omitempty"`
	DstRef            string                    `json:"dst_ref,omitempty"`
	SrcPort           *int                      `json:"src_port,omitempty"`
	DstPort           *int                      `json:"dst_port,omitempty"`
	Protocols         []string                  `json:"protocols"`
	SrcByteCount      *int64                    `json:"src_byte_count,omitempty"`
	DstByteCount      *int64                    `json:"dst_byte_count,omitempty"`
	SrcPackets        *int64                    `json:"src_packets,omitempty"`
	DstPackets        *int64                    `json:"dst_packets,omitempty"`
	IPFIX             map[string]jsontext.Value `json:"ipfix,omitempty"`
	SrcPayloadRef     string                    `json:"src_payload_ref,omitempty"`
	DstPayloadRef     string                    `json:"dst_payload_ref,omitempty"`
	EncapsulatesRefs  []string                  `json:"encapsulates_refs,omitempty"`
	EncapsulatedByRef string                    `json:"encapsulated_by_ref,omitempty"`
	Extensions        *NetworkTrafficExtensions `json:"extensions,omitempty"`
	Custom            map[string]jsontext.Value `json:",embed"`
}

// NetworkTrafficExtensions are the extensions of a NetworkTraffic: the
// predefined ones of §6.12.2–§6.12.5, and any others in Other.
type NetworkTrafficExtensions struct {
	HTTPRequest *HTTPRequestExt           `json:"http-request-ext,omitempty"`
	ICMP        *ICMPExt                  `json:"icmp-ext,omitempty"`
	Socket      *SocketExt                `json:"socket-ext,omitempty"`
	TCP         *TCPExt                   `json:"tcp-ext,omitempty"`
	Other       map[string]jsontext.Value `json:",embed"`
}

// HTTPRequestExt is an HTTP request (§6.12.2).
type HTTPRequestExt struct {
	RequestMethod      string                    `json:"request_method"`
	RequestValue       string                    `json:"request_value"`
	RequestVersion     string                    `json:"request_version,omitempty"`
	RequestHeader      map[string][]string       `json:"request_header,omitempty"`
	MessageBodyLength  *int64                    `json:"message_body_length,omitempty"`
	MessageBodyDataRef string                    `json:"message_body_data_ref,omitempty"`
	Custom             map[string]jsontext.Value `json:",embed"`
}

// ICMPExt holds the ICMP type and code (§6.12.3).
type ICMPExt struct {
	ICMPTypeHex string                    `json:"icmp_type_hex"`
	ICMPCodeHex string                    `json:"icmp_code_hex"`
	Custom      map[string]jsontext.Value `json:",embed"`
}

// SocketExt holds properties of a network socket (§6.12.4).
type SocketExt struct {
	AddressFamily    string                    `json:"address_family"`
	IsBlocking       *bool                     `json:"is_blocking,omitzero"`
	IsListening      *bool                     `json:"is_listening,omitzero"`
	Options          map[string]int64          `json:"options,omitempty"`
	SocketType       string                    `json:"socket_type,omitempty"`
	SocketDescriptor *int64                    `json:"socket_descriptor,omitempty"`
	SocketHandle     *int64                    `json:"socket_handle,omitempty"`
	Custom           map[string]jsontext.Value `json:",embed"`
}

// TCPExt holds TCP flags (§6.12.5).
type TCPExt struct {
	SrcFlagsHex string                    `json:"src_flags_hex,omitempty"`
	DstFlagsHex string                    `json:"dst_flags_hex,omitempty"`
	Custom      map[string]jsontext.Value `json:",embed"`
}

var networkTrafficSpec = scoSpec(map[string]*prop{
	"start":               timestamp(),
	"end":                 timestamp(),
	"is_active":           boolean(),
	"src_ref":             ref("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
	"dst_ref":             ref("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
	"src_port":            intRange(0, 65535),
	"dst_port":            intRange(0, 65535),
	"protocols":           listOf(str().with(checkLowerProtocol)),
	"src_byte_count":      integer(),
	"dst_byte_count":      integer(),
	"src_packets":         integer(),
	"dst_packets":         integer(),
	"ipfix":               dictOf(&prop{kind: kCheckOnly, check: checkIntOrString}),
	"src_payload_ref":     ref("artifact"),
	"dst_payload_ref":     ref("artifact"),
	"encapsulates_refs":   refs("network-traffic"),
	"encapsulated_by_ref": ref("network-traffic"),
}, map[string]*objSpec{
	"http-request-ext": extSpec(map[string]*prop{
		"request_method":        str(),
		"request_value":         str(),
		"request_version":       str(),
		"request_header":        dictOf(strList()),
		"message_body_length":   integer(),
		"message_body_data_ref": ref("artifact"),
	}, []string{"request_method", "request_value"}),
	"icmp-ext": extSpec(map[string]*prop{
		"icmp_type_hex": hexString(),
		"icmp_code_hex": hexString(),
	}, []string{"icmp_type_hex", "icmp_code_hex"}),
	"socket-ext": extSpec(map[string]*prop{
		"address_family":    enum(socketAddressFamilyEnum...),
		"is_blocking":       boolean(),
		"is_listening":      boolean(),
		"options":           dictOf(integer()).with(checkSocketOptions),
		"socket_type":       enum(socketTypeEnum...),
		"socket_descriptor": nonNegative(),
		"socket_handle":     integer(),
	}, []string{"address_family"}),
	"tcp-ext": extSpec(map[string]*prop{
		"src_flags_hex": hexString(),
		"dst_flags_hex": hexString(),
	}, nil, atLeastOneOf("tcp-ext", "src_flags_hex", "dst_flags_hex")),
}, []string{"protocols"},
	atLeastOneOf("a network-traffic", "src_ref", "dst_ref"),
	notBefore("start", "end", false),
	func(c *checker, n *node, path string) {
		if a := n.get("is_active"); a != nil && a.kind == 't' && n.has("end") {
			c.fail(join(path, "end"), "must not be present when is_active is true")
		}
	})

func checkLowerProtocol(c *checker, n *node, path string) {
	if n.kind == '"' && n.str != strings.ToLower(n.str) {
		c.warn(path, "protocol names should be lowercase, as in the IANA service name registry (got %q)", n.str)
	}
}

var socketOptionRE = regexp.MustCompile(`^(SO|ICMP|ICMP6|IP|IPV6|MCAST|TCP|IRLMP)(_[A-Z0-9]+)+$`)

// checkSocketOptions warns about option names that do not look like socket
// option names (a SHOULD of §6.12.4).
func checkSocketOptions(c *checker, n *node, path string) {
	if n.kind != '{' {
		return
	}
	for _, m := range n.members {
		if !socketOptionRE.MatchString(m.name) {
			c.warn(join(path, m.name), "should be a socket option name such as SO_ACCEPTCONN, case preserved")
		}
	}
}
