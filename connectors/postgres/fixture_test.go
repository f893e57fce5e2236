package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/sqlmeta"
)

// The shared fixture: two databases built once per test binary and
// dropped by TestMain.
type fixture struct {
	// main holds every kind of relation under odd names.
	main string
	// small holds one schema with one table.
	small string
}

// Names in the main database.
const (
	oddSchema = `Sales.EU "quoted" 'single' Ünï`
	ordersTbl = `Orders.2024 "x" 'y'`
	manyN     = 30
)

var (
	fixtureOnce sync.Once
	fixtureVal  fixture
	fixtureErr  error
)

func sharedFixture(t testing.TB) fixture {
	t.Helper()
	testDSN(t)
	fixtureOnce.Do(func() {
		fixtureErr = buildFixture(t)
	})
	if fixtureErr != nil {
		t.Fatalf("build fixture: %v", fixtureErr)
	}
	return fixtureVal
}

func buildFixture(t testing.TB) (err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id := unique()
	f := fixture{
		main:  prefix + id + ` Mixed.Case "q" 'x' ü`,
		small: prefix + id + "_small",
	}
	// A failing helper calls t.Fatal, whose Goexit still runs this.
	failed := true
	defer func() {
		if failed && err == nil {
			err = fmt.Errorf("fixture setup failed (see the test's log)")
		}
	}()
	atExit(createDatabase(ctx, t, f.main))
	atExit(createDatabase(ctx, t, f.small))

	s := sqlmeta.QuoteIdent(oddSchema)
	o := s + "." + sqlmeta.QuoteIdent(ordersTbl)
	stmts := []string{
		"COMMENT ON DATABASE " + sqlmeta.QuoteIdent(f.main) + " IS 'main test database'",
		"DROP SCHEMA public",
		"CREATE SCHEMA " + s,
		"COMMENT ON SCHEMA " + s + " IS 'odd schema'",
		"CREATE TABLE " + o + ` ("ID" integer NOT NULL, "name with space" varchar(20), dropped int, "Ünïcode" numeric(10,2) NOT NULL, tags text[], "after" timestamptz)`,
		"ALTER TABLE " + o + " DROP COLUMN dropped",
		"COMMENT ON TABLE " + o + " IS 'orders, it''s \"odd\"'",
		"COMMENT ON COLUMN " + o + `."ID" IS 'primary key'`,
		"CREATE INDEX ON " + o + ` ("ID")`,
		"CREATE SEQUENCE " + s + ".seq",
		"CREATE TYPE " + s + ".comp AS (a int)",
		"CREATE VIEW " + s + `."v Orders" AS SELECT "ID", "name with space" FROM ` + o,
		"COMMENT ON VIEW " + s + `."v Orders" IS 'a view'`,
		"CREATE MATERIALIZED VIEW " + s + `."mv.Totals" AS SELECT count(*) AS n FROM ` + o,
		"COMMENT ON COLUMN " + s + `."mv.Totals".n IS 'row count'`,
		"CREATE FOREIGN DATA WRAPPER govkit_dummy",
		"CREATE SERVER govkit_srv FOREIGN DATA WRAPPER govkit_dummy",
		"CREATE FOREIGN TABLE " + s + `."ft'remote" (a int NOT NULL, b text) SERVER govkit_srv`,
		"COMMENT ON FOREIGN TABLE " + s + `."ft'remote" IS 'remote'`,
		"CREATE TABLE " + s + `."Parted" (k int NOT NULL, v text) PARTITION BY RANGE (k)`,
		"CREATE TABLE " + s + `."Parted_2024" PARTITION OF ` + s + `."Parted" FOR VALUES FROM (0) TO (100)`,
		"CREATE TABLE " + s + `."Empty" ()`,
		"CREATE TABLE " + s + `.lower (x bigint DEFAULT 1)`,
		`CREATE SCHEMA "Zeta"`,
		`CREATE TABLE "Zeta"."A" (z boolean)`,
		`CREATE SCHEMA empty`,
		`COMMENT ON SCHEMA empty IS ''`, // an empty comment is no comment
		`CREATE SCHEMA one`,
		`CREATE TABLE one.t1 (a int)`,
		`CREATE SCHEMA many`,
		fmt.Sprintf(`DO $$ BEGIN FOR i IN 1..%d LOOP EXECUTE format('CREATE TABLE many.%%I (a int, b text)', 't' || i); END LOOP; END $$`, manyN),
	}
	exec(ctx, t, f.main, stmts...)
	exec(ctx, t, f.small, "CREATE TABLE public.only (id int PRIMARY KEY)")
	failed = false
	fixtureVal = f
	return nil
}

// wantOddTables is what Tables lists for oddSchema, partitions left out.
func wantOddTables() []connectors.Table {
	col := func(name, typ string, pos int, nullable bool, comment string) hierarchy.Column {
		return hierarchy.Column{Name: name, Type: typ, Position: pos, Nullable: nullable, Comment: comment}
	}
	return []connectors.Table{
		{Name: "Empty", Type: hierarchy.TypeTable, Columns: []hierarchy.Column{}},
		{Name: ordersTbl, Type: hierarchy.TypeTable, Comment: `orders, it's "odd"`, Columns: []hierarchy.Column{
			col("ID", "integer", 1, false, "primary key"),
			col("name with space", "character varying(20)", 2, true, ""),
			col("Ünïcode", "numeric(10,2)", 3, false, ""),
			col("tags", "text[]", 4, true, ""),
			col("after", "timestamp with time zone", 5, true, ""),
		}},
		{Name: "Parted", Type: hierarchy.TypePartitioned, Columns: []hierarchy.Column{
			col("k", "integer", 1, false, ""),
			col("v", "text", 2, true, ""),
		}},
		{Name: "ft'remote", Type: hierarchy.TypeForeign, Comment: "remote", Columns: []hierarchy.Column{
			col("a", "integer", 1, false, ""),
			col("b", "text", 2, true, ""),
		}},
		{Name: "lower", Type: hierarchy.TypeTable, Columns: []hierarchy.Column{
			col("x", "bigint", 1, true, ""),
		}},
		{Name: "mv.Totals", Type: hierarchy.TypeMaterializedView, Columns: []hierarchy.Column{
			col("n", "bigint", 1, true, "row count"),
		}},
		{Name: "v Orders", Type: hierarchy.TypeView, Comment: "a view", Columns: []hierarchy.Column{
			col("ID", "integer", 1, true, ""),
			col("name with space", "character varying(20)", 2, true, ""),
		}},
	}
}

// wantPartition is the partition IncludePartitions adds to oddSchema.
func wantPartition() connectors.Table {
	return connectors.Table{Name: "Parted_2024", Type: hierarchy.TypeTable, Columns: []hierarchy.Column{
		{Name: "k", Type: "integer", Position: 1, Nullable: false},
		{Name: "v", Type: "text", Position: 2, Nullable: true},
	}}
}

// manyTables is what Tables lists for the schema "many".
func manyTables() []connectors.Table {
	var out []connectors.Table
	for i := 1; i <= manyN; i++ {
		out = append(out, connectors.Table{Name: fmt.Sprintf("t%d", i), Type: hierarchy.TypeTable, Columns: []hierarchy.Column{
			{Name: "a", Type: "integer", Position: 1, Nullable: true},
			{Name: "b", Type: "text", Position: 2, Nullable: true},
		}})
	}
	sortTables(out)
	return out
}

func sortTables(ts []connectors.Table) {
	slices.SortFunc(ts, func(a, b connectors.Table) int { return strings.Compare(a.Name, b.Name) })
}
