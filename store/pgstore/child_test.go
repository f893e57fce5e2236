package pgstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/pgstore"
	"github.com/govkit/connections/store/storetest"
)

// childEnv carries instructions to the test binary re-executed as a child
// process (see startChild): the mode and its arguments, joined by "|".
const childEnv = "GOVKIT_PGSTORE_TEST_CHILD"

// TestMain runs the child process's work instead of the tests when the
// binary is re-executed by startChild.
func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		if err := runChild(strings.Split(spec, "|")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startChild re-executes the test binary as a child doing mode, and
// returns it with a channel of the lines it prints.
func startChild(t *testing.T, mode string, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(append([]string{mode}, args...), "|"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return cmd, lines
}

// waitLine waits for a line starting with prefix.
func waitLine(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the child exited before printing %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timeout:
			t.Fatalf("the child did not print %q in time", prefix)
		}
	}
}

// runChild does the work of a child process:
//
//	lease|schema|key|ttl: take the lease on key, print HOLDING, block.
//	apply|schema|key|dbID|tables: add schemas of tables under the
//	    database, one change set each, printing APPLIED n after each.
func runChild(args []string) error {
	ctx := context.Background()
	dsn := os.Getenv(dsnEnv)
	s, err := pgstore.Open(ctx, dsn, &pgstore.Options{Schema: args[1]})
	if err != nil {
		return err
	}
	switch args[0] {
	case "lease":
		ttl, err := time.ParseDuration(args[3])
		if err != nil {
			return err
		}
		if _, err := s.TryLock(ctx, args[2], ttl); err != nil {
			return err
		}
		fmt.Println("HOLDING")
		time.Sleep(time.Hour)
	case "apply":
		id, err := hierarchy.ParseID(args[3])
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(args[4])
		if err != nil {
			return err
		}
		db, err := s.Object(ctx, id)
		if err != nil {
			return err
		}
		for i := 0; ; i++ {
			sc := storetest.Child(db, fmt.Sprintf("S%04d", i))
			if err := s.Apply(ctx, &store.ChangeSet{Connection: args[2], Container: db.ID, Add: []hierarchy.Object{sc}}); err != nil {
				return err
			}
			if err := s.Apply(ctx, bigChangeSet(args[2], sc, n)); err != nil {
				return err
			}
			fmt.Println("APPLIED", i)
		}
	}
	return fmt.Errorf("unknown child mode %q", args[0])
}

// bigChangeSet adds n tables of 20 columns under schema, each with a tag
// and a tagged column, and records fingerprint 77.
func bigChangeSet(key string, schema hierarchy.Object, n int) *store.ChangeSet {
	cs := &store.ChangeSet{Connection: key, Container: schema.ID, Fingerprint: 77, At: time.Now()}
	cs.Add = storetest.Tables(schema, n, 20)
	for _, t := range cs.Add {
		cs.AddTags = append(cs.AddTags,
			store.TagRef{Object: t.ID, Tag: hierarchy.Tag{Name: "conn", Source: hierarchy.TagSystem}},
			store.TagRef{Object: t.ID, Column: "COLUMN_03", Tag: hierarchy.Tag{Name: "New", Source: hierarchy.TagNew}})
	}
	return cs
}
