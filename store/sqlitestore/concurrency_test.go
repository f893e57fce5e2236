package sqlitestore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/sqlitestore"
	"github.com/govkit/connections/store/storetest"
)

// Two Store values on one file stand for two processes: each has its own
// pool and write queue, so their writers meet only at SQLite's file lock.
// Every write must succeed: no SQLITE_BUSY may reach a caller.
func TestConcurrency_TwoStoresOneFile(t *testing.T) {
	ctx := t.Context()
	a, path := open(t, &sqlitestore.Options{MaxConns: 3})
	b, err := sqlitestore.Open(ctx, path, &sqlitestore.Options{MaxConns: 3})
	require.NoError(t, err)
	defer b.Close()

	tr := storetest.NewTree(t, a)
	const (
		schemas = 6
		rounds  = 5
		tables  = 40
	)
	var scs []hierarchy.Object
	for i := range schemas {
		scs = append(scs, storetest.Child(tr.Database, fmt.Sprintf("S%d", i)))
	}
	storetest.Add(t, a, tr.Conn.Key, tr.Database, scs...)

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	report := func(err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	stop := make(chan struct{})
	for i, sc := range scs {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for r := range rounds {
				cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: sc.ID, Fingerprint: hierarchy.Fingerprint(r + 1), At: time.Now()}
				for j := range tables {
					tb := storetest.Table(sc, fmt.Sprintf("T%02d_%03d", r, j), "a", "b")
					cs.Add = append(cs.Add, tb)
					cs.AddTags = append(cs.AddTags, store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "conc", Value: sc.Name()}})
				}
				report(s.Apply(ctx, cs))
			}
		})
	}
	var readers sync.WaitGroup
	for i := range 4 {
		s := a
		if i%2 == 1 {
			s = b
		}
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := s.Snapshot(ctx, scs[i%schemas].ID)
				report(err)
				_, _, err = s.FindByTag(ctx, store.TagQuery{Name: "conc"}, store.Page{Limit: 10})
				report(err)
				_, err = s.CountDescendants(ctx, tr.Host.ID)
				report(err)
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	require.Empty(t, errs, "concurrent writes and reads from two stores on one file must all succeed")

	for _, s := range []*sqlitestore.Store{a, b} {
		n, err := s.CountDescendants(ctx, tr.Database.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(1+schemas*(1+rounds*tables)), n, "every Apply is counted, whichever store wrote it")
	}
	hits, _, err := b.FindByTag(ctx, store.TagQuery{Name: "conc", Connection: tr.Conn.Key}, store.Page{Limit: store.MaxPageLimit})
	require.NoError(t, err)
	assert.Len(t, hits, schemas*rounds*tables)
}

// A write that waits for another process's lock longer than BusyTimeout
// fails with an error that says so, and writes nothing.
func TestConcurrency_BusyTimeout(t *testing.T) {
	ctx := t.Context()
	s, path := open(t, &sqlitestore.Options{BusyTimeout: 200 * time.Millisecond})
	tr := storetest.NewTree(t, s)

	// Another process holds the write lock.
	db := rawDB(t, path)
	c, err := db.Conn(ctx)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.ExecContext(ctx, "BEGIN IMMEDIATE")
	require.NoError(t, err)

	start := time.Now()
	err = s.Apply(ctx, &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Schema.ID, Add: []hierarchy.Object{storetest.Table(tr.Schema, "T")}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "write lock")
	assert.Contains(t, err.Error(), "sqlitestore.Apply")
	assert.Less(t, time.Since(start), 5*time.Second, "a busy write gives up after about BusyTimeout")
	_, err = c.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)

	kids, err := s.Snapshot(ctx, tr.Schema.ID)
	require.NoError(t, err)
	assert.Empty(t, kids)

	// Once the lock is free, writes go on; reads never waited.
	_, err = c.ExecContext(ctx, "BEGIN IMMEDIATE")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		done <- s.Apply(ctx, &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Schema.ID, Add: []hierarchy.Object{storetest.Table(tr.Schema, "T")}})
	}()
	_, err = s.Snapshot(ctx, tr.Schema.ID)
	require.NoError(t, err, "reads go on while another process writes")
	time.Sleep(50 * time.Millisecond)
	_, err = c.ExecContext(ctx, "COMMIT")
	require.NoError(t, err)
	require.NoError(t, <-done, "a write waits for another process's lock (within BusyTimeout)")
}

// A cancelled context stops an Apply wherever it is: nothing is written,
// and the store goes on.
func TestConcurrency_CancelMidApply(t *testing.T) {
	s, _ := open(t, nil)
	tr := storetest.NewTree(t, s)
	big := &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Schema.ID, Fingerprint: 3, At: time.Now()}
	for i := range 20000 {
		tb := storetest.Table(tr.Schema, fmt.Sprintf("T%06d", i), "a", "b", "c")
		big.Add = append(big.Add, tb)
		big.AddTags = append(big.AddTags, store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "big"}})
	}
	cancelled := 0
	for _, after := range []time.Duration{time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(t.Context(), after)
		err := s.Apply(ctx, big)
		cancel()
		if err == nil {
			break // the machine was fast enough: nothing left to cancel
		}
		cancelled++
		require.True(t, connections.IsContextError(err), "a cancelled Apply returns the context's error, got %v", err)
		kids, err := s.Snapshot(t.Context(), tr.Schema.ID)
		require.NoError(t, err)
		require.Empty(t, kids, "a cancelled Apply writes nothing")
		require.Zero(t, object(t, s, tr.Schema.ID).Fingerprint, "a cancelled Apply writes nothing")
		hits, _, err := s.FindByTag(t.Context(), store.TagQuery{Name: "big"}, store.Page{})
		require.NoError(t, err)
		require.Empty(t, hits, "a cancelled Apply writes nothing")
	}
	t.Logf("%d cancelled", cancelled)
	if cancelled == 4 {
		require.NoError(t, s.Apply(t.Context(), big), "after cancelled Applies the store goes on")
		n, err := s.CountDescendants(t.Context(), tr.Schema.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(20000), n)
	}
}

