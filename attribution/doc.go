// Package attribution ranks the intrusion sets that may be behind an
// incident, with a calibrated score and the evidence for and against each.
package attribution
