package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/storetest"
)

func newFixture(tb testing.TB) *storetest.Fixture {
	s, _ := newStore(tb, nil)
	return storetest.NewFixture(tb, s, storetest.Key("bench"))
}

// BenchmarkApplyNewSchema applies one change set adding a schema's 1,000
// tables of 10 columns, each with a connection tag, as the first sync of
// a schema does.
func BenchmarkApplyNewSchema(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		sc := f.Schema(b, fmt.Sprintf("S%06d", i), 0, 0)
		add := storetest.Tables(sc, 1000, 10)
		cs := &store.ChangeSet{Connection: f.Key, Container: sc.ID, Add: add, At: time.Now(), Fingerprint: 1}
		for _, t := range add {
			cs.AddTags = append(cs.AddTags, store.TagRef{Object: t.ID, Tag: hierarchy.Tag{Name: "Immuta Connections . Bench . " + sc.Name(), Source: hierarchy.TagSystem}})
		}
		b.StartTimer()
		if err := f.Store.Apply(context.Background(), cs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/table")
}

// BenchmarkSnapshot reads a schema of 1,000 tables of 10 columns, as every
// sync of a changed schema does.
func BenchmarkSnapshot(b *testing.B) {
	f := newFixture(b)
	sc := f.Schema(b, "S", 1000, 10)
	b.ReportAllocs()
	for b.Loop() {
		snap, err := f.Store.Snapshot(context.Background(), sc.ID)
		if err != nil || len(snap) != 1000 {
			b.Fatal(err, len(snap))
		}
	}
}
