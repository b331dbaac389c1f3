package stix

import "encoding/json/jsontext"

// Process is an instance of a program running on an operating system
// (§6.13). Its id is random: it has no ID Contributing Properties.
type Process struct {
	ObservableProperties
	IsHidden             *bool                     `json:"is_hidden,omitzero"`
	PID                  *int64                    `json:"pid,omitempty"`
	CreatedTime          Timestamp                 `json:"created_time,omitzero"`
	Cwd                  string                    `json:"cwd,omitempty"`
	CommandLine          string                    `json:"command_line,omitempty"`
	EnvironmentVariables map[string]string         `json:"environment_variables,omitempty"`
	OpenedConnectionRefs []string                  `json:"opened_connection_refs,omitempty"`
	CreatorUserRef       string                    `json:"creator_user_ref,omitempty"`
	ImageRef             string                    `json:"image_ref,omitempty"`
	ParentRef            string                    `json:"parent_ref,omitempty"`
	ChildRefs            []string                  `json:"child_refs,omitempty"`
	Extensions           *ProcessExtensions        `json:"extensions,omitempty"`
	Custom               map[string]jsontext.Value `json:",embed"`
}

// ProcessExtensions are the extensions of a Process: the predefined ones of
// §6.13.2 and §6.13.3, and any others in Other.
type ProcessExtensions struct {
	WindowsProcess *WindowsProcessExt        `json:"windows-process-ext,omitempty"`
	WindowsService *WindowsServiceExt        `json:"windows-service-ext,omitempty"`
	Other          map[string]jsontext.Value `json:",embed"`
}

// WindowsProcessExt holds Windows properties of a process (§6.13.2).
type WindowsProcessExt struct {
	ASLREnabled    *bool                     `json:"aslr_enabled,omitzero"`
	DEPEnabled     *bool                     `json:"dep_enabled,omitzero"`
	Priority       string                    `json:"priority,omitempty"`
	OwnerSID       string                    `json:"owner_sid,omitempty"`
	WindowTitle    string                    `json:"window_title,omitempty"`
	StartupInfo    map[string]jsontext.Value `json:"startup_info,omitempty"`
	IntegrityLevel string                    `json:"integrity_level,omitempty"`
	Custom         map[string]jsontext.Value `json:",embed"`
}

// WindowsServiceExt holds properties of a Windows service (§6.13.3).
type WindowsServiceExt struct {
	ServiceName    string                    `json:"service_name,omitempty"`
	Descriptions   []string                  `json:"descriptions,omitempty"`
	DisplayName    string                    `json:"display_name,omitempty"`
	GroupName      string                    `json:"group_name,omitempty"`
	StartType      string                    `json:"start_type,omitempty"`
	ServiceDLLRefs []string                  `json:"service_dll_refs,omitempty"`
	ServiceType    string                    `json:"service_type,omitempty"`
	ServiceStatus  string                    `json:"service_status,omitempty"`
	Custom         map[string]jsontext.Value `json:",embed"`
}

var processProps = map[string]*prop{
	"is_hidden":              boolean(),
	"pid":                    integer(),
	"created_time":           timestamp(),
	"cwd":                    str(),
	"command_line":           str(),
	"environment_variables":  dictOf(str()),
	"opened_connection_refs": refs("network-traffic"),
	"creator_user_ref":       ref("user-account"),
	"image_ref":              ref("file"),
	"parent_ref":             ref("process"),
	"child_refs":             refs("process"),
}

var processSpec = scoSpec(processProps, map[string]*objSpec{
	"windows-process-ext": extSpec(map[string]*prop{
		"aslr_enabled":    boolean(),
		"dep_enabled":     boolean(),
		"priority":        str(),
		"owner_sid":       str(),
		"window_title":    str(),
		"startup_info":    dictOf(nil).with(checkStartupInfo),
		"integrity_level": enum(windowsIntegrityLevelEnum...),
	}, nil, atLeastOneOf("windows-process-ext", "aslr_enabled", "dep_enabled", "priority", "owner_sid", "window_title", "startup_info", "integrity_level")),
	"windows-service-ext": extSpec(map[string]*prop{
		"service_name":     str(),
		"descriptions":     strList(),
		"display_name":     str(),
		"group_name":       str(),
		"start_type":       enum(windowsServiceStartTypeEnum...),
		"service_dll_refs": refs("file"),
		"service_type":     enum(windowsServiceTypeEnum...),
		"service_status":   enum(windowsServiceStatusEnum...),
	}, nil, atLeastOneOf("windows-service-ext", "service_name", "descriptions", "display_name", "group_name", "start_type", "service_dll_refs", "service_type", "service_status")),
}, nil, atLeastOneOf("a process", append(sortedKeys(processProps), "extensions")...))

// startupInfoFields are the members of the Windows STARTUPINFO structure,
// the only keys startup_info may have (§6.13.2).
var startupInfoFields = []string{
	"cb", "lpReserved", "lpDesktop", "lpTitle", "dwX", "dwY", "dwXSize", "dwYSize",
	"dwXCountChars", "dwYCountChars", "dwFillAttribute", "dwFlags", "wShowWindow",
	"cbReserved2", "lpReserved2", "hStdInput", "hStdOutput", "hStdError",
}

func checkStartupInfo(c *checker, n *node, path string) {
	if n.kind != '{' {
		return
	}
	for _, m := range n.members {
		if !contains(startupInfoFields, m.name) {
			c.fail(join(path, m.name), "is not a member of the STARTUPINFO structure (keys must be its member names, case preserved)")
		}
	}
}
