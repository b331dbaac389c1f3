package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rampart-cti/rampart/web/internal/draw"
)

// drawings are the pictures of a page, as inline SVG.
type drawings struct {
	Map       template.HTML
	Sightings template.HTML
}

func (c *console) situationDrawings(d *situationData, now time.Time) drawings {
	link := func(cc string) string { return ConsolePath + "alerts?state=" + url.QueryEscape(cc) }
	var bars []draw.Bar
	var days []dayCount
	if d.Sightings != nil {
		days = d.Sightings.Days
	}
	for _, day := range days {
		bars = append(bars, draw.Bar{Label: day.Day.Format("01-02"), Value: day.Count, Detail: day.Day.Format("Monday 2 January 2006")})
	}
	dr := drawings{
		Map: draw.Europe(d.AlertsByState, link, draw.Title("Alerts of the last "+strconv.Itoa(alertDays)+" days by member state"),
			draw.Unit("alert", "alerts")),
	}
	if d.Sightings != nil {
		dr.Sightings = draw.Bars("Sightings per day", bars, draw.Unit("sighting", "sightings"), draw.Size(1200, 280))
	}
	return dr
}

// drawCSS serves the drawings' style sheet.
func drawCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write([]byte(draw.CSS))
}
