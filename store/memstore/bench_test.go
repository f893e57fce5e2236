package memstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	"github.com/govkit/connections/store/storetest"
)

func newFixture(tb testing.TB) *storetest.Fixture {
	return storetest.NewFixture(tb, memstore.New(nil), "bench")
}

// BenchmarkApplyNewSchema applies one change set adding a schema's 1,000
// tables of 10 columns, as the first sync of a schema does.
func BenchmarkApplyNewSchema(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		sc := f.Schema(b, fmt.Sprintf("S%06d", i), 0, 0)
		add := storetest.Tables(sc, 1000, 10)
		cs := &store.ChangeSet{Connection: f.Key, Container: sc.ID, Add: add, At: time.Now(), Fingerprint: 1}
		b.StartTimer()
		if err := f.Store.Apply(context.Background(), cs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/table")
}

// BenchmarkSnapshot reads a schema of 1,000 tables of 10 columns, as every
// sync of a schema does.
func BenchmarkSnapshot(b *testing.B) {
	f := newFixture(b)
	sc := f.Schema(b, "S", 1000, 10)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		snap, err := f.Store.Snapshot(context.Background(), sc.ID)
		if err != nil || len(snap) != 1000 {
			b.Fatal(err, len(snap))
		}
	}
}

var million = sync.OnceValues(func() (*storetest.Fixture, hierarchy.Object) {
	f := newFixture(b0{})
	sc := storetest.Child(f.DB, "HUGE")
	f.Apply(b0{}, f.DB, sc)
	perm := rand.Perm(1e6)      // added in random order
	for i := 0; i < 1000; i++ { // in change sets of 1,000
		add := make([]hierarchy.Object, 1000)
		for j := range add {
			add[j] = storetest.Child(sc, fmt.Sprintf("T%07d", perm[i*1000+j]))
		}
		f.Apply(b0{}, sc, add...)
	}
	return f, sc
})

// b0 stands in for a testing.TB while building a shared fixture.
type b0 struct{ testing.TB }

func (b0) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

// BenchmarkChildren1M pages through a schema of 1,000,000 tables at random
// positions, 100 children a page.
func BenchmarkChildren1M(b *testing.B) {
	f, sc := million()
	ctx := context.Background()
	start := time.Now()
	first, _, err := f.Store.Children(ctx, sc.ID, store.Page{Limit: 100})
	if err != nil || len(first) != 100 {
		b.Fatal(err)
	}
	b.Logf("first page after building (sorts 1,000,000 names): %v", time.Since(start))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		after := fmt.Sprintf("T%07d", rand.IntN(1e6-100))
		page, _, err := f.Store.Children(ctx, sc.ID, store.Page{After: after, Limit: 100})
		if err != nil || len(page) == 0 {
			b.Fatal(err, after)
		}
	}
}

