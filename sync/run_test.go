package sync_test

import (
	"context"
	"errors"
	"slices"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	objsync "github.com/govkit/connections/sync"
)

func TestSync_B10_SubtreeSyncCrawlsAndComparesOnlyThatSubtree(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB1", "S1", 2)
	v.schema("DB1", "S2", 2)
	v.schema("DB2", "S1", 2)
	v.syncClean()
	for _, s := range [][2]string{{"DB1", "S1"}, {"DB1", "S2"}, {"DB2", "S1"}} {
		v.churn(s[0], s[1])
	}
	v.schema("DB1", "S3", 1)
	calls := func() [3]int {
		return [3]int{v.p.Calls(memory.MethodDatabases), v.p.Calls(memory.MethodSchemas), v.p.Calls(memory.MethodTables)}
	}

	v.p.ResetCalls()
	rep, err := v.syncPath("snow.DB1.S1", nil)
	if err != nil || rep.Err() != nil {
		t.Fatal(err, rep.Err())
	}
	if got := calls(); got != [3]int{0, 1, 1} {
		t.Fatalf("schema sync made calls %v (databases, schemas, tables)", got)
	}
	if !v.churned("DB1", "S1") || v.churned("DB1", "S2") {
		t.Fatal("schema sync reached outside its schema")
	}
	v.missing("snow.DB1.S3") // a sibling the database listing shows
	if rep.Root.String() != "snow.DB1.S1" || rep.Counts.Schemas != 1 || rep.Counts.Tables != 2 {
		t.Fatalf("root %v counts %+v", rep.Root, rep.Counts)
	}

	v.p.ResetCalls()
	if _, err := v.syncPath("snow.DB2", nil); err != nil {
		t.Fatal(err)
	}
	if got := calls(); got != [3]int{1, 1, 1} {
		t.Fatalf("database sync made calls %v", got)
	}
	if !v.churned("DB2", "S1") || v.churned("DB1", "S2") {
		t.Fatal("database sync reached outside its database")
	}

	// A table: only that table is compared.
	v.must(v.p.AddColumn("DB1", "S2", "t1", hierarchy.Column{Name: "n"}))
	rep, err = v.syncPath("snow.DB1.S2.t1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.obj("snow.DB1.S2.t1").Columns) != 3 || v.churned("DB1", "S2") || len(rep.Added) != 0 {
		t.Fatal("table sync compared more than its table")
	}
	// The schema's fingerprint no longer vouches for the store: the next
	// sync compares it and catches up.
	v.syncClean()
	if !v.churned("DB1", "S2") {
		t.Fatal("the whole sync after a table sync did not catch up")
	}
	v.obj("snow.DB1.S3.t0")
}

func TestSync_B10_SubtreeSyncMarksTheObjectItselfDeleted(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 2)
	v.schema("DB", "KEEP", 1)
	v.syncClean()
	v.must(v.p.DropTable("DB", "S", "t1"))
	if _, err := v.syncPath("snow.DB.S.t1", nil); err != nil {
		t.Fatal(err)
	}
	if v.obj("snow.DB.S.t1").State != hierarchy.DeletedRemotely {
		t.Fatal("dropped table not marked deleted by its own sync")
	}
	v.must(v.p.DropSchema("DB", "S"))
	rep, err := v.syncPath("snow.DB.S", nil)
	if err != nil {
		t.Fatal(err)
	}
	equalStrings(t, "deleted", paths(rep.Deleted), []string{"snow.DB.S"})
	if v.obj("snow.DB.KEEP").State != hierarchy.Active {
		t.Fatal("sibling marked deleted")
	}
	// A path under a deleted object: sync its parent instead.
	if _, err := v.syncPath("snow.DB.S.t0", nil); !errors.Is(err, connections.ErrConflict) {
		t.Fatalf("sync under a deleted schema: %v", err)
	}
}

