package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// feedWait is how long a handle may take to hear of another's write: the
// contract says soon (a poll of ~100 ms, or a notification).
const feedWait = 3 * time.Second

// waitChange fails t unless ch receives a value within feedWait.
func waitChange(t *testing.T, ch <-chan struct{}, after string) {
	t.Helper()
	select {
	case _, ok := <-ch:
		if !ok {
			t.Fatalf("Changes closed, waiting for a signal after %s", after)
		}
	case <-time.After(feedWait):
		t.Fatalf("no signal on Changes within %v after %s", feedWait, after)
	}
}

// drain takes a value waiting on ch, if any.
func drain(ch <-chan struct{}) {
	select {
	case <-ch:
	default:
	}
}

func testChangeFeed(t *testing.T, open func(t *testing.T) Services) {
	t.Run("Position", func(t *testing.T) {
		s := open(t)
		coll := setup(t, s)
		empty := &rampart.Collection{APIRoot: "api", Title: "empty"}
		must(t, "create collection", s.Collections.CreateCollection(ctx, empty))
		pos, del, err := s.Feed.FeedPosition(ctx)
		must(t, "position of a new store", err)
		if diff := cmp.Diff(map[string]int64{coll: 0, empty.ID: 0}, pos); diff != "" || del != 0 {
			t.Errorf("position of a store without objects: deletion %d, collections (-want +got):\n%s", del, diff)
		}

		res, err := s.Objects.CreateObjects(ctx, coll, []*stix.Object{
			indicator(t, 1, "2020-01-01T00:00:00.000Z"), indicator(t, 2, "2020-01-01T00:00:00.000Z"), indicator(t, 1, "2020-02-01T00:00:00.000Z"),
		})
		must(t, "create", err)
		pos, _, err = s.Feed.FeedPosition(ctx)
		must(t, "position", err)
		if pos[coll] != res[2].Seq || pos[empty.ID] != 0 {
			t.Errorf("position %v, want %s at the newest version's Seq %d and %s at 0", pos, coll, res[2].Seq, empty.ID)
		}

		dels, err := s.Feed.FindDeletions(ctx, 0, 0)
		must(t, "deletions of a new store", err)
		if len(dels) != 0 {
			t.Errorf("a store where nothing was deleted has %d deletions", len(dels))
		}
		_, err = s.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{res[1].ID}})
		must(t, "delete", err)
		_, err = s.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{res[0].ID}, Versions: []string{rampart.VersionFirst}})
		must(t, "delete one version", err)
		_, err = s.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{res[1].ID}})
		wantCode(t, "delete again", err, rampart.ENOTFOUND)

		dels, err = s.Feed.FindDeletions(ctx, 0, 0)
		must(t, "deletions", err)
		if len(dels) != 2 {
			t.Fatalf("%d deletions recorded, want 2 (a deletion that found nothing records none)", len(dels))
		}
		want := []*rampart.ObjectDeletion{
			{Seq: dels[0].Seq, CollectionID: coll, ObjectID: res[1].ID},
			{Seq: dels[1].Seq, CollectionID: coll, ObjectID: res[0].ID},
		}
		if diff := cmp.Diff(want, dels); diff != "" || dels[0].Seq <= 0 || dels[1].Seq <= dels[0].Seq {
			t.Errorf("deletions in order, Seqs growing (-want +got):\n%s", diff)
		}
		_, del, err = s.Feed.FeedPosition(ctx)
		must(t, "position", err)
		if del != dels[1].Seq {
			t.Errorf("deletion position %d, want the newest deletion's Seq %d", del, dels[1].Seq)
		}
		after, err := s.Feed.FindDeletions(ctx, dels[0].Seq, 0)
		must(t, "deletions after the first", err)
		if diff := cmp.Diff(want[1:], after); diff != "" {
			t.Errorf("deletions after the first (-want +got):\n%s", diff)
		}
		first, err := s.Feed.FindDeletions(ctx, 0, 1)
		must(t, "one deletion", err)
		if diff := cmp.Diff(want[:1], first); diff != "" {
			t.Errorf("deletions with limit 1 (-want +got):\n%s", diff)
		}
		_, err = s.Feed.FindDeletions(ctx, 0, -1)
		wantCode(t, "negative limit", err, rampart.EINVALID)
	})

	t.Run("Changes", func(t *testing.T) {
		s := open(t)
		coll := setup(t, s)
		other := s.Reopen(t)
		ch := s.Feed.Changes()
		if ch != s.Feed.Changes() {
			t.Errorf("Changes returned another channel on the second call")
		}

		drain(ch)
		res, err := other.Objects.CreateObjects(ctx, coll, []*stix.Object{indicator(t, 1, "2020-01-01T00:00:00.000Z")})
		must(t, "create through the other handle", err)
		waitChange(t, ch, "objects created through another handle")
		pos, _, err := s.Feed.FeedPosition(ctx)
		must(t, "position", err)
		if pos[coll] != res[0].Seq {
			t.Errorf("after another handle's write, position %d, want its version's Seq %d", pos[coll], res[0].Seq)
		}

		drain(ch)
		_, err = other.Settings.SetSetting(ctx, "feed/test", []byte(`{}`), 0)
		must(t, "set a setting through the other handle", err)
		waitChange(t, ch, "a setting set through another handle")

		drain(ch)
		_, err = other.Objects.DeleteObjects(ctx, rampart.ObjectFilter{CollectionID: coll, IDs: []string{res[0].ID}})
		must(t, "delete through the other handle", err)
		waitChange(t, ch, "objects deleted through another handle")
		dels, err := s.Feed.FindDeletions(ctx, 0, 0)
		must(t, "deletions", err)
		if len(dels) != 1 || dels[0].ObjectID != res[0].ID {
			t.Errorf("deletions seen from the first handle: %+v, want the one of %s", dels, res[0].ID)
		}

		drain(ch)
		must(t, "delete a setting through the other handle", other.Settings.DeleteSetting(ctx, "feed/test"))
		waitChange(t, ch, "a setting deleted through another handle")

		// Closing a handle closes its channel.
		och := other.Feed.Changes()
		must(t, "close the other handle", other.Close())
		deadline := time.After(feedWait)
		for closed := false; !closed; {
			select {
			case _, ok := <-och:
				closed = !ok
			case <-deadline:
				t.Fatalf("Changes not closed within %v of closing the store", feedWait)
			}
		}
	})
}
