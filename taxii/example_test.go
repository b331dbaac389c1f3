package taxii_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampart-cti/rampart/taxii"
)

// A TAXII 2.1 server answering one page of one collection, standing in for
// any server a client talks to.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", taxii.MediaTypeTAXII)
		w.Header().Set("X-TAXII-Date-Added-First", "2026-03-01T10:00:00.000000Z")
		w.Header().Set("X-TAXII-Date-Added-Last", "2026-03-01T10:00:00.000000Z")
		fmt.Fprint(w, `{"more":false,"objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-03-01T10:00:00.000Z","modified":"2026-03-01T10:00:00.000Z","pattern":"[domain-name:value = 'evil.example']","pattern_type":"stix","valid_from":"2026-03-01T10:00:00Z"}]}`)
	}))
}

// Pull every object of a collection, page by page, following "next".
func ExampleClient_Objects() {
	srv := exampleServer()
	defer srv.Close()

	c := &taxii.Client{BaseURL: srv.URL, User: "analyst", Password: "correct horse battery staple"}
	ctx := context.Background()
	q := taxii.Query{Types: []string{"indicator"}, Limit: 1000}
	for {
		page, err := c.Objects(ctx, "api", "91a7b528-80eb-42ed-a74d-c6fbd5a26116", q)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		for _, o := range page.Objects {
			fmt.Println(o.ID, o.Modified)
		}
		if !page.More {
			// Next time, ask only for what was added since.
			fmt.Println("resume after", page.DateAddedLast.Format("2006-01-02T15:04:05Z"))
			break
		}
		q.Next = page.Next
	}
	// Output:
	// indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f 2026-03-01T10:00:00.000Z
	// resume after 2026-03-01T10:00:00Z
}
