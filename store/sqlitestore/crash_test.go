package sqlitestore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/sqlitestore"
	"github.com/govkit/connections/store/storetest"
	objsync "github.com/govkit/connections/sync"
)

// The crash tests run the test binary again as a child process that writes
// to a store until the parent kills it with SIGKILL, at a moment it does
// not choose, and then check the file.
const (
	childEnv     = "GOVKIT_SQLITESTORE_CRASH_CHILD" // mode:path
	crashKey     = "crash"
	crashSchemas = 4
	crashTables  = 300
)

func TestMain(m *testing.M) {
	if v := os.Getenv(childEnv); v != "" {
		mode, path, _ := strings.Cut(v, ":")
		if err := crashChild(mode, path); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild writes until it is killed.
func crashChild(mode, path string) error {
	ctx := context.Background()
	s, err := sqlitestore.Open(ctx, path, nil)
	if err != nil {
		return err
	}
	switch mode {
	case "apply":
		for round := 1; ; round++ {
			if err := applyRound(ctx, s, func() { fmt.Println("apply") }); err != nil {
				return err
			}
			fmt.Println(round)
		}
	case "sync":
		e, err := crashEngine(s, 0)
		if err != nil {
			return err
		}
		fmt.Println("start")
		rep, err := e.Sync(ctx, crashKey, nil, nil)
		if err == nil {
			err = rep.Err()
		}
		if err == nil {
			fmt.Println("done")
			time.Sleep(time.Hour) // finished before the kill: wait for it
		}
		return err
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// applyRound takes every schema of the crash connection one round further,
// from round r-1 (its fingerprint) to r: each table's comment and tag
// value say r, its columns depend on r, and a table R<r> is added; the
// schema's fingerprint records r. A schema seen after a crash must be
// exactly at some round: never part of one.
// before, if not nil, is called before each Apply.
func applyRound(ctx context.Context, s store.Store, before func()) error {
	host, err := s.Lookup(ctx, hierarchy.Path{crashKey, "DB"})
	if err != nil {
		return err
	}
	schemas, err := s.Snapshot(ctx, host.ID)
	if err != nil {
		return err
	}
	for _, sc := range schemas {
		r := int(sc.Fingerprint) + 1
		kids, err := s.Snapshot(ctx, sc.ID)
		if err != nil {
			return err
		}
		cs := &store.ChangeSet{Connection: crashKey, Container: sc.ID, Fingerprint: hierarchy.Fingerprint(r), At: time.Now()}
		for _, k := range kids {
			k.Comment = strconv.Itoa(r)
			k.Columns = roundColumns(r)
			cs.Update = append(cs.Update, k)
			cs.AddTags = append(cs.AddTags, store.TagRef{Object: k.ID, Tag: hierarchy.Tag{Name: "round", Value: strconv.Itoa(r)}})
		}
		add := storetest.Table(sc, fmt.Sprintf("R%06d", r))
		add.Comment, add.Columns = strconv.Itoa(r), roundColumns(r)
		cs.Add = []hierarchy.Object{add}
		cs.AddTags = append(cs.AddTags, store.TagRef{Object: add.ID, Tag: hierarchy.Tag{Name: "round", Value: strconv.Itoa(r)}})
		if before != nil {
			before()
		}
		if err := s.Apply(ctx, cs); err != nil {
			return err
		}
	}
	return nil
}

func roundColumns(r int) []hierarchy.Column {
	names := make([]string, 2+r%4)
	for i := range names {
		names[i] = fmt.Sprintf("c%d_%d", i, r%4)
	}
	return storetest.Columns(names...)
}

// startChild runs the child and returns it with a channel of the lines it
// prints.
func startChild(t *testing.T, mode, path string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode+":"+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	err := cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "the child must die of the kill, not end on its own")
}

// integrity checks the file with SQLite's own check.
func integrity(t *testing.T, path string) {
	t.Helper()
	db := rawDB(t, path)
	var res string
	require.NoError(t, db.QueryRow(`PRAGMA integrity_check`).Scan(&res))
	require.Equal(t, "ok", res, "PRAGMA integrity_check after a kill")
	require.NoError(t, db.Close())
}

func TestCrash_KillMidApplyLeavesWholeSchemas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := t.Context()
	s, path := open(t, nil)
	c, host := storetest.NewConnection(crashKey)
	require.NoError(t, s.CreateConnection(ctx, c, host))
	db := storetest.Child(host, "DB")
	storetest.Add(t, s, crashKey, host, db)
	var schemas []hierarchy.Object
	for i := range crashSchemas {
		schemas = append(schemas, storetest.Child(db, fmt.Sprintf("S%d", i)))
	}
	storetest.Add(t, s, crashKey, db, schemas...)
	for _, sc := range schemas {
		var tables []hierarchy.Object
		for j := range crashTables {
			tables = append(tables, storetest.Table(sc, fmt.Sprintf("T%04d", j), "id", "name"))
		}
		storetest.Add(t, s, crashKey, sc, tables...)
	}
	require.NoError(t, s.Close())

	before := checkRounds(t, path, schemas)
	for i := range 3 {
		cmd, lines := startChild(t, "apply", path)
		// Let it do a couple of rounds, then kill it a moment after it
		// begins an Apply, mostly in the middle of its transaction.
		for line := range lines {
			if n, _ := strconv.Atoi(line); n >= 2 {
				break
			}
		}
		skip := rand.N(crashSchemas)
		for line := range lines {
			if line == "apply" {
				if skip == 0 {
					break
				}
				skip--
			}
		}
		time.Sleep(time.Duration(rand.N(4000)) * time.Microsecond)
		t.Logf("kill %d", i+1)
		kill(t, cmd)
		integrity(t, path)
		after := checkRounds(t, path, schemas)
		for j := range after {
			require.GreaterOrEqual(t, after[j], before[j]+2, "the child got on between kills")
		}
		before = after
	}

	// The store goes on from where the child stopped.
	s2, err := sqlitestore.Open(ctx, path, nil)
	require.NoError(t, err)
	require.NoError(t, applyRound(ctx, s2, nil))
	require.NoError(t, s2.Close())
	after := checkRounds(t, path, schemas)
	for j := range after {
		assert.Equal(t, before[j]+1, after[j])
	}
}

// checkRounds checks that every schema is exactly at some round and
// returns the rounds.
func checkRounds(t *testing.T, path string, schemas []hierarchy.Object) []int {
	t.Helper()
	ctx := t.Context()
	s, err := sqlitestore.Open(ctx, path, nil)
	require.NoError(t, err, "the file opens after a kill")
	defer s.Close()
	var at []int
	for _, sc := range schemas {
		o, err := s.Object(ctx, sc.ID)
		require.NoError(t, err)
		r := int(o.Fingerprint)
		at = append(at, r)
		kids, err := s.Snapshot(ctx, sc.ID)
		require.NoError(t, err)
		require.Len(t, kids, crashTables+r, "schema %s at round %d: its tables and one added per round", sc.Name(), r)
		n, err := s.CountDescendants(ctx, sc.ID)
		require.NoError(t, err)
		require.Equal(t, int64(crashTables+r), n, "the descendant count matches the tables")
		for _, k := range kids {
			if strings.HasPrefix(k.Name(), "R") {
				added, _ := strconv.Atoi(k.Name()[1:])
				require.LessOrEqual(t, added, r, "schema %s at round %d has table %s of a later round", sc.Name(), r, k.Name())
			}
			if r == 0 {
				require.Empty(t, k.Comment)
				continue
			}
			require.Equal(t, strconv.Itoa(r), k.Comment, "every table of schema %s is at round %d (%s)", sc.Name(), r, k.Name())
			require.Equal(t, stripTags(roundColumns(r)), stripTags(k.Columns), "columns of %s", k.Path)
			require.Equal(t, []hierarchy.Tag{{Name: "round", Value: strconv.Itoa(r)}}, k.Tags, "tags of %s", k.Path)
		}
		if r > 0 {
			hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: "round", Value: strconv.Itoa(r), Connection: crashKey}, store.Page{Limit: store.MaxPageLimit})
			require.NoError(t, err)
			var here int
			for _, h := range hits {
				if h.Path[2] == sc.Name() {
					here++
				}
			}
			require.Equal(t, crashTables+r, here, "the tags table agrees with the objects (schema %s)", sc.Name())
		}
	}
	t.Logf("schemas at rounds %v", at)
	return at
}

