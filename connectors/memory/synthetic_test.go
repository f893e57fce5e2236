package memory_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
)

func TestSyntheticSpecErrors(t *testing.T) {
	p := memory.NewPlatform("syn")
	mustOK(t, p.AddDatabase("SYN_DB_0", ""))
	for _, tc := range []struct {
		spec     memory.Spec
		sentinel error
	}{
		{memory.Spec{Databases: -1}, connections.ErrInvalidInput},
		{memory.Spec{Databases: 1_000_000, Schemas: 1_000}, connections.ErrInvalidInput},
		{memory.Spec{Databases: 1, Tables: memory.MaxSyntheticTables + 1}, connections.ErrInvalidInput},
		{memory.Spec{Databases: 1, Columns: memory.MaxSyntheticColumns + 1}, connections.ErrInvalidInput},
		{memory.Spec{Databases: 2}, connections.ErrAlreadyExists},
	} {
		if _, err := p.AddSynthetic(tc.spec); !errors.Is(err, tc.sentinel) {
			t.Errorf("AddSynthetic(%+v) = %v; want %v", tc.spec, err, tc.sentinel)
		}
	}
	if dbs, _ := p.Connector(nil).Databases(t.Context()); len(dbs) != 1 {
		t.Errorf("a failed AddSynthetic added databases: %v", dbs)
	}
}

func TestSyntheticShape(t *testing.T) {
	p := memory.NewPlatform("syn")
	syn, err := p.AddSynthetic(memory.Spec{Databases: 2, Schemas: 3, Tables: 12, Columns: 3, Seed: 7})
	mustOK(t, err)
	c := p.Connector(nil)
	dbs, err := c.Databases(t.Context())
	mustOK(t, err)
	if len(dbs) != 2 || dbs[0].Name != "SYN_DB_0" || dbs[1].Name != "SYN_DB_1" {
		t.Errorf("Databases = %+v", dbs)
	}
	schemas, err := c.Schemas(t.Context(), "SYN_DB_1")
	mustOK(t, err)
	if len(schemas) != 3 || schemas[2].Name != "SCHEMA_2" {
		t.Errorf("Schemas = %+v", schemas)
	}
	tb := tables(t, c, "SYN_DB_1", "SCHEMA_2")
	if len(tb) != 12 || tb[0].Name != "TABLE_00" || tb[11].Name != "TABLE_11" {
		t.Fatalf("tables = %s", shape(tb))
	}
	if tb[9].Type != hierarchy.TypeView || tb[8].Type != hierarchy.TypeTable {
		t.Errorf("every tenth table should be a view: %s", shape(tb))
	}
	if got := shape(tb[:1]); got != "TABLE_00(TABLE)[COL_0:NUMBER(38,0):1,COL_1:VARCHAR(256):2:null,COL_2:TIMESTAMP_NTZ(9):3:null]" {
		t.Errorf("first table = %s", got)
	}
	if syn.Spec().Prefix != "SYN" || syn.Version() != 0 {
		t.Errorf("Spec = %+v, Version = %d", syn.Spec(), syn.Version())
	}
}

// schemaShape maps each table of a listing to its shape.
func schemaShape(tables []connectors.Table) map[string]string {
	m := make(map[string]string, len(tables))
	for _, t := range tables {
		m[t.Name] = shape([]connectors.Table{t})
	}
	return m
}

