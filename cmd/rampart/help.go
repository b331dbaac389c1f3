package main

import (
	"embed"
	"fmt"
)

// helpFiles are the commands' usage texts and examples, one file each in
// help/, so that they read and change as text and the Go files hold code.
//
//go:embed help/*.txt
var helpFiles embed.FS

// helpText is the text of help/name; a missing file is a build mistake
// that every test of the command's help finds at once.
func helpText(name string) string {
	b, err := helpFiles.ReadFile("help/" + name)
	if err != nil {
		panic(fmt.Sprintf("rampart: no help text %s: %v", name, err))
	}
	return string(b)
}