func stripTags(cols []hierarchy.Column) []hierarchy.Column {
	for i := range cols {
		cols[i].Tags = nil
	}
	return cols
}

// crashEngine returns a sync engine for the crash connection on a
// synthetic platform, the same in every process.
// Every connector call sleeps latency.
func crashEngine(s store.Store, latency time.Duration) (*objsync.Engine, error) {
	p := memory.NewPlatform("crash")
	if _, err := p.AddSynthetic(memory.Spec{Prefix: "C", Databases: 2, Schemas: 4, Tables: 300, Columns: 6, Seed: 7}); err != nil {
		return nil, err
	}
	p.SetLatency(latency)
	reg, err := connectors.NewRegistry(p.Technology())
	if err != nil {
		return nil, err
	}
	// A short lease: the killed child's lapses soon.
	return objsync.New(s, reg, nil, &objsync.Options{Concurrency: 4, LockTTL: 300 * time.Millisecond})
}

func TestCrash_KillMidSyncThenResyncConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := t.Context()
	s, path := open(t, nil)
	c, host := storetest.NewConnection(crashKey)
	c.Technology = "memory"
	require.NoError(t, s.CreateConnection(ctx, c, host))
	require.NoError(t, s.Close())

	cmd, lines := startChild(t, "sync", path)
	require.Equal(t, "start", <-lines)
	// Kill it once some schemas, not all, are written.
	db := rawDB(t, path)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM objects WHERE depth = 4`).Scan(&n))
		if n >= 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(time.Duration(rand.N(20)) * time.Millisecond)
	kill(t, cmd)
	require.NoError(t, db.Close())
	integrity(t, path)

	s2, err := sqlitestore.Open(ctx, path, nil)
	require.NoError(t, err)
	defer s2.Close()
	// Every schema is empty or whole.
	written := 0
	dbs, err := s2.Snapshot(ctx, host.ID)
	require.NoError(t, err)
	for _, d := range dbs {
		schemas, err := s2.Snapshot(ctx, d.ID)
		require.NoError(t, err)
		for _, sc := range schemas {
			kids, err := s2.Snapshot(ctx, sc.ID)
			require.NoError(t, err)
			require.Contains(t, []int{0, 300}, len(kids), "schema %s after the kill: its tables all or none", sc.Path)
			if len(kids) > 0 {
				written++
				for _, k := range kids {
					require.Len(t, k.Columns, 6)
				}
			}
		}
	}
	t.Logf("%d of 8 schemas were written before the kill", written)

	// Syncing again converges: everything is there, and a third sync finds
	// nothing to do.
	e, err := crashEngine(s2, 0)
	require.NoError(t, err)
	var rep *objsync.Report
	require.Eventually(t, func() bool {
		rep, err = e.Sync(ctx, crashKey, nil, nil)
		return !errors.Is(err, connections.ErrSyncInProgress)
	}, 10*time.Second, 50*time.Millisecond, "the killed child's sync lease lapses after its ttl")
	require.NoError(t, err)
	require.NoError(t, rep.Err())
	n, err := s2.CountDescendants(ctx, host.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(2+8+2*4*300), n, "after re-sync every database, schema and table is stored")
	rep, err = e.Sync(ctx, crashKey, nil, nil)
	require.NoError(t, err)
	require.NoError(t, rep.Err())
	assert.Equal(t, int64(8), rep.Counts.Unchanged, "a sync after convergence finds every schema unchanged")
	assert.Zero(t, rep.Counts.Added+rep.Counts.Deleted+rep.Counts.Updated)
}

// The store going away in the middle of a sync (closed under it: for a
// file store, what a lost connection is) fails the rest of the sync with
// errors that say so; what was written is whole schemas, and syncing
// again on a reopened store converges.
func TestLostStoreMidSync(t *testing.T) {
	ctx := t.Context()
	s, path := open(t, nil)
	c, host := storetest.NewConnection(crashKey)
	c.Technology = "memory"
	require.NoError(t, s.CreateConnection(ctx, c, host))
	e, err := crashEngine(s, 20*time.Millisecond)
	require.NoError(t, err)

	done := make(chan struct{})
	var (
		rep     *objsync.Report
		syncErr error
	)
	go func() {
		defer close(done)
		rep, syncErr = e.Sync(ctx, crashKey, nil, nil)
	}()
	db := rawDB(t, path)
	for {
		var n int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM objects WHERE depth = 4`).Scan(&n))
		if n > 0 {
			break
		}
		select {
		case <-done:
			t.Skip("the sync finished before the store could be closed under it")
		default:
		}
		time.Sleep(time.Millisecond)
	}
	require.NoError(t, s.Close())
	<-done
	if syncErr == nil {
		syncErr = rep.Err()
	}
	if syncErr == nil {
		t.Skip("the sync finished before the store could be closed under it")
	}
	assert.Contains(t, syncErr.Error(), "closed", "the sync says the store went away")
	t.Logf("sync error: %.300s", syncErr)
	integrity(t, path)

	s2, err := sqlitestore.Open(ctx, path, nil)
	require.NoError(t, err)
	defer s2.Close()
	e2, err := crashEngine(s2, 0)
	require.NoError(t, err)
	rep2, err := e2.Sync(ctx, crashKey, nil, nil)
	require.NoError(t, err)
	require.NoError(t, rep2.Err())
	n, err := s2.CountDescendants(ctx, host.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(2+8+2*4*300), n, "a sync on the reopened store converges")
}
