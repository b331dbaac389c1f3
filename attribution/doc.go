// Package attribution ranks the intrusion sets that may be behind an
// incident, with a calibrated score and the evidence for and against each,
// and evaluates that ranking against simple baselines.
//
// Reach first for ReadKnowledge (a STIX bundle such as MITRE ATT&CK
// Enterprise, gzip or not, read one object at a time) or NewKnowledge with
// Add/AddAll (objects from a node's store), then NewEngine and Engine.Rank:
//
//	k, err := attribution.ReadKnowledge(f, nil)
//	e := attribution.NewEngine(k, attribution.Config{})
//	r := e.Rank(attribution.Query{Techniques: []string{"T1566.001"}, Software: []string{"S0154"}})
//	r.WriteText(os.Stdout, 8)
//
// The Knowledge holds techniques and sub-techniques, software, intrusion
// sets, campaigns, indicators and their relationships, with lookups by
// ATT&CK id (Lookup("G0007")). Revoked objects resolve to their
// replacement (revoked-by); deprecated ones are neither ranked nor counted.
// Aliases are weighted links between intrusion sets, never merges.
//
// The Engine scores each intrusion set with a smoothed likelihood model:
// rare evidence weighs more than evidence every set shows, a sub-technique
// is evidence for its parent, software brings its techniques at a low
// weight, campaigns attributed to a set lend it their evidence, and known
// campaigns that look like the incident pass part of their posterior to the
// sets they are attributed to. A Calibration maps the posterior to a score
// that behaves like a probability. Evaluate reproduces the tables of
// docs/ATTRIBUTION.md from their seeds.
//
// RankBatch ranks a batch of queries read as JSON lines and writes one
// line per ranking (Ranking.WriteJSONLine), as "rampart attribute
// --queries" does; ReadKnowledgeFile reads a bundle from a file.
//
// Engines are immutable and safe for concurrent use; a Knowledge is not
// while it is being built.
package attribution
