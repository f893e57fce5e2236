package sync_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	objsync "github.com/govkit/connections/sync"
)

// fakeClock is a Clock that moves only when told. Each After call is
// announced on waits, so a test knows when the scheduler is waiting.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	waits   chan time.Duration
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, waits: make(chan time.Duration, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, fakeWaiter{c.now.Add(d), ch})
	}
	c.mu.Unlock()
	c.waits <- d
	return ch
}

// Advance moves the clock and fires the waiters that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
		} else {
			w.ch <- c.now
		}
	}
	c.waiters = kept
}

type result struct {
	key string
	rep *objsync.Report
	err error
}

func startScheduler(t *testing.T, v *env, clk *fakeClock) (results chan result, stop func() error) {
	t.Helper()
	results = make(chan result, 10)
	s := objsync.NewScheduler(v.e, &objsync.SchedulerOptions{
		Clock:    clk,
		Rescan:   48 * time.Hour,
		OnResult: func(key string, rep *objsync.Report, err error) { results <- result{key, rep, err} },
	})
	ctx, cancel := context.WithCancel(v.ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = <-done
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return results, stop
}

func TestNextRun_DefaultIsDailyAt0100UTC(t *testing.T) {
	day := func(h, m int) time.Time { return time.Date(2025, 3, 1, h, m, 0, 0, time.UTC) }
	cases := []struct {
		s    store.Schedule
		at   time.Time
		want time.Time
	}{
		{store.Schedule{}, day(0, 30), day(1, 0)},
		{store.Schedule{}, day(1, 0), day(1, 0).Add(24 * time.Hour)},
		{store.Schedule{}, day(23, 0), day(1, 0).Add(24 * time.Hour)},
		{store.Schedule{}, day(0, 30).In(time.FixedZone("X", 5*3600)), day(1, 0)},
		{store.Schedule{Interval: 6 * time.Hour, Offset: 30 * time.Minute}, day(7, 0), day(12, 30)},
		{store.Schedule{Interval: time.Hour}, day(7, 0), day(8, 0)},
		{store.Schedule{Offset: 2 * time.Hour}, day(3, 0), day(2, 0).Add(24 * time.Hour)},
		{store.Schedule{Interval: time.Second}, day(3, 0).Add(time.Second), day(3, 1)},
		{store.Schedule{Interval: 24 * time.Hour, Offset: 25 * time.Hour}, day(0, 30), day(1, 0)},
	}
	for _, c := range cases {
		if got := objsync.NextRun(c.s, c.at); !got.Equal(c.want) {
			t.Errorf("NextRun(%+v, %v) = %v, want %v", c.s, c.at, got, c.want)
		}
	}
}

func TestScheduler_RunsEachConnectionAtItsSlot(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	// A connection still registering is not synced.
	reg := store.Connection{Key: "reg", Technology: "memory", HostID: hierarchy.NewID(), Status: store.StatusRegistering}
	v.must(v.st.CreateConnection(v.ctx, reg, hierarchy.Object{ID: reg.HostID, Path: hierarchy.Path{"reg"}}))
	clk := newFakeClock(time.Date(2025, 3, 1, 0, 30, 0, 0, time.UTC))
	results, stop := startScheduler(t, v, clk)

	if d := <-clk.waits; d != 30*time.Minute {
		t.Fatalf("first wait %v, want until 01:00", d)
	}
	select {
	case r := <-results:
		t.Fatalf("synced before the slot: %+v", r)
	default:
	}
	clk.Advance(30 * time.Minute)
	r := <-results
	if r.key != testKey || r.err != nil || r.rep.Counts.Added != 3 {
		t.Fatalf("result %+v", r)
	}
	if d := <-clk.waits; d != 24*time.Hour {
		t.Fatalf("next wait %v, want 24h", d)
	}
	clk.Advance(24 * time.Hour)
	if r := <-results; r.err != nil || r.rep.Counts.Unchanged != 1 {
		t.Fatalf("second run %+v", r)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := v.p.Calls(memory.MethodDatabases); n != 2 {
		t.Fatalf("%d syncs, want 2", n)
	}
}

func TestScheduler_OverrunningSyncIsNotStartedTwice(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	v.settings(func(s *store.Settings) { s.Schedule = store.Schedule{Interval: time.Hour} })
	var rec recorder
	v.e.Subscribe(rec.add)
	started, release := blockFirst(v.p)
	clk := newFakeClock(time.Date(2025, 3, 1, 0, 30, 0, 0, time.UTC))
	results, _ := startScheduler(t, v, clk)

	<-clk.waits
	clk.Advance(30 * time.Minute) // 01:00: starts, and hangs
	<-started
	for range 2 { // 02:00 and 03:00: skipped
		<-clk.waits
		clk.Advance(time.Hour)
	}
	<-clk.waits
	if n := rec.count(objsync.EventSkipped); n != 2 {
		t.Fatalf("%d skipped slots, want 2", n)
	}
	close(release)
	if r := <-results; r.err != nil {
		t.Fatal(r.err)
	}
	clk.Advance(time.Hour) // 04:00: runs again
	if r := <-results; r.err != nil {
		t.Fatal(r.err)
	}
	if n := v.p.Calls(memory.MethodDatabases); n != 2 {
		t.Fatalf("%d syncs started, want 2", n)
	}
}

func TestScheduler_StopsOnCancelAndWaitsForRunningSyncs(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	var returned atomic.Bool
	started := make(chan struct{})
	v.p.SetHook(func(ctx context.Context, c memory.Call) error {
		if c.Method == memory.MethodDatabases {
			close(started)
			<-ctx.Done() // runs until the scheduler stops
			returned.Store(true)
			return ctx.Err()
		}
		return nil
	})
	clk := newFakeClock(time.Date(2025, 3, 1, 0, 59, 0, 0, time.UTC))
	results, stop := startScheduler(t, v, clk)
	<-clk.waits
	clk.Advance(time.Minute)
	<-started
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !returned.Load() {
		t.Fatal("Run returned before its sync did")
	}
	select {
	case r := <-results:
		if r.rep == nil || r.rep.Err() == nil {
			t.Fatalf("cancelled sync result %+v", r)
		}
	default:
		t.Fatal("no result for the running sync")
	}
}

func TestScheduler_NilEngineIsAnError(t *testing.T) {
	err := objsync.NewScheduler(nil, nil).Run(t.Context())
	if !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("Run: %v", err)
	}
}

// flakyStore is a memstore whose Connections fails while fail is set.
type flakyStore struct {
	*memstore.Store
	fail atomic.Bool
}

func (s *flakyStore) Connections(ctx context.Context) ([]store.Connection, error) {
	if s.fail.Load() {
		return nil, errors.New("store unreachable")
	}
	return s.Store.Connections(ctx)
}

func TestScheduler_SlotPassedWhileStoreUnreadableRunsAtNextRead(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	fs := &flakyStore{Store: v.st}
	e, err := objsync.New(fs, v.reg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := newFakeClock(time.Date(2025, 3, 1, 0, 55, 0, 0, time.UTC))
	results := make(chan result, 10)
	s := objsync.NewScheduler(e, &objsync.SchedulerOptions{
		Clock:    clk,
		Rescan:   10 * time.Minute,
		OnResult: func(key string, rep *objsync.Report, err error) { results <- result{key, rep, err} },
	})
	ctx, cancel := context.WithCancel(v.ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()

	if d := <-clk.waits; d != 5*time.Minute {
		t.Fatalf("first wait %v, want until 01:00", d)
	}
	fs.fail.Store(true)
	clk.Advance(5 * time.Minute) // 01:00, the slot: the store cannot be read
	if d := <-clk.waits; d != 10*time.Minute {
		t.Fatalf("wait after a failed read %v, want the rescan interval", d)
	}
	select {
	case r := <-results:
		t.Fatalf("synced while the store was unreadable: %+v", r)
	default:
	}
	fs.fail.Store(false)
	clk.Advance(10 * time.Minute) // 01:10: the store is back
	select {
	case r := <-results:
		if r.key != testKey || r.err != nil {
			t.Fatalf("result %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the 01:00 slot that passed while the store was unreadable never ran")
	}
}
