package draw

import (
	"flag"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var out = flag.String("out", "", "`directory` to keep TestRender's drawings in, to look at them")

// TestRender draws a sample of each drawing into files: an HTML page with
// all of them and draw.css, as the console serves them, and each as an SVG
// file of its own that links draw.css. With -out they stay in a directory
// of your choosing:
//
//	go test ./web/internal/draw -run TestRender -args -out /tmp/draw
//	chromium --headless --screenshot=/tmp/draw/page.png --window-size=1000,3000 /tmp/draw/page.html
func TestRender(t *testing.T) {
	dir := *out
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	counts := map[string]int{
		"DE": 412, "FR": 230, "IT": 120, "ES": 95, "NL": 88, "PL": 61, "BE": 40,
		"SE": 33, "AT": 25, "EL": 18, "FI": 14, "IE": 9, "CZ": 8, "RO": 6,
		"PT": 5, "DK": 4, "LU": 3, "MT": 2, "CY": 1, "EE": 1,
	}
	country := func(cc string) string { return "/alerts?country=" + cc }

	var days []Bar
	for i := range 30 {
		v := (i*37+11)%23 + i/3
		if i == 17 {
			v = 0
		}
		days = append(days, Bar{Label: fmt.Sprintf("06-%02d", i+1), Value: v, Href: fmt.Sprintf("/sightings?day=2025-06-%02d", i+1), Detail: "from the federation"})
	}
	var byCountry []Bar
	for _, cc := range []string{"DE", "FR", "IT", "ES", "NL", "PL", "BE", "SE"} {
		byCountry = append(byCountry, Bar{Label: members[cc], Value: counts[cc], Href: country(cc)})
	}

	c, nodes, edges := neighbourhood(MaxNodes + 12)
	for i := range nodes {
		nodes[i].Label = strings.Repeat(nodes[i].Label+" ", 3)
		nodes[i].Marking = []string{"", "TLP:GREEN", "TLP:AMBER", "TLP:RED"}[i%4]
		edges[i].Label = []string{"uses", "indicates", "attributed-to", "related-to"}[i%4]
	}
	small, smallNodes, smallEdges := neighbourhood(9)

	drawings := []struct {
		name string
		svg  template.HTML
	}{
		{"map", Europe(counts, country)},
		{"days", Bars("Sightings per day", days, Unit("sighting", "sightings"))},
		{"countries", Bars("Alerts by country", byCountry, Horizontal())},
		{"nodata", Bars("Sightings per day", nil)},
		{"graph", Graph(c, nodes, edges, MoreHref("/objects/malware--0/relationships"))},
		{"small", Graph(small, smallNodes, smallEdges)},
	}
	var page strings.Builder
	page.WriteString("<!doctype html>\n<html lang=en><head><meta charset=utf-8><title>draw</title>" +
		"<link rel=stylesheet href=draw.css></head><body>\n")
	for _, d := range drawings {
		parse(t, d.svg)
		page.WriteString(string(d.svg) + "\n")
		svg := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<?xml-stylesheet href="draw.css"?>` + "\n" + string(d.svg) + "\n"
		if err := os.WriteFile(filepath.Join(dir, d.name+".svg"), []byte(svg), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", d.name, len(d.svg))
	}
	page.WriteString("</body></html>\n")
	for name, data := range map[string]string{"page.html": page.String(), "draw.css": CSS} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
