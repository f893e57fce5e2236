package sqlitestore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/storetest"
	"github.com/govkit/connections/tags"
)

// benchColumns are ten columns, as syncbench's tables have.
var benchColumns = func() []string {
	names := make([]string, 10)
	for i := range names {
		names[i] = fmt.Sprintf("COLUMN_%02d", i)
	}
	return names
}()

// schemaChanges returns the change set of an initial sync of a schema of n
// tables: each added with ten columns, a fingerprint and the connection
// tag.
func schemaChanges(tr *storetest.Tree, sc hierarchy.Object, n int) *store.ChangeSet {
	cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: sc.ID, Fingerprint: 1, At: time.Now()}
	ct := tags.Connection(tags.DefaultConnectionTag("Memory", "Bench", tr.Database.Name(), sc.Name()))
	for i := range n {
		tb := storetest.Table(sc, fmt.Sprintf("TABLE_%06d", i), benchColumns...)
		tb.Fingerprint = hierarchy.Fingerprint(uint64(i+1) * 0x9E3779B97F4A7C15)
		cs.Add = append(cs.Add, tb)
		cs.AddTags = append(cs.AddTags, store.TagRef{Object: tb.ID, Tag: ct})
	}
	return cs
}

// BenchmarkApply_Schema1000Tables applies the initial change set of a
// schema of 1,000 tables of ten columns (with the connection tag on each),
// into a store that grows by one such schema per iteration.
func BenchmarkApply_Schema1000Tables(b *testing.B) {
	s, _ := open(b, nil)
	tr := storetest.NewTree(b, s)
	var sets []*store.ChangeSet
	for i := range b.N {
		sc := storetest.Child(tr.Database, fmt.Sprintf("S%06d", i))
		storetest.Add(b, s, tr.Conn.Key, tr.Database, sc)
		sets = append(sets, schemaChanges(tr, sc, 1000))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := s.Apply(b.Context(), sets[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/table")
}

// BenchmarkSnapshot_Schema1000Tables reads a schema of 1,000 tables of ten
// columns, with their tags: what a sync compares a changed schema with.
func BenchmarkSnapshot_Schema1000Tables(b *testing.B) {
	s, _ := open(b, nil)
	tr := storetest.NewTree(b, s)
	if err := s.Apply(b.Context(), schemaChanges(tr, tr.Schema, 1000)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		snap, err := s.Snapshot(b.Context(), tr.Schema.ID)
		if err != nil || len(snap) != 1000 {
			b.Fatal(len(snap), err)
		}
	}
}

// BenchmarkSnapshot_Database100Schemas reads a database's 100 schemas:
// what a no-op sync reads per database to find its schemas' fingerprints.
func BenchmarkSnapshot_Database100Schemas(b *testing.B) {
	s, _ := open(b, nil)
	tr := storetest.NewTree(b, s)
	var scs []hierarchy.Object
	for i := range 99 {
		scs = append(scs, storetest.Child(tr.Database, fmt.Sprintf("S%03d", i)))
	}
	storetest.Add(b, s, tr.Conn.Key, tr.Database, scs...)
	b.ReportAllocs()
	for b.Loop() {
		snap, err := s.Snapshot(b.Context(), tr.Database.ID)
		if err != nil || len(snap) != 100 {
			b.Fatal(len(snap), err)
		}
	}
}

// BenchmarkChildren_Schema1000Tables reads the light listing of a schema of
// 1,000 tables (no columns or tags) that a sync of a changed schema reads
// first.
func BenchmarkChildren_Schema1000Tables(b *testing.B) {
	s, _ := open(b, nil)
	tr := storetest.NewTree(b, s)
	if err := s.Apply(b.Context(), schemaChanges(tr, tr.Schema, 1000)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		kids, _, err := s.Children(b.Context(), tr.Schema.ID, store.Page{Limit: store.MaxPageLimit})
		if err != nil || len(kids) != 1000 {
			b.Fatal(len(kids), err)
		}
	}
}

// BenchmarkObject reads one table with its columns and tags by ID.
func BenchmarkObject(b *testing.B) {
	s, _ := open(b, nil)
	tr := storetest.NewTree(b, s)
	cs := schemaChanges(tr, tr.Schema, 1000)
	if err := s.Apply(b.Context(), cs); err != nil {
		b.Fatal(err)
	}
	id := cs.Add[500].ID
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Object(b.Context(), id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeleteConnection_100kTables deletes a connection of 100
// schemas of 1,000 tables (with their tags) in one transaction.
func BenchmarkDeleteConnection_100kTables(b *testing.B) {
	for range b.N {
		b.StopTimer()
		s, _ := open(b, nil)
		tr := storetest.NewTree(b, s)
		for i := range 100 {
			sc := storetest.Child(tr.Database, fmt.Sprintf("S%03d", i))
			storetest.Add(b, s, tr.Conn.Key, tr.Database, sc)
			if err := s.Apply(b.Context(), schemaChanges(tr, sc, 1000)); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if err := s.DeleteConnection(b.Context(), tr.Conn.Key); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = s.Close()
	}
}
