package pgstore_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/pgstore"
	"github.com/govkit/connections/store/storetest"
)

// withParam adds a parameter to a DSN, a URL or key=value pairs.
func withParam(dsn, kv string) string {
	switch {
	case !strings.Contains(dsn, "://"):
		return dsn + " " + kv
	case strings.Contains(dsn, "?"):
		return dsn + "&" + kv
	}
	return dsn + "?" + kv
}

// A connection lost in the middle of Apply (the server ends the backend
// while it writes) gives an error that says so, and nothing of the change
// set is written; applying it again converges.
func TestLostConnectionDuringApply(t *testing.T) {
	dsn := testDSN(t)
	ctx := t.Context()
	schema := schemaName("lost")
	dropSchema(t, dsn, schema)
	app := "gktest_" + strconv.FormatUint(rand.Uint64(), 36)
	s, err := pgstore.Open(ctx, withParam(dsn, "application_name="+app), &pgstore.Options{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	admin := adminPool(t)

	for attempt, n := 0, 5000; ; attempt, n = attempt+1, n*2 {
		require.Less(t, attempt, 4, "could not catch Apply in the middle of its transaction")
		tr := storetest.NewTree(t, s)
		cs := bigChangeSet(tr.Conn.Key, tr.Schema, n)
		killed := make(chan bool, 1)
		stop := make(chan struct{})
		go func() {
			// Terminate our backend once it has written (it has a
			// transaction ID) but not committed.
			for {
				select {
				case <-stop:
					killed <- false
					return
				default:
				}
				var ok bool
				err := admin.QueryRow(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
					WHERE application_name = $1 AND backend_xid IS NOT NULL AND state <> 'idle'`, app).Scan(&ok)
				if err == nil && ok {
					killed <- true
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
		err := s.Apply(ctx, cs)
		close(stop)
		if !<-killed || err == nil {
			t.Logf("Apply of %d tables finished before it could be interrupted (err %v); trying a larger one", n, err)
			continue
		}
		t.Logf("Apply of %d tables, interrupted: %v", n, err)
		assert.Contains(t, err.Error(), "lost the connection to PostgreSQL", "the error says the connection was lost")
		assert.Contains(t, err.Error(), "pgstore.Apply", "the error names the operation")

		const rule = "a change set interrupted by a lost connection writes nothing"
		snap, err := s.Snapshot(ctx, tr.Schema.ID)
		require.NoError(t, err, "the store works again on a new connection")
		assert.Empty(t, snap, rule+": children")
		sc, err := s.Object(ctx, tr.Schema.ID)
		require.NoError(t, err)
		assert.Zero(t, sc.Fingerprint, rule+": fingerprint")
		count, err := s.CountDescendants(ctx, tr.Host.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(2), count, rule+": counts")
		hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: "conn", Connection: tr.Conn.Key}, store.Page{})
		require.NoError(t, err)
		assert.Empty(t, hits, rule+": tags")

		require.NoError(t, s.Apply(ctx, cs), "applying the change set again converges")
		snap, err = s.Snapshot(ctx, tr.Schema.ID)
		require.NoError(t, err)
		assert.Len(t, snap, n)
		return
	}
}

// A process killed (SIGKILL) at a random moment while it applies change
// sets leaves each container in its old or its new state, never part of
// a change set.
func TestKillDuringApply(t *testing.T) {
	s, schema := newStore(t, nil)
	ctx := t.Context()
	tr := storetest.NewTree(t, s)
	const n = 3000
	cmd, lines := startChild(t, "apply", schema, tr.Conn.Key, tr.Database.ID.String(), strconv.Itoa(n))
	waitLine(t, lines, "APPLIED")
	time.Sleep(time.Duration(rand.IntN(200)) * time.Millisecond)
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()

	schemas, err := s.Snapshot(ctx, tr.Database.ID)
	require.NoError(t, err)
	require.Greater(t, len(schemas), 1, "the child applied something")
	full, empty := 0, 0
	for _, sc := range schemas {
		if sc.Name() == tr.Schema.Name() {
			continue
		}
		kids, err := s.Snapshot(ctx, sc.ID)
		require.NoError(t, err)
		count, err := s.CountDescendants(ctx, sc.ID)
		require.NoError(t, err)
		switch len(kids) {
		case 0:
			empty++
			assert.Zero(t, sc.Fingerprint, "%s: an unapplied change set leaves no fingerprint", sc.Path)
			assert.Zero(t, count, "%s: counts", sc.Path)
		case n:
			full++
			assert.Equal(t, hierarchy.Fingerprint(77), sc.Fingerprint, "%s: an applied change set records its fingerprint", sc.Path)
			assert.Equal(t, int64(n), count, "%s: counts", sc.Path)
			for _, k := range kids {
				require.Len(t, k.Tags, 1, "%s: an applied change set's tags", k.Path)
				require.Len(t, column(k, "COLUMN_03").Tags, 1, "%s: an applied change set's column tags", k.Path)
			}
		default:
			t.Fatalf("%s holds %d of the %d tables of one change set: a killed Apply left part of it", sc.Path, len(kids), n)
		}
	}
	hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: "New", Connection: tr.Conn.Key}, store.Page{Limit: store.MaxPageLimit})
	require.NoError(t, err)
	assert.Len(t, hits, min(full*n, store.MaxPageLimit), "tags of applied change sets only")
	t.Logf("killed after %d complete change sets; %d schemas left empty", full, empty)
}

func column(o hierarchy.Object, name string) hierarchy.Column {
	c, _ := o.Column(name)
	return c
}
