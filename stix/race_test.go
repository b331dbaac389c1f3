//go:build race

package stix

const raceEnabled = true