func object(t *testing.T, s store.Store, id hierarchy.ID) hierarchy.Object {
	t.Helper()
	o, err := s.Object(t.Context(), id)
	require.NoError(t, err)
	return o
}

// Leases live in the file: two stores (processes) never hold one at once.
func TestLocker_AcrossStores(t *testing.T) {
	ctx := t.Context()
	a, path := open(t, nil)
	b, err := sqlitestore.Open(ctx, path, nil)
	require.NoError(t, err)
	defer b.Close()

	release, err := a.TryLock(ctx, "conn", time.Minute)
	require.NoError(t, err)
	_, err = b.TryLock(ctx, "conn", time.Minute)
	require.ErrorIs(t, err, connections.ErrSyncInProgress, "another process's lease holds")
	release()
	releaseB, err := b.TryLock(ctx, "conn", time.Minute)
	require.NoError(t, err, "a released lease is free for another process")

	// Closing a store gives its leases back.
	require.NoError(t, b.Close())
	releaseB() // after Close: harmless
	releaseA, err := a.TryLock(ctx, "conn", time.Minute)
	require.NoError(t, err, "Close gives the store's leases back")
	releaseA()

	_, err = a.TryLock(ctx, "", time.Minute)
	require.ErrorIs(t, err, connections.ErrInvalidInput)
	_, err = a.TryLock(ctx, "x", 0)
	require.ErrorIs(t, err, connections.ErrInvalidInput)
}

// Deleting a connection removes every row it had, in every table, and
// leaves other connections alone.
func TestDeleteConnection_Large(t *testing.T) {
	ctx := t.Context()
	s, path := open(t, nil)
	keep := storetest.NewTree(t, s, "K1")
	c, host := storetest.NewConnection(storetest.Key("big"))
	require.NoError(t, s.CreateConnection(ctx, c, host))
	total := 0
	for d := range 3 {
		db := storetest.Child(host, fmt.Sprintf("DB%d", d))
		storetest.Add(t, s, c.Key, host, db)
		total++
		for sc := range 4 {
			schema := storetest.Child(db, fmt.Sprintf("S%d", sc))
			storetest.Add(t, s, c.Key, db, schema)
			total++
			cs := &store.ChangeSet{Connection: c.Key, Container: schema.ID, At: time.Now()}
			for i := range 500 {
				tb := storetest.Table(schema, fmt.Sprintf("T%04d", i), "a", "b")
				cs.Add = append(cs.Add, tb)
				cs.AddTags = append(cs.AddTags, store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "sys " + schema.Name(), Source: hierarchy.TagSystem}},
					store.TagRef{Object: tb.ID, Column: "a", Tag: hierarchy.Tag{Name: "pii"}})
				if i%100 == 0 {
					cs.Requests = append(cs.Requests, store.Request{ID: hierarchy.NewID(), Kind: store.RequestColumnAdded, Object: tb.ID, Path: tb.Path, Column: "a"})
				}
			}
			require.NoError(t, s.Apply(ctx, cs))
			total += 500
			require.NoError(t, s.AddGrant(ctx, store.Grant{Object: schema.ID, Subject: store.Subject{Kind: store.SubjectUser, Name: "u"}, Role: store.RoleDataOwner}))
		}
	}
	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: keep.Tables[0].ID, Column: "id", Tag: hierarchy.Tag{Name: "pii"}}))
	n, err := s.CountDescendants(ctx, host.ID)
	require.NoError(t, err)
	require.Equal(t, int64(total), n)

	require.NoError(t, s.DeleteConnection(ctx, c.Key))

	db := rawDB(t, path)
	for table, q := range map[string]string{
		"objects":  `SELECT count(*) FROM objects WHERE pkey >= CAST(? AS BLOB) AND pkey < CAST(? AS BLOB)`,
		"tags":     `SELECT count(*) FROM tags WHERE pkey >= CAST(? AS BLOB) AND pkey < CAST(? AS BLOB)`,
		"grants":   `SELECT count(*) FROM grants WHERE opkey >= CAST(? AS BLOB) AND opkey < CAST(? AS BLOB)`,
		"requests": `SELECT count(*) FROM requests WHERE opkey >= CAST(? AS BLOB) AND opkey < CAST(? AS BLOB)`,
	} {
		var left int
		lo, hi := []byte(c.Key+"\x00\x01"), []byte(c.Key+"\x00\x02")
		require.NoError(t, db.QueryRow(q, lo, hi).Scan(&left), table)
		assert.Zero(t, left, "DeleteConnection must leave no %s rows of the connection", table)
	}
	hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: "pii"}, store.Page{Limit: store.MaxPageLimit})
	require.NoError(t, err)
	require.Len(t, hits, 1, "other connections' tags stay")
	assert.Equal(t, keep.Tables[0].ID, hits[0].Object)
	var res string
	require.NoError(t, db.QueryRow(`PRAGMA integrity_check`).Scan(&res))
	assert.Equal(t, "ok", res)
	require.NoError(t, s.CreateConnection(ctx, c, host), "the key and host ID are free again")
	_, err = s.Lookup(ctx, hierarchy.Path{c.Key, "DB0"})
	require.True(t, errors.Is(err, connections.ErrNotFound))
}
