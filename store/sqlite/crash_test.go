package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/store/sqlite"
	"github.com/rampart-cti/rampart/store/storetest"
)

// TestMain runs crashChild instead of the tests in the child process of
// TestKillAfterAcknowledge.
func TestMain(m *testing.M) {
	if path := os.Getenv("RAMPART_CRASH_CHILD_DB"); path != "" {
		crashChild(path, os.Getenv("RAMPART_CRASH_CHILD_SYNC"))
		return
	}
	os.Exit(m.Run())
}

const crashCollection = "00000000-0000-4000-8000-00000000dead"

// crashChild stores bundles, reports each acknowledged one on stdout, and
// waits to be killed.
func crashChild(path, sync string) {
	ctx := context.Background()
	db := sqlite.NewDB(path)
	db.Synchronous = sync
	if err := db.Open(ctx); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	collections, objects := sqlite.NewServices(db).Collections, sqlite.NewObjectService(db)
	if err := collections.CreateAPIRoot(ctx, &rampart.APIRoot{Name: "api"}); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	if err := collections.CreateCollection(ctx, &rampart.Collection{ID: crashCollection, APIRoot: "api"}); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		if _, err := objects.CreateObjects(ctx, crashCollection, storetest.Indicators(i*500, 500)); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Printf("acknowledged %d\n", (i+1)*500)
	}
}

// TestKillAfterAcknowledge kills (SIGKILL) a process that is storing
// bundles as fast as it can, and checks that every bundle it had
// acknowledged is in the database afterwards.
func TestKillAfterAcknowledge(t *testing.T) {
	for _, sync := range []string{sqlite.SyncFull, sqlite.SyncNormal} {
		t.Run(sync, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "crash.db")
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "RAMPART_CRASH_CHILD_DB="+path, "RAMPART_CRASH_CHILD_SYNC="+sync)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			acked := 0
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				line := sc.Text()
				if strings.HasPrefix(line, "error:") {
					t.Fatalf("child: %s", line)
				}
				if _, err := fmt.Sscanf(line, "acknowledged %d", &acked); err != nil {
					t.Fatalf("child said %q", line)
				}
				if acked >= 3000 {
					break
				}
			}
			cmd.Process.Kill()
			cmd.Wait()
			if acked < 3000 {
				t.Fatalf("child stopped after acknowledging %d objects", acked)
			}

			db := sqlite.NewDB(path)
			if err := db.Open(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			objects := sqlite.NewObjectService(db)
			n := 0
			f := rampart.ObjectFilter{CollectionID: crashCollection, MetadataOnly: true}
			for {
				p, err := objects.FindObjects(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				n += len(p.Versions)
				if !p.More {
					break
				}
				f.AfterSeq = p.Versions[len(p.Versions)-1].Seq
			}
			if n < acked {
				t.Errorf("after kill -9: %d objects stored, %d were acknowledged", n, acked)
			}
		})
	}
}
