package stix

import "encoding/json/jsontext"

// UserAccount is a user account of any kind (§6.16).
type UserAccount struct {
	ObservableProperties
	UserID                string                    `json:"user_id,omitempty"`
	Credential            string                    `json:"credential,omitempty"`
	AccountLogin          string                    `json:"account_login,omitempty"`
	AccountType           string                    `json:"account_type,omitempty"`
	DisplayName           string                    `json:"display_name,omitempty"`
	IsServiceAccount      *bool                     `json:"is_service_account,omitzero"`
	IsPrivileged          *bool                     `json:"is_privileged,omitzero"`
	CanEscalatePrivs      *bool                     `json:"can_escalate_privs,omitzero"`
	IsDisabled            *bool                     `json:"is_disabled,omitzero"`
	AccountCreated        Timestamp                 `json:"account_created,omitzero"`
	AccountExpires        Timestamp                 `json:"account_expires,omitzero"`
	CredentialLastChanged Timestamp                 `json:"credential_last_changed,omitzero"`
	AccountFirstLogin     Timestamp                 `json:"account_first_login,omitzero"`
	AccountLastLogin      Timestamp                 `json:"account_last_login,omitzero"`
	Extensions            *UserAccountExtensions    `json:"extensions,omitempty"`
	Custom                map[string]jsontext.Value `json:",embed"`
}

// UserAccountExtensions are the extensions of a UserAccount: the predefined
// unix-account-ext (§6.16.2) and any others in Other.
type UserAccountExtensions struct {
	UnixAccount *UnixAccountExt           `json:"unix-account-ext,omitempty"`
	Other       map[string]jsontext.Value `json:",embed"`
}

// UnixAccountExt holds UNIX properties of an account (§6.16.2).
type UnixAccountExt struct {
	GID     *int64                    `json:"gid,omitempty"`
	Groups  []string                  `json:"groups,omitempty"`
	HomeDir string                    `json:"home_dir,omitempty"`
	Shell   string                    `json:"shell,omitempty"`
	Custom  map[string]jsontext.Value `json:",embed"`
}

var userAccountProps = map[string]*prop{
	"user_id":                 str(),
	"credential":              str(),
	"account_login":           str(),
	"account_type":            vocab("account-type-ov", accountTypeOV),
	"display_name":            str(),
	"is_service_account":      boolean(),
	"is_privileged":           boolean(),
	"can_escalate_privs":      boolean(),
	"is_disabled":             boolean(),
	"account_created":         timestamp(),
	"account_expires":         timestamp(),
	"credential_last_changed": timestamp(),
	"account_first_login":     timestamp(),
	"account_last_login":      timestamp(),
}

var userAccountSpec = scoSpec(userAccountProps, map[string]*objSpec{
	"unix-account-ext": extSpec(map[string]*prop{
		"gid":      integer(),
		"groups":   strList(),
		"home_dir": str(),
		"shell":    str(),
	}, nil, atLeastOneOf("unix-account-ext", "gid", "groups", "home_dir", "shell")),
}, nil, atLeastOneOf("a user-account", append(sortedKeys(userAccountProps), "extensions")...))
