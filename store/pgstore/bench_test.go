package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/pgstore"
	"github.com/govkit/connections/store/storetest"
)

var colTypes = []string{"NUMBER(38,0)", "VARCHAR(16777216)", "TIMESTAMP_NTZ(9)", "BOOLEAN", "FLOAT", "DATE"}

// tables returns n new tables under schema, each with cols columns named
// and typed as a generated platform would.
func tables(schema hierarchy.Object, n, cols int) []hierarchy.Object {
	out := make([]hierarchy.Object, n)
	for i := range out {
		t := storetest.Child(schema, fmt.Sprintf("TABLE_%07d", i))
		t.Columns = make([]hierarchy.Column, cols)
		for j := range t.Columns {
			t.Columns[j] = hierarchy.Column{
				Name: fmt.Sprintf("COLUMN_%02d", j), Type: colTypes[(i+j)%len(colTypes)],
				Position: j + 1, Nullable: j > 0,
			}
		}
		out[i] = t
	}
	return out
}

type fixture struct {
	s        *pgstore.Store
	key      string
	host, db hierarchy.Object
}

func newFixture(tb testing.TB) *fixture {
	s, _ := newStore(tb, nil)
	c, host := storetest.NewConnection(storetest.Key("bench"))
	if err := s.CreateConnection(context.Background(), c, host); err != nil {
		tb.Fatal(err)
	}
	f := &fixture{s: s, key: c.Key, host: host, db: storetest.Child(host, "DB")}
	f.apply(tb, f.host, f.db)
	return f
}

func (f *fixture) apply(tb testing.TB, container hierarchy.Object, add ...hierarchy.Object) {
	cs := &store.ChangeSet{Connection: f.key, Container: container.ID, Add: add, At: time.Now()}
	if err := f.s.Apply(context.Background(), cs); err != nil {
		tb.Fatal(err)
	}
}

func (f *fixture) schema(tb testing.TB, name string, n, cols int) hierarchy.Object {
	sc := storetest.Child(f.db, name)
	f.apply(tb, f.db, sc)
	if n > 0 {
		f.apply(tb, sc, tables(sc, n, cols)...)
	}
	return sc
}

// BenchmarkApplyNewSchema applies one change set adding a schema's 1,000
// tables of 10 columns, each with a connection tag, as the first sync of
// a schema does.
func BenchmarkApplyNewSchema(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		sc := f.schema(b, fmt.Sprintf("S%06d", i), 0, 0)
		add := tables(sc, 1000, 10)
		cs := &store.ChangeSet{Connection: f.key, Container: sc.ID, Add: add, At: time.Now(), Fingerprint: 1}
		for _, t := range add {
			cs.AddTags = append(cs.AddTags, store.TagRef{Object: t.ID, Tag: hierarchy.Tag{Name: "Immuta Connections . Bench . " + sc.Name(), Source: hierarchy.TagSystem}})
		}
		b.StartTimer()
		if err := f.s.Apply(context.Background(), cs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/table")
}

// BenchmarkSnapshot reads a schema of 1,000 tables of 10 columns, as every
// sync of a changed schema does.
func BenchmarkSnapshot(b *testing.B) {
	f := newFixture(b)
	sc := f.schema(b, "S", 1000, 10)
	b.ReportAllocs()
	for b.Loop() {
		snap, err := f.s.Snapshot(context.Background(), sc.ID)
		if err != nil || len(snap) != 1000 {
			b.Fatal(err, len(snap))
		}
	}
}