func TestSync_B10_BadConnectionOrPath(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	v.syncClean()
	before := v.dump("snow")
	for _, c := range []struct {
		key  string
		path hierarchy.Path
		want error
	}{
		{"nope", nil, connections.ErrNotFound},
		{testKey, hierarchy.Path{testKey, "NOPE"}, connections.ErrNotFound},
		{testKey, hierarchy.Path{testKey, "DB", "S", "nope"}, connections.ErrNotFound},
		{testKey, hierarchy.Path{"other", "DB"}, connections.ErrInvalidInput},
		{testKey, hierarchy.Path{testKey, "DB", "S", "t0", "a"}, connections.ErrInvalidInput},
		{testKey, hierarchy.Path{testKey, ""}, connections.ErrInvalidInput},
		{"", nil, connections.ErrInvalidInput},
	} {
		rep, err := v.e.Sync(v.ctx, c.key, c.path, nil)
		if !errors.Is(err, c.want) || rep != nil {
			t.Errorf("Sync(%q, %v) = %v, %v; want %v", c.key, c.path, rep, err, c.want)
		}
	}
	if v.dump("snow") != before {
		t.Fatal("a refused sync wrote")
	}
}

// blockFirst makes the first Databases call wait until release is closed.
func blockFirst(p *memory.Platform) (started, release chan struct{}) {
	started, release = make(chan struct{}), make(chan struct{})
	var n atomic.Int32
	p.SetHook(func(ctx context.Context, c memory.Call) error {
		if c.Method == memory.MethodDatabases && n.Add(1) == 1 {
			close(started)
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	return started, release
}

func TestSync_B10_SecondSyncRefusedOrWaits(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	started, release := blockFirst(v.p)
	first := make(chan error, 1)
	go func() {
		_, err := v.e.Sync(v.ctx, testKey, nil, nil)
		first <- err
	}()
	<-started
	if _, err := v.e.Sync(v.ctx, testKey, nil, nil); !errors.Is(err, connections.ErrSyncInProgress) {
		t.Fatalf("second sync: %v", err)
	}
	if _, err := v.syncPath("snow.DB", &objsync.RunOptions{DryRun: true}); !errors.Is(err, connections.ErrSyncInProgress) {
		t.Fatalf("dry run during a sync: %v", err)
	}
	// A waiting caller whose context ends gives up.
	ctx, cancel := context.WithCancel(v.ctx)
	cancel()
	if _, err := v.e.Sync(ctx, testKey, nil, &objsync.RunOptions{Wait: true}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	waited := make(chan *objsync.Report, 1)
	go func() {
		rep, err := v.e.Sync(v.ctx, testKey, nil, &objsync.RunOptions{Wait: true})
		if err != nil {
			t.Error(err)
		}
		waited <- rep
	}()
	select {
	case <-waited:
		t.Fatal("the waiting sync ran while the first was running")
	default:
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	rep := <-waited
	if rep.Counts.Unchanged != 1 {
		t.Fatalf("the waiting sync did not run after the first: %+v", rep.Counts)
	}
}

func TestSync_B10_StoreLeaseKeepsEnginesApart(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	other, err := objsync.New(v.st, v.reg, nil, nil) // another process sharing the store
	v.must(err)
	started, release := blockFirst(v.p)
	first := make(chan error, 1)
	go func() {
		_, err := v.e.Sync(v.ctx, testKey, nil, nil)
		first <- err
	}()
	<-started
	if _, err := other.Sync(v.ctx, testKey, nil, nil); !errors.Is(err, connections.ErrSyncInProgress) {
		t.Fatalf("other engine: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := other.Sync(v.ctx, testKey, nil, &objsync.RunOptions{Wait: true})
		done <- err
	}()
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("waiting engine: %v", err)
	}
}

// plainStore hides the store's Locker: only the engine's own lock
// guards.
type plainStore struct{ store.Store }

func TestSync_B10_ConcurrentManualSyncsNeverOverlap(t *testing.T) {
	for _, lease := range []bool{true, false} {
		t.Run(map[bool]string{true: "store lease", false: "engine lock only"}[lease], func(t *testing.T) {
			v := newEnv(t, &objsync.Options{Concurrency: 2})
			e := v.e
			if !lease {
				var err error
				e, err = objsync.New(plainStore{v.st}, v.reg, nil, &objsync.Options{Concurrency: 2})
				v.must(err)
			}
			for _, s := range []string{"A", "B", "C"} {
				v.schema("DB", s, 3)
			}
			var inFlight, maxInFlight atomic.Int32
			v.p.SetHook(func(_ context.Context, c memory.Call) error {
				if c.Method == memory.MethodDatabases {
					n := inFlight.Add(1)
					for {
						m := maxInFlight.Load()
						if n <= m || maxInFlight.CompareAndSwap(m, n) {
							break
						}
					}
				}
				return nil
			})
			e.Subscribe(func(ev objsync.Event) {
				if ev.Kind == objsync.EventFinished {
					inFlight.Add(-1)
				}
			})
			errs := make(chan error, 8)
			for i := range 8 {
				go func() {
					ro := &objsync.RunOptions{Wait: i%2 == 0}
					rep, err := e.Sync(v.ctx, testKey, nil, ro)
					switch {
					case err == nil && rep.Err() != nil:
						err = rep.Err()
					case errors.Is(err, connections.ErrSyncInProgress) && !ro.Wait:
						err = nil
					}
					errs <- err
				}()
			}
			for range 8 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if maxInFlight.Load() != 1 {
				t.Fatalf("%d syncs of one connection ran at once", maxInFlight.Load())
			}
			if v.obj("snow.DB.C.t2").State != hierarchy.Active {
				t.Fatal("store not in step")
			}
		})
	}
}

func TestSync_B18_DryRunComputesReportAndWritesNothing(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 3)
	var rec recorder
	v.e.Subscribe(rec.add)

	// A dry run of a never synced connection walks into new containers.
	before := v.dump("snow")
	rep := v.sync(&objsync.RunOptions{DryRun: true})
	if !rep.DryRun || rep.Counts.Added != 5 || len(rep.Added) != 5 || v.dump("snow") != before {
		t.Fatalf("dry run: %+v", rep.Counts)
	}
	v.syncClean()
	v.setEnable("snow.DB.S", hierarchy.Enable)
	v.churn("DB", "S")
	v.must(v.p.AddColumn("DB", "S", "t1", hierarchy.Column{Name: "n"}))
	before = v.dump("snow")
	n := len(rec.kinds())
	dry := v.sync(&objsync.RunOptions{DryRun: true})
	if v.dump("snow") != before {
		t.Fatal("dry run wrote")
	}
	if len(rec.kinds()) != n {
		t.Fatal("dry run emitted events")
	}
	real := v.syncClean()
	dry.DryRun, dry.Started, dry.Finished, dry.Duration = false, real.Started, real.Finished, real.Duration
	strip := func(r *objsync.Report) {
		for i := range r.Added {
			r.Added[i].ID = hierarchy.ID{}
		}
	}
	strip(dry)
	strip(real)
	if dry.Counts != real.Counts || !slices.EqualFunc(dry.Added, real.Added, func(a, b objsync.ObjectChange) bool { return a.Path.Equal(b.Path) }) {
		t.Fatalf("dry run predicted %+v, the sync did %+v", dry.Counts, real.Counts)
	}
}

func TestSync_B18_EventsFollowAppliedChanges(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 2)
	v.schema("DB", "X", 1)
	var rec recorder
	cancel := v.e.Subscribe(rec.add)
	rep := v.syncClean()
	kinds := rec.kinds()
	if kinds[0] != objsync.EventStarted || kinds[len(kinds)-1] != objsync.EventFinished {
		t.Fatalf("events %v", kinds)
	}
	if got := rec.count(objsync.EventObjectAdded); int64(got) != rep.Counts.Added {
		t.Fatalf("%d added events for %d added", got, rep.Counts.Added)
	}
	last := rec.events[len(rec.events)-1]
	if last.Report == nil || last.Report.Counts != rep.Counts || last.Connection != testKey {
		t.Fatalf("finished event %+v", last)
	}

	rec.reset()
	v.must(v.p.DropTable("DB", "S", "t0"))
	v.must(v.p.AddColumn("DB", "S", "t1", hierarchy.Column{Name: "n"}))
	v.must(v.p.InjectFault(memoryFault("DB", "X", errors.New("boom"))))
	v.sync(nil)
	for k, want := range map[objsync.EventKind]int{
		objsync.EventObjectDeleted: 1, objsync.EventColumnAdded: 1, objsync.EventSubtreeFailed: 1, objsync.EventObjectAdded: 0,
	} {
		if got := rec.count(k); got != want {
			t.Errorf("%d %s events, want %d", got, k, want)
		}
	}
	// Nothing applied, nothing announced.
	rec.reset()
	v.p.ClearFaults()
	v.settings(func(s *store.Settings) { s.MaxDeleteShare = 0.1 })
	v.schema("DB", "Z", 3)
	v.syncClean()
	rec.reset()
	v.must(v.p.DropTable("DB", "Z", "t0"))
	v.must(v.p.DropTable("DB", "Z", "t1"))
	v.table("DB", "Z", "t5", "a")
	v.sync(nil)
	if rec.count(objsync.EventObjectDeleted)+rec.count(objsync.EventObjectAdded) != 0 || rec.count(objsync.EventSubtreeFailed) != 1 {
		t.Fatalf("events of a refused change set: %v", rec.kinds())
	}
	cancel()
	cancel()
	rec.reset()
	v.settings(func(s *store.Settings) { s.MaxDeleteShare = 0 })
	v.syncClean()
	if len(rec.kinds()) != 0 {
		t.Fatal("events after cancel")
	}
}

func TestSync_B18_ProgressCountsWhatWasCrawled(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 3)
	v.schema("DB2", "S", 2)
	var seen []objsync.Progress
	rep := v.sync(&objsync.RunOptions{Progress: func(p objsync.Progress) { seen = append(seen, p) }})
	if len(seen) < 3 {
		t.Fatalf("%d progress calls", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		a, b := seen[i-1], seen[i]
		if b.Tables < a.Tables || b.Schemas < a.Schemas || b.SchemasDone < a.SchemasDone {
			t.Fatalf("progress went back: %+v then %+v", a, b)
		}
	}
	last := seen[len(seen)-1]
	if last.Tables != 5 || last.Columns != 10 || last.SchemasDone != 2 || last.Tables != rep.Counts.Tables {
		t.Fatalf("last progress %+v", last)
	}
}

func TestSync_NoOpResyncSkipsUnchangedSchemas(t *testing.T) {
	v := newEnv(t, &objsync.Options{Now: fixedNow()})
	v.schema("DB", "A", 3)
	v.schema("DB", "B", 3)
	v.schema("DB2", "C", 3)
	v.syncClean()
	before := v.dump("snow")
	rep := v.syncClean()
	if rep.Counts.Unchanged != 3 || rep.Counts.Applied != 0 || rep.Counts.Tables != 9 {
		t.Fatalf("no-op counts %+v", rep.Counts)
	}
	if v.dump("snow") != before {
		t.Fatal("a no-op sync wrote")
	}
	v.must(v.p.SetTableComment("DB", "B", "t2", "changed"))
	rep = v.syncClean()
	if rep.Counts.Unchanged != 2 || rep.Counts.Applied != 1 || rep.Counts.Updated != 1 {
		t.Fatalf("one change counts %+v", rep.Counts)
	}
	if c, _ := v.st.Connection(v.ctx, testKey); !c.LastSync.Equal(rep.Finished) {
		t.Fatalf("LastSync %v, finished %v", c.LastSync, rep.Finished)
	}
}

func TestSync_UsesTheConnectorGiven(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "S", 1)
	e, err := objsync.New(v.st, nil, nil, nil) // no registry: registration passes its connector
	v.must(err)
	if _, err := e.Sync(v.ctx, testKey, nil, nil); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("no registry, no connector: %v", err)
	}
	cn := v.p.Connector(nil)
	rep, err := e.Sync(v.ctx, testKey, nil, &objsync.RunOptions{Connector: cn})
	if err != nil || rep.Counts.Added != 3 {
		t.Fatalf("%v %+v", err, rep)
	}
	if _, err := cn.Databases(v.ctx); err != nil {
		t.Fatalf("the sync closed the connector it was given: %v", err)
	}
	// The tag names the technology by its key when there is no registry.
	o := v.obj("snow.DB.S.t0")
	if !hasTag(o.Tags, hierarchy.TagSystem, "Immuta Connections . memory . Main Account . S . DB") {
		t.Fatalf("tags %v", o.Tags)
	}
}

func TestNew_RejectsBadOptions(t *testing.T) {
	if _, err := objsync.New(nil, nil, nil, nil); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatal(err)
	}
	v := newEnv(t, nil)
	if _, err := objsync.New(v.st, nil, nil, &objsync.Options{Concurrency: -1}); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatal(err)
	}
}

