package stix

import (
	"encoding/json/jsontext"
	"strconv"
	"strings"
)

// EmailAddr is one email address (§6.5).
type EmailAddr struct {
	ObservableProperties
	Value        string                    `json:"value"`
	DisplayName  string                    `json:"display_name,omitempty"`
	BelongsToRef string                    `json:"belongs_to_ref,omitempty"`
	Extensions   Extensions                `json:"extensions,omitempty"`
	Custom       map[string]jsontext.Value `json:",embed"`
}

var emailAddrSpec = scoSpec(map[string]*prop{
	"value":          str().with(checkAddrSpec),
	"display_name":   str(),
	"belongs_to_ref": ref("user-account"),
}, nil, []string{"value"})

// checkAddrSpec checks that an email address is an RFC 5322 addr-spec
// (local@domain) without a display name.
func checkAddrSpec(c *checker, n *node, path string) {
	if n.kind != '"' {
		return
	}
	s := n.str
	at := strings.LastIndexByte(s, '@')
	switch {
	case at <= 0 || at == len(s)-1:
		c.fail(path, "must be an addr-spec of the form local-part@domain (got %q)", truncate(s))
	case strings.ContainsAny(s, "<>") || strings.ContainsAny(s[at:], " \t\r\n"):
		c.fail(path, "must be the address alone, without a display name or angle brackets (got %q)", truncate(s))
	}
}

// EmailMessage is an email message (§6.6).
type EmailMessage struct {
	ObservableProperties
	IsMultipart            bool                      `json:"is_multipart"`
	Date                   Timestamp                 `json:"date,omitzero"`
	ContentType            string                    `json:"content_type,omitempty"`
	FromRef                string                    `json:"from_ref,omitempty"`
	SenderRef              string                    `json:"sender_ref,omitempty"`
	ToRefs                 []string                  `json:"to_refs,omitempty"`
	CcRefs                 []string                  `json:"cc_refs,omitempty"`
	BccRefs                []string                  `json:"bcc_refs,omitempty"`
	MessageID              string                    `json:"message_id,omitempty"`
	Subject                string                    `json:"subject,omitempty"`
	ReceivedLines          []string                  `json:"received_lines,omitempty"`
	AdditionalHeaderFields map[string]jsontext.Value `json:"additional_header_fields,omitempty"`
	Body                   string                    `json:"body,omitempty"`
	BodyMultipart          []EmailMIMEPart           `json:"body_multipart,omitempty"`
	RawEmailRef            string                    `json:"raw_email_ref,omitempty"`
	Extensions             Extensions                `json:"extensions,omitempty"`
	Custom                 map[string]jsontext.Value `json:",embed"`
}

// EmailMIMEPart is one part of a multipart email body (§6.6.2): either
// Body or BodyRawRef is set.
type EmailMIMEPart struct {
	Body               string                    `json:"body,omitempty"`
	BodyRawRef         string                    `json:"body_raw_ref,omitempty"`
	ContentType        string                    `json:"content_type,omitempty"`
	ContentDisposition string                    `json:"content_disposition,omitempty"`
	Custom             map[string]jsontext.Value `json:",embed"`
}

var mimePartSpec = &objSpec{
	props: map[string]*prop{
		"body":                str(),
		"body_raw_ref":        ref("artifact", "file"),
		"content_type":        str(),
		"content_disposition": str(),
	},
	custom: customFree,
	checks: []checkFn{func(c *checker, n *node, path string) {
		switch b, r := n.has("body"), n.has("body_raw_ref"); {
		case b && r:
			c.fail(join(path, "body_raw_ref"), "must not be present together with body")
		case !b && !r:
			c.fail(path, "a MIME part must have one of body or body_raw_ref")
		}
	}},
}

var emailMessageSpec = scoSpec(map[string]*prop{
	"is_multipart":             boolean(),
	"date":                     timestamp(),
	"content_type":             str(),
	"from_ref":                 ref("email-addr"),
	"sender_ref":               ref("email-addr"),
	"to_refs":                  refs("email-addr"),
	"cc_refs":                  refs("email-addr"),
	"bcc_refs":                 refs("email-addr"),
	"message_id":               str(),
	"subject":                  str(),
	"received_lines":           strList(),
	"additional_header_fields": dictOf(&prop{kind: kCheckOnly, check: checkHeaderValue}),
	"body":                     str(),
	"body_multipart":           listOf(object(mimePartSpec)),
	"raw_email_ref":            ref("artifact"),
}, nil, []string{"is_multipart"}, func(c *checker, n *node, path string) {
	mp := n.get("is_multipart")
	if mp == nil {
		return
	}
	switch {
	case mp.kind == 't' && n.has("body"):
		c.fail(join(path, "body"), "must not be used when is_multipart is true")
	case mp.kind == 'f' && n.has("body_multipart"):
		c.fail(join(path, "body_multipart"), "must not be used when is_multipart is false")
	}
})

// checkHeaderValue checks an additional_header_fields value: a list of
// strings (§6.6), or a single string as the specification's own examples
// and the OASIS schemas have it.
func checkHeaderValue(c *checker, n *node, path string) {
	switch n.kind {
	case '"':
	case '[':
		if len(n.items) == 0 {
			c.fail(path, "must not be an empty list")
		}
		for i, it := range n.items {
			c.wantKind(it, index(path, i), '"', "a string")
		}
	default:
		c.fail(path, "must be a list of strings (got %s)", n.kindName())
	}
}

func strconvQuoteRune(r rune) string { return strconv.QuoteRune(r) }
