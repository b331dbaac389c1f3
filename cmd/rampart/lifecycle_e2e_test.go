package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestEndToEndLifecycle checks, through "rampart serve", its JSON API,
// TAXII and the CLI, that an aged indicator stops matching and leaves the
// exports while a fresh one stays, that a false positive filed through the
// API takes an indicator out of matching and exports and is served with
// its flag, that OpenCTI's negative sightings count as false positives,
// and that a threshold changed by the CLI reaches the running node.
func TestEndToEndLifecycle(t *testing.T) {
	const org = "identity--2b0e5c1a-7d3f-4e8b-9a6c-1f2e3d4c5b6a"
	const partner = "identity--9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	n := startE2ENode(t, &e2eSetup{org: org, name: "CERT-EE", country: "EE"})
	now := time.Now().UTC()
	ts := func(t time.Time) string { return t.Format("2006-01-02T15:04:05.000Z") }
	ind := func(id, pattern string, validFrom time.Time) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"%s","created":"%s","modified":"%s","confidence":80,"pattern":%q,"pattern_type":"stix","valid_from":"%s"}`,
			id, ts(validFrom), ts(validFrom), pattern, ts(validFrom))
	}
	const (
		fresh = "indicator--a0000000-0000-4000-8000-000000000001"
		aged  = "indicator--a0000000-0000-4000-8000-000000000002"
		fp    = "indicator--a0000000-0000-4000-8000-000000000003"
	)
	n.post(
		ind(fresh, "[ipv4-addr:value = '203.0.113.10']", now.Add(-time.Hour)),
		ind(aged, "[ipv4-addr:value = '203.0.113.20']", now.Add(-60*24*time.Hour)),
		ind(fp, "[domain-name:value = 'fp.example']", now.Add(-time.Hour)),
	)
	log := fmt.Sprintf(`{"ts":"%[1]s","ipv4-addr:value":"203.0.113.10"}
{"ts":"%[1]s","ipv4-addr:value":"203.0.113.20"}
{"ts":"%[1]s","domain-name:value":"fp.example"}
`, now.Format(time.RFC3339))
	observe := func() map[string]any {
		t.Helper()
		status, body := n.request("POST", "/api/v1/observations", "application/x-ndjson", []byte(log))
		var r map[string]any
		if status != 200 || json.Unmarshal(body, &r) != nil {
			t.Fatalf("observations: %d %s", status, body)
		}
		return r
	}
	sightingsOf := func() map[string][]map[string]any {
		t.Helper()
		out := map[string][]map[string]any{}
		for _, raw := range n.objects("match[type]=sighting") {
			var s map[string]any
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				t.Fatal(err)
			}
			ref, _ := s["sighting_of_ref"].(string)
			out[ref] = append(out[ref], s)
		}
		return out
	}
	get := func(path string) (int, string) {
		t.Helper()
		status, body := n.request("GET", path, "", nil)
		return status, string(body)
	}

	// The aged address does not match; the fresh ones do, and their
	// sightings carry the score.
	if r := observe(); r["sightings"] != 2.0 {
		t.Fatalf("first upload: %v, want 2 sightings (the aged indicator left out)", r)
	}
	byInd := sightingsOf()
	if len(byInd[aged]) != 0 || len(byInd[fresh]) != 1 || len(byInd[fp]) != 1 {
		t.Fatalf("sightings by indicator: %v", byInd)
	}
	if sc, ok := byInd[fresh][0]["x_rampart_score"].(float64); !ok || sc < 75 || sc > 80 {
		t.Errorf("sighting of the fresh address: x_rampart_score %v, want about 80", byInd[fresh][0]["x_rampart_score"])
	}

	// Exports leave the aged one out, and keep it on request.
	_, csv := get("/api/v1/exports/csv")
	if !strings.Contains(csv, "203.0.113.10") || !strings.Contains(csv, "fp.example") || strings.Contains(csv, "203.0.113.20") {
		t.Errorf("CSV export:\n%s", csv)
	}
	if first, _, _ := strings.Cut(csv, "\n"); !strings.HasSuffix(strings.TrimSpace(first), ",score") {
		t.Errorf("CSV header %q has no score column", first)
	}
	if _, all := get("/api/v1/exports/csv?include_decayed=true"); !strings.Contains(all, "203.0.113.20") {
		t.Errorf("CSV export with include_decayed: no aged address:\n%s", all)
	}
	if _, bl := get("/api/v1/exports/blocklist?kind=ipv4"); strings.Contains(bl, "203.0.113.20") || !strings.Contains(bl, "203.0.113.10") {
		t.Errorf("blocklist:\n%s", bl)
	}
	status, body := get("/api/v1/indicators/" + aged + "/score")
	var score struct {
		Score   float64 `json:"score"`
		Decayed bool    `json:"decayed"`
		FPs     int     `json:"false_positives"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &score) != nil || !score.Decayed || score.Score != 0 {
		t.Errorf("score of the aged indicator: %d %s", status, body)
	}

	// A false positive filed through the API.
	status, b := n.request("POST", "/api/v1/indicators/"+fp+"/false-positives", "application/json", []byte(`{"note":"our own test domain"}`))
	if status != 201 {
		t.Fatalf("false positive: %d %s", status, b)
	}
	var filed map[string]any
	if err := json.Unmarshal(b, &filed); err != nil || filed["x_rampart_false_positive"] != true || filed["sighting_of_ref"] != fp || filed["created_by_ref"] != org {
		t.Fatalf("false-positive sighting: %v %s", err, b)
	}
	if r := observe(); r["sightings"] != 1.0 {
		t.Errorf("after the false positive: %v, want 1 sighting (the fresh address alone)", r)
	}
	if _, csv := get("/api/v1/exports/csv"); strings.Contains(csv, "fp.example") {
		t.Errorf("CSV export after the false positive still holds fp.example:\n%s", csv)
	}
	// Served over TAXII with its flag, as federation reads it.
	flagged := 0
	for _, s := range sightingsOf()[fp] {
		if s["x_rampart_false_positive"] == true {
			flagged++
		}
	}
	if flagged != 1 {
		t.Errorf("TAXII serves %d false-positive sightings of %s, want 1", flagged, fp)
	}
	if status, b := n.request("POST", "/api/v1/indicators/indicator--a0000000-0000-4000-8000-0000000000ff/false-positives", "application/json", nil); status != 404 {
		t.Errorf("false positive of an unknown indicator: %d %s", status, b)
	}

	// OpenCTI's negative sighting, from a partner: halves the score.
	n.post(fmt.Sprintf(`{"type":"sighting","spec_version":"2.1","id":"sighting--b0000000-0000-4000-8000-000000000001","created":"%[1]s","modified":"%[1]s","created_by_ref":"%[2]s","sighting_of_ref":"%[3]s","x_opencti_negative":true}`, ts(now), partner, fresh))
	status, body = get("/api/v1/indicators/" + fresh + "/score")
	if status != 200 || json.Unmarshal([]byte(body), &score) != nil || score.FPs != 1 || score.Score < 35 || score.Score > 40 || score.Decayed {
		t.Errorf("score of the fresh address after a partner's negative sighting: %d %s", status, body)
	}

	// The CLI shows the score, and a threshold it sets reaches the node.
	dir := n.dir
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	out, errs, code := runCLI(t, "", env, "lifecycle", "score", aged, "--data", dir)
	if code != 0 || !strings.Contains(out, "decayed") || !strings.Contains(out, "ipv4-addr") {
		t.Errorf("lifecycle score: exit %d\n%s%s", code, out, errs)
	}
	if out, errs, code := runCLI(t, "", env, "lifecycle", "set", "--threshold", "0", "--data", dir); code != 0 {
		t.Fatalf("lifecycle set: exit %d\n%s%s", code, out, errs)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := observe()
		if r["sightings"] == 3.0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with threshold 0: %v, want 3 sightings (every indicator back)", r)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, errs, code := runCLI(t, "", env, "lifecycle", "set", "--threshold", "150", "--data", dir); code != 1 || !strings.Contains(errs, "threshold 150") {
		t.Errorf("lifecycle set --threshold 150: exit %d %s", code, errs)
	}
}

// noDecay sets the node of dir so that no indicator decays ("rampart
// lifecycle set --threshold 0"), making the node first when create is
// set: for tests whose fixed dates lie months back and that are not about
// the lifecycle.
func noDecay(t *testing.T, dir string, env []string, create bool) {
	t.Helper()
	var cmds [][]string
	if create {
		cmds = append(cmds, []string{"init"})
	}
	cmds = append(cmds, []string{"lifecycle", "set", "--threshold", "0"})
	for _, args := range cmds {
		if out, errs, code := runCLI(t, "", env, append(args, "--data", dir)...); code != 0 {
			t.Fatalf("rampart %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
	}
}