// TestSync_B18_ReportedPathsOutliveTheChangeSets syncs many schemas, whose
// change sets reuse each other's arrays, and checks that the report and
// the events still name every added object by its own path.
func TestSync_B18_ReportedPathsOutliveTheChangeSets(t *testing.T) {
	v := newEnv(t, &objsync.Options{Concurrency: 2})
	if _, err := v.p.AddSynthetic(memory.Spec{Databases: 2, Schemas: 30, Tables: 40, Columns: 3}); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	defer v.e.Subscribe(rec.add)()
	rep := v.syncClean()
	if rep.Counts.Added != 2+2*30+2*30*40 || int64(len(rep.Added)) != rep.Counts.Added {
		t.Fatalf("counts %+v, %d listed", rep.Counts, len(rep.Added))
	}
	check := func(what string, c objsync.ObjectChange) {
		t.Helper()
		o, err := v.st.Object(v.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !o.Path.Equal(c.Path) || o.Type != c.Type {
			t.Fatalf("%s %s reported as %s (%s), stored as %s (%s)", what, c.ID, c.Path, c.Type, o.Path, o.Type)
		}
	}
	for _, c := range rep.Added {
		check("added", c)
	}
	n := 0
	for _, ev := range rec.events {
		if ev.Kind == objsync.EventObjectAdded {
			check("event for", *ev.Object)
			n++
		}
	}
	if int64(n) != rep.Counts.Added {
		t.Fatalf("%d added events for %d added", n, rep.Counts.Added)
	}
}

func TestSync_B18_ReportTimings(t *testing.T) {
	v := newEnv(t, &objsync.Options{Now: fixedNow()})
	v.schema("DB", "S", 2)
	rep := v.syncClean()
	if rep.Started.IsZero() || !rep.Finished.After(rep.Started) || rep.Duration != rep.Finished.Sub(rep.Started) {
		t.Fatalf("timings: started %v, finished %v, duration %v", rep.Started, rep.Finished, rep.Duration)
	}
	dry, err := v.e.Sync(v.ctx, testKey, nil, &objsync.RunOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !dry.DryRun || !dry.Started.After(rep.Finished) || dry.Duration != dry.Finished.Sub(dry.Started) {
		t.Fatalf("dry-run timings: %+v", dry)
	}
}

// racingStore lets another writer update the connection record between
// the engine's read of it and its write, once.
type racingStore struct {
	store.Store
	once gosync.Once
	race func()
}

func (s *racingStore) UpdateConnection(ctx context.Context, c store.Connection) error {
	s.once.Do(s.race)
	return s.Store.UpdateConnection(ctx, c)
}

// Recording LastSync after a sync must not undo a settings change another
// writer made meanwhile (it used to write back the whole record it had
// read).
func TestSync_LastSyncKeepsConcurrentSettingsChange(t *testing.T) {
	v := newEnv(t, nil)
	v.schema("DB", "A", 2)
	rs := &racingStore{Store: v.st}
	rs.race = func() { v.settings(func(s *store.Settings) { s.Schedule.Interval = 6 * time.Hour }) }
	e, err := objsync.New(rs, v.reg, nil, nil)
	v.must(err)
	rep, err := e.Sync(v.ctx, testKey, nil, nil)
	v.must(err)
	v.must(rep.Err())
	c, err := v.st.Connection(v.ctx, testKey)
	v.must(err)
	if c.Settings.Schedule.Interval != 6*time.Hour {
		t.Fatalf("the settings change made during the sync was lost: schedule %+v", c.Settings.Schedule)
	}
	if c.LastSync.IsZero() {
		t.Fatal("LastSync was not recorded")
	}
	if c.Revision != 3 {
		t.Fatalf("revision %d, want 3 (created, settings, last sync)", c.Revision)
	}
}