func TestSyntheticChurn(t *testing.T) {
	const nTables, nCols = 5000, 10
	p := memory.NewPlatform("syn")
	syn, err := p.AddSynthetic(memory.Spec{Databases: 1, Schemas: 1, Tables: nTables, Columns: nCols, Seed: 42})
	mustOK(t, err)
	c := p.Connector(nil)
	list := func(v int) []connectors.Table {
		syn.SetVersion(v)
		tb := tables(t, c, "SYN_DB_0", "SCHEMA_0")
		if !slices.IsSortedFunc(tb, func(a, b connectors.Table) int { return strings.Compare(a.Name, b.Name) }) {
			t.Fatalf("version %d: tables not sorted", v)
		}
		for _, x := range tb {
			for i, col := range x.Columns {
				if col.Position != i+1 {
					t.Fatalf("version %d: table %s column %d has position %d", v, x.Name, i, col.Position)
				}
			}
		}
		return tb
	}
	base := list(0)
	if len(base) != nTables {
		t.Fatalf("version 0 has %d tables", len(base))
	}
	prev := schemaShape(base)
	kinds := map[string]int{}
	for v := 1; v <= 3; v++ {
		cur := schemaShape(list(v))
		changed := 0
		for name, s := range prev {
			switch now, ok := cur[name]; {
			case !ok:
				changed++
				kinds["dropped"]++
			case now != s:
				changed++
				switch {
				case strings.Contains(now, "COL_ADDED_V"):
					kinds["column added"]++
				case strings.Count(now, ":")-strings.Count(now, ":null") < strings.Count(s, ":")-strings.Count(s, ":null"):
					kinds["column dropped"]++
				case strings.Contains(now, "VARCHAR(100"):
					kinds["retyped"]++
				default:
					kinds["other"]++
				}
			}
		}
		for name := range cur {
			if _, ok := prev[name]; !ok {
				changed++
				kinds["table added"]++
			}
		}
		// About 1% of 5000 tables: 50, with a generous margin.
		if changed < 25 || changed > 100 {
			t.Errorf("version %d → %d changed %d tables; want about %d", v-1, v, changed, nTables/100)
		}
		prev = cur
	}
	for _, k := range []string{"dropped", "column added", "column dropped", "retyped", "table added"} {
		if kinds[k] == 0 {
			t.Errorf("no table was %s in 3 versions: %v", k, kinds)
		}
	}
	if kinds["other"] > 0 {
		t.Errorf("unexpected kinds of change: %v", kinds)
	}
	// Deterministic: the content depends only on the spec and the version.
	if !slices.EqualFunc(list(2), list(2), func(a, b connectors.Table) bool { return shape([]connectors.Table{a}) == shape([]connectors.Table{b}) }) {
		t.Error("two listings of one version differ")
	}
	if got := list(0); shape(got) != shape(base) {
		t.Error("version 0 after churn differs from the first")
	}
	// Far versions stay cheap and bounded: every table changed once.
	far := list(1_000_000)
	if len(far) < nTables*9/10 || len(far) > nTables*11/10 {
		t.Errorf("version 1e6 has %d tables", len(far))
	}
}

func TestSyntheticMillionTables(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a little")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := memory.NewPlatform("big")
	syn, err := p.AddSynthetic(memory.Spec{Databases: 10, Schemas: 100, Tables: 1000, Columns: 10})
	mustOK(t, err)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if held := int64(after.HeapAlloc) - int64(before.HeapAlloc); held > 4<<20 {
		t.Errorf("a platform of 1,000,000 tables holds %d bytes; want it generated, not stored", held)
	}
	tb := tables(t, p.Connector(nil), "SYN_DB_9", "SCHEMA_99")
	if len(tb) != 1000 || len(tb[999].Columns) != 10 {
		t.Errorf("listing: %d tables", len(tb))
	}
	runtime.KeepAlive(syn)
}

func BenchmarkGeneratedTables1000x10(b *testing.B) {
	p := memory.NewPlatform("bench")
	if _, err := p.AddSynthetic(memory.Spec{Databases: 1, Schemas: 1, Tables: 1000, Columns: 10}); err != nil {
		b.Fatal(err)
	}
	c := p.Connector(nil)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		tb, err := c.Tables(ctx, "SYN_DB_0", "SCHEMA_0")
		if err != nil || len(tb) != 1000 {
			b.Fatal(err, len(tb))
		}
	}
}

func BenchmarkScriptedTables1000x10(b *testing.B) {
	p := memory.NewPlatform("bench")
	_ = p.AddDatabase("db", "")
	_ = p.AddSchema("db", "s", "")
	cols := make([]hierarchy.Column, 10)
	for j := range cols {
		cols[j] = hierarchy.Column{Name: fmt.Sprintf("c%d", j), Type: "INT"}
	}
	for i := range 1000 {
		if err := p.AddTable("db", "s", connectors.Table{Name: fmt.Sprintf("t%04d", i), Columns: cols}); err != nil {
			b.Fatal(err)
		}
	}
	c := p.Connector(nil)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Tables(ctx, "db", "s"); err != nil {
			b.Fatal(err)
		}
	}
}
