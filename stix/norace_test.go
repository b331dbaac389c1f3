//go:build !race

package stix

const raceEnabled = false