// BenchmarkFindByTag finds a page of 100 among 100,000 tagged columns of
// 10,000 tables, following the cursor from a random position.
func BenchmarkFindByTag(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	for s := range 10 {
		sc := f.Schema(b, fmt.Sprintf("S%d", s), 1000, 10)
		snap, err := f.Store.Snapshot(ctx, sc.ID)
		if err != nil {
			b.Fatal(err)
		}
		cs := &store.ChangeSet{Connection: f.Key, Container: sc.ID, At: time.Now()}
		for _, t := range snap {
			for _, c := range t.Columns {
				cs.AddTags = append(cs.AddTags, store.TagRef{Object: t.ID, Column: c.Name, Tag: hierarchy.Tag{Name: "pii", Value: c.Type, Source: hierarchy.TagPlatform}})
			}
		}
		if err := f.Store.Apply(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
	var cursors []string
	after := ""
	for range 99 { // a cursor every 1,000 hits
		_, next, err := f.Store.FindByTag(ctx, store.TagQuery{Name: "pii"}, store.Page{After: after, Limit: 1000})
		if err != nil || next == "" {
			b.Fatal(err)
		}
		cursors = append(cursors, after)
		after = next
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := store.TagQuery{Name: "pii", Connection: f.Key}
		if i%2 == 1 {
			q.Value = storetest.ColumnType(1) // one in six
		}
		page, _, err := f.Store.FindByTag(ctx, q, store.Page{After: cursors[i%len(cursors)], Limit: 100})
		if err != nil || len(page) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkSync1M stores 1,000,000 tables of 10 columns (10 databases of
// 100 schemas of 1,000 tables) with one Apply per schema from parallel
// workers, as an initial sync does, and reports the time and the heap
// the store keeps. Run it alone with -benchtime=1x.
func BenchmarkSync1M(b *testing.B) {
	const dbs, schemas, perSchema, cols = 10, 100, 1000, 10
	for range b.N {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()

		s := memstore.New(nil)
		ctx := context.Background()
		c, host := storetest.NewConnection("bench")
		if err := s.CreateConnection(ctx, c, host); err != nil {
			b.Fatal(err)
		}
		var (
			wg       sync.WaitGroup
			applyDur atomic.Int64
			genDur   atomic.Int64
			next     atomic.Int64
		)
		type job struct{ db, schema hierarchy.Object }
		var jobs []job
		for d := range dbs {
			db := storetest.Child(host, fmt.Sprintf("DB_%02d", d))
			var scs []hierarchy.Object
			for i := range schemas {
				scs = append(scs, storetest.Child(db, fmt.Sprintf("SCHEMA_%03d", i)))
			}
			if err := s.Apply(ctx, &store.ChangeSet{Connection: c.Key, Container: host.ID, Add: []hierarchy.Object{db}}); err != nil {
				b.Fatal(err)
			}
			if err := s.Apply(ctx, &store.ChangeSet{Connection: c.Key, Container: db.ID, Add: scs}); err != nil {
				b.Fatal(err)
			}
			for _, sc := range scs {
				jobs = append(jobs, job{db, sc})
			}
		}
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= len(jobs) {
						return
					}
					sc := jobs[i].schema
					start := time.Now()
					add := storetest.Tables(sc, perSchema, cols)
					genDur.Add(int64(time.Since(start)))
					start = time.Now()
					snap, err := s.Snapshot(ctx, sc.ID)
					if err != nil || len(snap) != 0 {
						panic(err)
					}
					err = s.Apply(ctx, &store.ChangeSet{Connection: c.Key, Container: sc.ID, Add: add, Fingerprint: 1})
					applyDur.Add(int64(time.Since(start)))
					if err != nil {
						panic(err)
					}
				}
			})
		}
		wg.Wait()

		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		n, _ := s.CountDescendants(ctx, host.ID)
		heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
		b.ReportMetric(heap/float64(dbs*schemas*perSchema), "heapB/table")
		b.ReportMetric(heap/(1<<20), "heapMB")
		b.ReportMetric(float64(applyDur.Load())/1e9, "store-s")
		b.ReportMetric(float64(genDur.Load())/1e9, "generate-s")
		b.Logf("%d objects; heap %.0f MB (%.0f B/table incl. 10 columns); summed over workers: generating the tables %v, Snapshot+Apply %v",
			n, heap/(1<<20), heap/float64(dbs*schemas*perSchema), time.Duration(genDur.Load()), time.Duration(applyDur.Load()))
		runtime.KeepAlive(s)
		b.StartTimer()
	}
}

// BenchmarkChildren1MAfterChange adds a table to the 1,000,000-table
// schema and then reads a page: the cost of keeping the sorted index
// after a small change.
func BenchmarkChildren1MAfterChange(b *testing.B) {
	f, sc := million()
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f.Apply(b, sc, storetest.Child(sc, fmt.Sprintf("U%07d_%d", rand.IntN(1e6), i)))
		if _, _, err := f.Store.Children(ctx, sc.ID, store.Page{After: "T0500000", Limit: 100}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnableSchema1M enables a schema of 1,000,000 tables, which
// resets the own setting of every table to Inherit (B9: enabling cascades,
// and a schema enables any number of children), then disables it again.
// One op is one enable and one disable, each a single store operation.
func BenchmarkEnableSchema1M(b *testing.B) {
	f, sc := million()
	ctx := context.Background()
	enable, disable := hierarchy.Enable, hierarchy.Disable
	b.ReportAllocs()
	for b.Loop() {
		if err := f.Store.UpdateSettings(ctx, sc.ID, store.SettingsUpdate{Enable: &enable, ResetDescendants: true}); err != nil {
			b.Fatal(err)
		}
		if err := f.Store.UpdateSettings(ctx, sc.ID, store.SettingsUpdate{Enable: &disable, ResetDescendants: true}); err != nil {
			b.Fatal(err)
		}
	}
}
