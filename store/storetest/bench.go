package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// columnTypes are the types Tables gives columns, in turn.
var columnTypes = [...]string{"NUMBER(38,0)", "VARCHAR(16777216)", "TIMESTAMP_NTZ(9)", "BOOLEAN", "FLOAT", "DATE"}

// ColumnType returns the type Tables gives column j of table i when
// i+j is k: one of six types, as a generated platform has them.
func ColumnType(k int) string { return columnTypes[k%len(columnTypes)] }

// Tables returns n new tables under schema, named TABLE_0000000 on, each
// with cols columns named COLUMN_00 on and typed as a generated platform
// would (see ColumnType): what store benchmarks apply.
func Tables(schema hierarchy.Object, n, cols int) []hierarchy.Object {
	out := make([]hierarchy.Object, n)
	for i := range out {
		t := Child(schema, fmt.Sprintf("TABLE_%07d", i))
		t.Columns = make([]hierarchy.Column, cols)
		for j := range t.Columns {
			t.Columns[j] = hierarchy.Column{
				Name: fmt.Sprintf("COLUMN_%02d", j), Type: ColumnType(i + j),
				Position: j + 1, Nullable: j > 0,
			}
		}
		out[i] = t
	}
	return out
}

// Fixture is a connection with one database, "DB", in a store, for
// benchmarks to add schemas to. Unlike NewTree and Add, its methods fail
// through tb.Fatal alone, so that a stand-in for a testing.TB that panics
// in Fatal can build a fixture shared by several benchmarks.
type Fixture struct {
	Store    store.Store
	Key      string
	Host, DB hierarchy.Object
}

// NewFixture stores a connection with the key and its database in s.
func NewFixture(tb testing.TB, s store.Store, key string) *Fixture {
	c, host := NewConnection(key)
	if err := s.CreateConnection(context.Background(), c, host); err != nil {
		tb.Fatal(err)
	}
	f := &Fixture{Store: s, Key: c.Key, Host: host, DB: Child(host, "DB")}
	f.Apply(tb, f.Host, f.DB)
	return f
}

// Apply adds children under container.
func (f *Fixture) Apply(tb testing.TB, container hierarchy.Object, add ...hierarchy.Object) {
	cs := &store.ChangeSet{Connection: f.Key, Container: container.ID, Add: add, At: time.Now()}
	if err := f.Store.Apply(context.Background(), cs); err != nil {
		tb.Fatal(err)
	}
}

// Schema adds a schema with the name to the database and, when n > 0, n
// tables of cols columns to it (see Tables), and returns the schema.
func (f *Fixture) Schema(tb testing.TB, name string, n, cols int) hierarchy.Object {
	sc := Child(f.DB, name)
	f.Apply(tb, f.DB, sc)
	if n > 0 {
		f.Apply(tb, sc, Tables(sc, n, cols)...)
	}
	return sc
}
