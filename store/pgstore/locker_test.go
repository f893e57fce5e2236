package pgstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/pgstore"
	"github.com/govkit/connections/store/storetest"
	objsync "github.com/govkit/connections/sync"
)

// Two stores on two pools (as two replicas would have) contend for one
// connection's lease: exactly one wins at a time.
func TestLeaseTwoStores(t *testing.T) {
	a, schema := newStore(t, nil)
	b, err := pgstore.Open(t.Context(), testDSN(t), &pgstore.Options{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	key := storetest.Key("lease")

	for round := range 3 {
		var (
			wg       sync.WaitGroup
			won      atomic.Int32
			mu       sync.Mutex
			releases []func()
		)
		start := make(chan struct{})
		for i := range 8 {
			st := a
			if i%2 == 1 {
				st = b
			}
			wg.Go(func() {
				<-start
				rel, err := st.TryLock(t.Context(), key, time.Minute)
				if err == nil {
					won.Add(1)
					mu.Lock()
					releases = append(releases, rel)
					mu.Unlock()
					return
				}
				if !errors.Is(err, connections.ErrSyncInProgress) {
					t.Errorf("round %d: TryLock: %v", round, err)
				}
			})
		}
		close(start)
		wg.Wait()
		require.Equal(t, int32(1), won.Load(), "round %d: exactly one of the contenders on two pools must take the lease", round)
		releases[0]()
	}
	rel, err := b.TryLock(t.Context(), key, time.Minute)
	require.NoError(t, err, "a released lease is free for the other replica")
	_, err = a.TryLock(t.Context(), key, time.Minute)
	require.ErrorIs(t, err, connections.ErrSyncInProgress)
	rel()
}

// A process that holds a lease and is killed (SIGKILL: no release, no
// cleanup) loses it within the ttl; another process then takes it over.
func TestLeaseTakenOverAfterKill(t *testing.T) {
	s, schema := newStore(t, nil)
	key := storetest.Key("kill")
	const ttl = 1500 * time.Millisecond

	cmd, lines := startChild(t, "lease", schema, key, ttl.String())
	waitLine(t, lines, "HOLDING")

	// The child renews its lease: it is still held after the ttl.
	time.Sleep(ttl + ttl/2)
	_, err := s.TryLock(t.Context(), key, ttl)
	require.ErrorIs(t, err, connections.ErrSyncInProgress, "a live holder's lease is renewed past its ttl")

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	killed := time.Now()
	_, err = s.TryLock(t.Context(), key, ttl)
	require.ErrorIs(t, err, connections.ErrSyncInProgress, "the lease is held until its ttl passes")
	var release func()
	require.Eventually(t, func() bool {
		release, err = s.TryLock(t.Context(), key, ttl)
		return err == nil
	}, ttl+5*time.Second, 25*time.Millisecond, "a killed holder's lease must be taken over after its ttl")
	release()
	took := time.Since(killed)
	assert.LessOrEqual(t, took, ttl+2*time.Second, "taken over within the ttl (and a margin)")
	t.Logf("lease taken over %v after the holder was killed (ttl %v)", took.Round(time.Millisecond), ttl)
}

// Two sync engines, each over a store of its own (two pools, as two
// replicas), never sync one connection at once: the second gets
// ErrSyncInProgress while the first runs, or waits with RunOptions.Wait.
func TestTwoEnginesOneConnection(t *testing.T) {
	a, schema := newStore(t, nil)
	b, err := pgstore.Open(t.Context(), testDSN(t), &pgstore.Options{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })

	p := memory.NewPlatform("two-engines")
	_, err = p.AddSynthetic(memory.Spec{Databases: 2, Schemas: 2, Tables: 20, Columns: 4})
	require.NoError(t, err)
	key := storetest.Key("engines")
	conn := store.Connection{Key: key, DisplayName: "Two engines", Technology: "memory", HostID: hierarchy.NewID(), Status: store.StatusActive}
	require.NoError(t, a.CreateConnection(t.Context(), conn, hierarchy.Object{ID: conn.HostID, Path: hierarchy.Path{key}, Type: memory.HostType}))
	t.Cleanup(func() { _ = a.DeleteConnection(context.Background(), key) })

	reg, err := connectors.NewRegistry(p.Technology())
	require.NoError(t, err)
	engine := func(st store.Store) *objsync.Engine {
		e, err := objsync.New(st, reg, nil, &objsync.Options{LockTTL: 2 * time.Second})
		require.NoError(t, err)
		return e
	}
	ea, eb := engine(a), engine(b)

	// Hold engine A's sync inside its first connector call.
	entered, proceed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	p.SetHook(func(ctx context.Context, c memory.Call) error {
		once.Do(func() {
			close(entered)
			<-proceed
		})
		return nil
	})
	done := make(chan error, 1)
	go func() {
		rep, err := ea.Sync(context.Background(), key, nil, nil)
		if err == nil {
			err = rep.Err()
		}
		done <- err
	}()
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("engine A did not start syncing")
	}

	_, err = eb.Sync(t.Context(), key, nil, nil)
	require.ErrorIs(t, err, connections.ErrSyncInProgress, "B10: a second replica's sync of the connection must be refused while the first runs")

	waited := make(chan error, 1)
	go func() {
		rep, err := eb.Sync(context.Background(), key, nil, &objsync.RunOptions{Wait: true})
		if err == nil {
			err = rep.Err()
		}
		waited <- err
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-waited:
		t.Fatalf("B's waiting sync ran while A held the lease: %v", err)
	default:
	}
	close(proceed)
	require.NoError(t, <-done, "engine A's sync")
	select {
	case err := <-waited:
		require.NoError(t, err, "engine B's sync runs once A is done")
	case <-time.After(60 * time.Second):
		t.Fatal("engine B's waiting sync did not run after A finished")
	}
	n, err := b.CountDescendants(t.Context(), conn.HostID)
	require.NoError(t, err)
	assert.Equal(t, int64(2+4+80), n, "the platform is stored once, whole")
}
