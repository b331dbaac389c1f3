package storetest

import (
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// The medallion fixture (testdata/taxii/medallion/default_data.json).
const medallionFile = "testdata/taxii/medallion/default_data.json"

type medallionRoot struct {
	Information struct {
		Title            string `json:"title"`
		Description      string `json:"description"`
		MaxContentLength int64  `json:"max_content_length"`
	} `json:"information"`
	Status []struct {
		ID               string            `json:"id"`
		Status           string            `json:"status"`
		RequestTimestamp string            `json:"request_timestamp"`
		TotalCount       int               `json:"total_count"`
		SuccessCount     int               `json:"success_count"`
		FailureCount     int               `json:"failure_count"`
		PendingCount     int               `json:"pending_count"`
		Successes        []medallionDetail `json:"successes"`
		Failures         []medallionDetail `json:"failures"`
		Pendings         []medallionDetail `json:"pendings"`
	} `json:"status"`
	Collections []struct {
		ID          string           `json:"id"`
		Title       string           `json:"title"`
		Description string           `json:"description"`
		CanRead     bool             `json:"can_read"`
		CanWrite    bool             `json:"can_write"`
		MediaTypes  []string         `json:"media_types"`
		Objects     []jsontext.Value `json:"objects"`
		Manifest    []struct {
			ID        string `json:"id"`
			DateAdded string `json:"date_added"`
			Version   string `json:"version"`
		} `json:"manifest"`
	} `json:"collections"`
}

type medallionDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message"`
}

// MedallionGrant is what the medallion fixture lets its user do with one
// collection (its can_read and can_write).
type MedallionGrant = rampart.Grant

// LoadMedallion loads the medallion fixture into s: its API roots,
// collections, object versions (with the DateAdded of their manifest
// entries, through RestoreObjects) and statuses, the statuses owned by
// account. It returns the fixture's permissions per collection, for tests
// that serve the fixture to an account.
func LoadMedallion(t *testing.T, s Services, account string) []MedallionGrant {
	t.Helper()
	data, err := os.ReadFile(repoFile(t, medallionFile))
	must(t, "read fixture", err)
	var roots map[string]jsontext.Value
	must(t, "decode fixture", json.Unmarshal(data, &roots))
	names := make([]string, 0, len(roots))
	for name := range roots {
		if name != "/discovery" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var grants []MedallionGrant
	for _, name := range names {
		var r medallionRoot
		must(t, "decode fixture root "+name, json.Unmarshal(roots[name], &r))
		must(t, "create API root "+name, s.Collections.CreateAPIRoot(ctx, &rampart.APIRoot{
			Name: name, Title: r.Information.Title, Description: r.Information.Description,
			MaxContentLength: r.Information.MaxContentLength,
		}))
		for _, c := range r.Collections {
			grants = append(grants, MedallionGrant{CollectionID: c.ID, Read: c.CanRead, Write: c.CanWrite})
			must(t, "create collection "+c.ID, s.Collections.CreateCollection(ctx, &rampart.Collection{
				ID: c.ID, APIRoot: name, Title: c.Title, Description: c.Description, MediaTypes: c.MediaTypes,
			}))
			var vs []*rampart.ObjectVersion
			for _, m := range c.Manifest {
				for _, raw := range c.Objects {
					o, err := stix.ParseObject(raw)
					must(t, "parse fixture object", err)
					if o.ID == m.ID && o.Version().String() == m.Version {
						vs = append(vs, &rampart.ObjectVersion{Object: o, DateAdded: mustTime(t, m.DateAdded)})
					}
				}
			}
			if len(vs) != len(c.Objects) {
				t.Fatalf("fixture collection %s: %d objects, %d matched to manifest entries", c.ID, len(c.Objects), len(vs))
			}
			must(t, "restore fixture objects", s.Objects.RestoreObjects(ctx, c.ID, vs))
		}
		for _, st := range r.Status {
			must(t, "create status "+st.ID, s.Statuses.CreateStatus(ctx, &rampart.Status{
				ID: st.ID, APIRoot: name, Account: account, Status: st.Status, RequestTimestamp: mustTime(t, st.RequestTimestamp),
				TotalCount: st.TotalCount, SuccessCount: st.SuccessCount, FailureCount: st.FailureCount, PendingCount: st.PendingCount,
				Successes: details(st.Successes), Failures: details(st.Failures), Pendings: details(st.Pendings),
			}))
		}
	}
	return grants
}

func details(ds []medallionDetail) []rampart.StatusDetail {
	var out []rampart.StatusDetail
	for _, d := range ds {
		out = append(out, rampart.StatusDetail(d))
	}
	return out
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	must(t, "parse time", err)
	return tm
}
