package memory_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
)

func col(name, typ string) hierarchy.Column { return hierarchy.Column{Name: name, Type: typ} }

// newSales returns a platform with database "sales", schemas "public" and
// "staging", and table public.orders(id, amount).
func newSales(t *testing.T) *memory.Platform {
	t.Helper()
	p := memory.NewPlatform("acme")
	mustOK(t, p.AddDatabase("sales", "Sales"))
	mustOK(t, p.AddSchema("sales", "public", "Main"))
	mustOK(t, p.AddSchema("sales", "staging", ""))
	mustOK(t, p.AddTable("sales", "public", connectors.Table{Name: "orders", Comment: "Orders", Columns: []hierarchy.Column{
		{Name: "id", Type: "INT"}, {Name: "amount", Type: "DECIMAL(10,2)", Nullable: true},
	}}))
	return p
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func tables(t *testing.T, c connectors.Connector, db, schema string) []connectors.Table {
	t.Helper()
	tb, err := c.Tables(t.Context(), db, schema)
	mustOK(t, err)
	return tb
}

// shape renders tables compactly: name(type)[col:type:pos:null,...].
func shape(tables []connectors.Table) string {
	var b strings.Builder
	for i, t := range tables {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s(%s)[", t.Name, t.Type)
		for j, c := range t.Columns {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%s:%s:%d", c.Name, c.Type, c.Position)
			if c.Nullable {
				b.WriteString(":null")
			}
		}
		b.WriteString("]")
	}
	return b.String()
}

func TestScripting(t *testing.T) {
	p := newSales(t)
	c := p.Connector(nil)
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"initial", func() error { return nil }, "orders(TABLE)[id:INT:1,amount:DECIMAL(10,2):2:null]"},
		{"add table", func() error {
			return p.AddTable("sales", "public", connectors.Table{Name: "a_view", Type: hierarchy.TypeView, Columns: []hierarchy.Column{
				{Name: "y", Type: "INT", Position: 2}, {Name: "x", Type: "INT", Position: 1},
			}})
		}, "a_view(VIEW)[x:INT:1,y:INT:2] orders(TABLE)[id:INT:1,amount:DECIMAL(10,2):2:null]"},
		{"add column at 1", func() error {
			return p.AddColumn("sales", "public", "orders", hierarchy.Column{Name: "first", Type: "TEXT", Position: 1})
		},
			"a_view(VIEW)[x:INT:1,y:INT:2] orders(TABLE)[first:TEXT:1,id:INT:2,amount:DECIMAL(10,2):3:null]"},
		{"append column", func() error { return p.AddColumn("sales", "public", "orders", col("last", "TEXT")) },
			"a_view(VIEW)[x:INT:1,y:INT:2] orders(TABLE)[first:TEXT:1,id:INT:2,amount:DECIMAL(10,2):3:null,last:TEXT:4]"},
		{"drop column", func() error { return p.DropColumn("sales", "public", "orders", "first") },
			"a_view(VIEW)[x:INT:1,y:INT:2] orders(TABLE)[id:INT:1,amount:DECIMAL(10,2):2:null,last:TEXT:3]"},
		{"rename column", func() error { return p.RenameColumn("sales", "public", "orders", "last", "note") },
			"a_view(VIEW)[x:INT:1,y:INT:2] orders(TABLE)[id:INT:1,amount:DECIMAL(10,2):2:null,note:TEXT:3]"},
		{"retype", func() error { return p.SetColumnType("sales", "public", "orders", "id", "BIGINT") },
			"a_view(VIEW)[x:INT:1,y:INT:2] orders(TABLE)[id:BIGINT:1,amount:DECIMAL(10,2):2:null,note:TEXT:3]"},
		{"nullability", func() error { return p.SetColumnNullable("sales", "public", "orders", "amount", false) },
			"a_view(VIEW)[x:INT:1,y:INT:2] orders(TABLE)[id:BIGINT:1,amount:DECIMAL(10,2):2,note:TEXT:3]"},
		{"reorder", func() error { return p.ReorderColumns("sales", "public", "orders", "note", "id", "amount") },
			"a_view(VIEW)[x:INT:1,y:INT:2] orders(TABLE)[note:TEXT:1,id:BIGINT:2,amount:DECIMAL(10,2):3]"},
		{"rename table", func() error { return p.RenameTable("sales", "public", "a_view", "z_view") },
			"orders(TABLE)[note:TEXT:1,id:BIGINT:2,amount:DECIMAL(10,2):3] z_view(VIEW)[x:INT:1,y:INT:2]"},
		{"table type", func() error { return p.SetTableType("sales", "public", "z_view", hierarchy.TypeMaterializedView) },
			"orders(TABLE)[note:TEXT:1,id:BIGINT:2,amount:DECIMAL(10,2):3] z_view(MATERIALIZED_VIEW)[x:INT:1,y:INT:2]"},
		{"duplicate", func() error {
			return p.AddDuplicate("sales", "public", connectors.Table{Name: "orders", Type: hierarchy.TypeView, Columns: []hierarchy.Column{col("v", "INT")}})
		}, "orders(TABLE)[note:TEXT:1,id:BIGINT:2,amount:DECIMAL(10,2):3] orders(VIEW)[v:INT:1] z_view(MATERIALIZED_VIEW)[x:INT:1,y:INT:2]"},
		{"change first of duplicates", func() error { return p.DropColumn("sales", "public", "orders", "note") },
			"orders(TABLE)[id:BIGINT:1,amount:DECIMAL(10,2):2] orders(VIEW)[v:INT:1] z_view(MATERIALIZED_VIEW)[x:INT:1,y:INT:2]"},
		{"drop duplicates", func() error { return p.DropTable("sales", "public", "orders") },
			"z_view(MATERIALIZED_VIEW)[x:INT:1,y:INT:2]"},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := shape(tables(t, c, "sales", "public")); got != s.want {
			t.Fatalf("after %s:\n got %s\nwant %s", s.name, got, s.want)
		}
	}

	mustOK(t, p.SetTableComment("sales", "public", "z_view", "zed"))
	mustOK(t, p.SetColumnComment("sales", "public", "z_view", "x", "ex"))
	tb := tables(t, c, "sales", "public")
	if tb[0].Comment != "zed" || tb[0].Columns[0].Comment != "ex" {
		t.Errorf("comments not set: %+v", tb[0])
	}
	mustOK(t, p.SetDatabaseComment("sales", "S"))
	mustOK(t, p.SetSchemaComment("sales", "staging", "St"))
	dbs, _ := c.Databases(t.Context())
	schemas, _ := c.Schemas(t.Context(), "sales")
	if dbs[0].Comment != "S" || schemas[1].Comment != "St" {
		t.Errorf("comments not set: %+v %+v", dbs, schemas)
	}
	mustOK(t, p.DropSchema("sales", "staging"))
	mustOK(t, p.DropDatabase("sales"))
	if dbs, _ := c.Databases(t.Context()); len(dbs) != 0 {
		t.Errorf("Databases after drop = %v", dbs)
	}
}

func TestScriptingErrors(t *testing.T) {
	p := newSales(t)
	gen := func() []connectors.Table { return nil }
	mustOK(t, p.AddGeneratedSchema("sales", "gen", gen))
	orders := connectors.Table{Name: "orders"}
	for _, tc := range []struct {
		err      error
		sentinel error
		msg      string
	}{
		{p.AddDatabase("sales", ""), connections.ErrAlreadyExists, `memory: add database: database "sales" exists: already exists`},
		{p.AddDatabase("", ""), connections.ErrInvalidInput, `memory: add database: database name is empty: invalid input`},
		{p.DropDatabase("nope"), connections.ErrNotFound, `memory: drop database: database "nope" does not exist: not found`},
		{p.AddSchema("nope", "s", ""), connections.ErrNotFound, `memory: add schema: database "nope" does not exist: not found`},
		{p.AddSchema("sales", "public", ""), connections.ErrAlreadyExists, `memory: add schema: database "sales" already has a schema "public": already exists`},
		{p.AddGeneratedSchema("sales", "g2", nil), connections.ErrInvalidInput, `gen is nil`},
		{p.DropSchema("sales", "nope"), connections.ErrNotFound, `memory: drop schema: database "sales" has no schema "nope": not found`},
		{p.AddTable("sales", "nope", orders), connections.ErrNotFound, `memory: add table: database "sales" has no schema "nope": not found`},
		{p.AddTable("sales", "public", orders), connections.ErrAlreadyExists, `(AddDuplicate adds a second one)`},
		{p.AddTable("sales", "gen", orders), connections.ErrUnsupported, `memory: add table: schema "gen" of database "sales" is generated; its tables cannot be scripted: unsupported`},
		{p.AddTable("sales", "public", connectors.Table{Name: "t", Columns: []hierarchy.Column{col("a", ""), col("a", "")}}), connections.ErrInvalidInput, `table "t": column "a" appears twice`},
		{p.AddTable("sales", "public", connectors.Table{Name: "t", Columns: []hierarchy.Column{col("", "")}}), connections.ErrInvalidInput, `table "t": column 1 has an empty name`},
		{p.DropTable("sales", "public", "nope"), connections.ErrNotFound, `memory: drop table: schema "public" of database "sales" has no table "nope": not found`},
		{p.RenameTable("sales", "public", "orders", ""), connections.ErrInvalidInput, `new table name is empty`},
		{p.AddColumn("sales", "public", "orders", col("id", "INT")), connections.ErrAlreadyExists, `table "orders" already has a column "id"`},
		{p.AddColumn("sales", "public", "orders", hierarchy.Column{Name: "z", Position: 9}), connections.ErrInvalidInput, `column "z": position 9 is outside 1..3 of table "orders"`},
		{p.DropColumn("sales", "public", "orders", "nope"), connections.ErrNotFound, `memory: drop column: table "orders" of schema "public" of database "sales" has no column "nope": not found`},
		{p.RenameColumn("sales", "public", "orders", "id", "amount"), connections.ErrAlreadyExists, `table "orders" already has a column "amount"`},
		{p.ReorderColumns("sales", "public", "orders", "id"), connections.ErrInvalidInput, `table "orders" has 2 columns, 1 names given`},
		{p.ReorderColumns("sales", "public", "orders", "id", "id"), connections.ErrInvalidInput, `table "orders" has no column "id", or it is named twice`},
		{p.ClearTableTag("sales", "public", "orders", "pii"), connections.ErrNotFound, `table "orders" has no tag "pii"`},
		{p.ClearColumnTag("sales", "public", "orders", "id", "pii"), connections.ErrNotFound, `column "id" of table "orders" has no tag "pii"`},
		{p.SetColumnTag("sales", "public", "orders", "id", "", ""), connections.ErrInvalidInput, `tag name is empty`},
		{p.InjectFault(memory.Fault{Times: -1}), connections.ErrInvalidInput, `Times is -1`},
	} {
		if !errors.Is(tc.err, tc.sentinel) {
			t.Errorf("error %v does not match %v", tc.err, tc.sentinel)
			continue
		}
		if !strings.Contains(tc.err.Error(), tc.msg) {
			t.Errorf("error %q does not say %q", tc.err, tc.msg)
		}
	}
	// A failed call changes nothing.
	if got := shape(tables(t, p.Connector(nil), "sales", "public")); got != "orders(TABLE)[id:INT:1,amount:DECIMAL(10,2):2:null]" {
		t.Errorf("failed calls changed the platform: %s", got)
	}
	if err := p.RenameTable("sales", "public", "orders", "orders"); err != nil {
		t.Errorf("renaming to the same name: %v", err)
	}
}

func TestListingsAreFresh(t *testing.T) {
	p := newSales(t)
	c := p.Connector(nil)
	first := tables(t, c, "sales", "public")
	first[0].Name = "changed"
	first[0].Columns[0].Name = "changed"
	_ = append(first[0].Columns[:1], hierarchy.Column{Name: "overwrite"})
	if got := shape(tables(t, c, "sales", "public")); got != "orders(TABLE)[id:INT:1,amount:DECIMAL(10,2):2:null]" {
		t.Errorf("a caller's change reached the platform: %s", got)
	}
	// Capped column slices: appending to one table never overwrites the
	// next table's columns.
	mustOK(t, p.AddTable("sales", "public", connectors.Table{Name: "p", Columns: []hierarchy.Column{col("q", "INT")}}))
	two := tables(t, c, "sales", "public")
	two[0].Columns = append(two[0].Columns, col("extra", "INT"))
	if two[1].Columns[0].Name != "q" {
		t.Errorf("appending to one table's columns changed another's: %+v", two[1])
	}
}

func TestTags(t *testing.T) {
	p := newSales(t)
	mustOK(t, p.SetTableTag("sales", "public", "orders", "owner", "finance"))
	mustOK(t, p.SetTableTag("sales", "public", "orders", "certified", ""))
	mustOK(t, p.SetColumnTag("sales", "public", "orders", "amount", "pii", "no"))
	mustOK(t, p.SetColumnTag("sales", "public", "orders", "amount", "pii", "yes")) // replaces
	mustOK(t, p.SetColumnTag("sales", "public", "orders", "id", "key", ""))
	c := p.Connector(nil)
	got, err := c.Tags(t.Context(), "sales", "public")
	mustOK(t, err)
	want := []connectors.TagAssignment{
		{Table: "orders", Name: "certified"},
		{Table: "orders", Name: "owner", Value: "finance"},
		{Table: "orders", Column: "id", Name: "key"},
		{Table: "orders", Column: "amount", Name: "pii", Value: "yes"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Tags = %+v\nwant %+v", got, want)
	}
	mustOK(t, p.ClearTableTag("sales", "public", "orders", "owner"))
	mustOK(t, p.ClearColumnTag("sales", "public", "orders", "id", "key"))
	got, _ = c.Tags(t.Context(), "sales", "public")
	if len(got) != 2 {
		t.Errorf("after clearing, Tags = %+v", got)
	}
	if _, err := c.Tags(t.Context(), "sales", "nope"); !errors.Is(err, connections.ErrNotFound) {
		t.Errorf("Tags of a missing schema: %v", err)
	}
}

func TestFaults(t *testing.T) {
	p := newSales(t)
	c := p.Connector(nil)
	ctx := t.Context()
	boom := errors.New("boom")

	// Next 2 calls of Tables on sales.public fail; other schemas don't.
	mustOK(t, p.InjectFault(memory.Fault{Method: memory.MethodTables, Database: "sales", Schema: "public", Err: boom, Times: 2}))
	for i := range 2 {
		_, err := c.Tables(ctx, "sales", "public")
		if !errors.Is(err, boom) || err.Error() != `memory: Tables("sales", "public"): boom` {
			t.Errorf("call %d: err = %v", i+1, err)
		}
		if _, err := c.Tables(ctx, "sales", "staging"); err != nil {
			t.Errorf("staging: %v", err)
		}
	}
	if _, err := c.Tables(ctx, "sales", "public"); err != nil {
		t.Errorf("third call: %v; the fault was for two", err)
	}

	// Always, any method on a database; a sentinel as the cause.
	mustOK(t, p.InjectFault(memory.Fault{Database: "sales", Err: connections.ErrPermissionDenied}))
	for range 3 {
		if _, err := c.Schemas(ctx, "sales"); !errors.Is(err, connections.ErrPermissionDenied) {
			t.Errorf("Schemas: %v", err)
		}
	}
	if _, err := c.Databases(ctx); err != nil {
		t.Errorf("Databases has no database; the fault must not select it: %v", err)
	}
	p.ClearFaults()
	if _, err := c.Schemas(ctx, "sales"); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}

	// nil Err means ErrInjected.
	mustOK(t, p.InjectFault(memory.Fault{Method: memory.MethodCheck, Times: 1}))
	if err := c.Check(ctx); !errors.Is(err, memory.ErrInjected) {
		t.Errorf("Check: %v", err)
	}
}

func TestDatabaseTablesFaultPartWay(t *testing.T) {
	p := newSales(t)
	mustOK(t, p.AddSchema("sales", "zeta", ""))
	mustOK(t, p.AddTable("sales", "staging", connectors.Table{Name: "s"}))
	mustOK(t, p.AddTable("sales", "zeta", connectors.Table{Name: "z"}))
	c := p.Connector(nil)
	boom := errors.New("boom")
	mustOK(t, p.InjectFault(memory.Fault{Schema: "staging", Err: boom}))
	var seen []string
	err := c.DatabaseTables(t.Context(), "sales", func(s string, _ []connectors.Table) error {
		seen = append(seen, s)
		return nil
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), `DatabaseTables("sales", "staging")`) {
		t.Errorf("err = %v", err)
	}
	if !slices.Equal(seen, []string{"public"}) {
		t.Errorf("fn called for %v; want only public, before the failing schema", seen)
	}
	if n := p.Calls(memory.MethodDatabaseTables); n != 1 {
		t.Errorf("DatabaseTables counted %d times; steps are not calls", n)
	}
}

func TestHookAndCalls(t *testing.T) {
	p := newSales(t)
	c := p.Connector(nil)
	ctx := t.Context()
	var (
		mu    sync.Mutex
		calls []string
	)
	p.SetHook(func(_ context.Context, call memory.Call) error {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, call.String())
		if call.Schema == "staging" && call.Method == memory.MethodTables {
			return connections.ErrConflict
		}
		return nil
	})
	_, _ = c.Host(ctx)
	_ = c.Check(ctx)
	_, _ = c.Databases(ctx)
	_, _ = c.Schemas(ctx, "sales")
	_, _ = c.Tables(ctx, "sales", "public")
	if _, err := c.Tables(ctx, "sales", "staging"); !errors.Is(err, connections.ErrConflict) {
		t.Errorf("hook error not returned: %v", err)
	}
	_, _ = c.Tags(ctx, "sales", "public")
	_ = c.DatabaseTables(ctx, "sales", func(string, []connectors.Table) error { return nil })
	want := []string{`Host()`, `Check()`, `Databases()`, `Schemas("sales")`, `Tables("sales", "public")`, `Tables("sales", "staging")`,
		`Tags("sales", "public")`, `DatabaseTables("sales")`, `DatabaseTables("sales", "public")`, `DatabaseTables("sales", "staging")`}
	if !slices.Equal(calls, want) {
		t.Errorf("hook saw %q\nwant %q", calls, want)
	}
	if p.Calls(memory.MethodTables) != 2 || p.Calls(memory.MethodSchemas) != 1 || p.Calls(memory.MethodHost) != 1 {
		t.Errorf("counts: tables %d schemas %d host %d", p.Calls(memory.MethodTables), p.Calls(memory.MethodSchemas), p.Calls(memory.MethodHost))
	}
	p.ResetCalls()
	p.SetHook(nil)
	if p.Calls(memory.MethodTables) != 0 {
		t.Error("ResetCalls did not reset")
	}
}

func TestLatency(t *testing.T) {
	p := newSales(t)
	c := p.Connector(nil)
	p.SetLatencyFor("sales", "public", time.Hour)
	p.SetLatencyFor("sales", "", 20*time.Millisecond)

	// The database's latency applies to its other schemas.
	start := time.Now()
	if _, err := c.Tables(t.Context(), "sales", "staging"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 20*time.Millisecond || d > 10*time.Second {
		t.Errorf("Tables(staging) took %v; want the database's 20ms", d)
	}
	// The schema's hour is cut short by the context.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	_, err := c.Tables(ctx, "sales", "public")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v; want context.DeadlineExceeded", err)
	}
	// Global latency applies elsewhere; a negative one is none.
	p.SetLatencyFor("sales", "public", -1)
	p.SetLatencyFor("sales", "", -1)
	p.SetLatency(-time.Second)
	start = time.Now()
	_, _ = c.Tables(t.Context(), "sales", "public")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("no latency set, but the call took %v", d)
	}
}

func TestCredentials(t *testing.T) {
	p := newSales(t)
	good := connectors.Credentials{"user": "u", "password": "pa55word"}
	p.RequireCredentials(good)
	ok := p.Connector(good)
	bad := p.Connector(connectors.Credentials{"user": "u", "password": "wrong-pa55"})
	none := p.Connector(nil)
	ctx := t.Context()
	if err := ok.Check(ctx); err != nil {
		t.Errorf("good credentials: %v", err)
	}
	for _, c := range []*memory.Connector{bad, none} {
		errs := []error{c.Check(ctx)}
		_, err := c.Databases(ctx)
		errs = append(errs, err)
		_, err = c.Tables(ctx, "sales", "public")
		errs = append(errs, err)
		errs = append(errs, c.DatabaseTables(ctx, "sales", func(string, []connectors.Table) error { return nil }))
		for _, err := range errs {
			if !errors.Is(err, connections.ErrPermissionDenied) {
				t.Errorf("err = %v; want ErrPermissionDenied", err)
			} else if strings.Contains(err.Error(), "pa55") {
				t.Errorf("error reveals a credential: %v", err)
			}
		}
	}
	// Tag credentials differ from the connection's.
	tagCreds := connectors.Credentials{"token": "tag-token"}
	p.RequireTagCredentials(tagCreds)
	if _, err := ok.Tags(ctx, "sales", "public"); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Errorf("Tags with connection credentials: %v", err)
	}
	if _, err := p.Connector(tagCreds).Tags(ctx, "sales", "public"); err != nil {
		t.Errorf("Tags with tag credentials: %v", err)
	}
	p.RequireCredentials(nil)
	p.RequireTagCredentials(nil)
	if err := none.Check(ctx); err != nil {
		t.Errorf("after RequireCredentials(nil): %v", err)
	}
	// The connector keeps its own copy of the credentials.
	p.RequireCredentials(good)
	mine := connectors.Credentials{"user": "u", "password": "pa55word"}
	c := p.Connector(mine)
	mine["password"] = "changed"
	if err := c.Check(ctx); err != nil {
		t.Errorf("changing the caller's map changed the connector's credentials: %v", err)
	}
}

func TestClosed(t *testing.T) {
	p := newSales(t)
	c := p.Connector(nil)
	mustOK(t, c.Close())
	mustOK(t, c.Close())
	if _, err := c.Databases(t.Context()); !errors.Is(err, memory.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestTechnology(t *testing.T) {
	p := newSales(t)
	tech := p.Technology()
	reg, err := connectors.NewRegistry(tech)
	mustOK(t, err)
	got, err := reg.Lookup("memory")
	mustOK(t, err)
	if got.DisplayName != "Memory" || got.Levels != [4]string{"Platform", "Database", "Schema", "Table"} || !got.Impersonation || got.ProjectWorkspaces {
		t.Errorf("technology = %+v", got)
	}
	c, err := got.Open(t.Context(), connectors.Config{"anything": "ignored"}, nil)
	mustOK(t, err)
	h, err := c.Host(t.Context())
	mustOK(t, err)
	if h != (connectors.Host{Name: "acme", Type: memory.HostType}) {
		t.Errorf("Host = %+v", h)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := got.Open(ctx, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context: %v", err)
	}
}

func TestGeneratedSchema(t *testing.T) {
	p := memory.NewPlatform("gen")
	mustOK(t, p.AddDatabase("db", ""))
	n := 0
	mustOK(t, p.AddGeneratedSchema("db", "s", func() []connectors.Table {
		n++
		return []connectors.Table{{Name: "b"}, {Name: "a", Columns: []hierarchy.Column{{Name: "x", Position: 1}}}}
	}))
	c := p.Connector(nil)
	for range 2 {
		if got := shape(tables(t, c, "db", "s")); got != "a()[x::1] b()[]" {
			t.Errorf("generated = %s; want sorted", got)
		}
	}
	if n != 2 {
		t.Errorf("gen called %d times; want once per listing", n)
	}
	tags, err := c.Tags(t.Context(), "db", "s")
	if err != nil || len(tags) != 0 {
		t.Errorf("Tags of a generated schema = %v, %v", tags, err)
	}
	if err := p.SetTableTag("db", "s", "a", "t", ""); !errors.Is(err, connections.ErrUnsupported) {
		t.Errorf("tagging a generated table: %v", err)
	}
}

// TestConcurrentScripting lists while scripting, for the race detector.
func TestConcurrentScripting(t *testing.T) {
	p := newSales(t)
	c := p.Connector(nil)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			name := fmt.Sprintf("t%d", i%7)
			_ = p.AddTable("sales", "public", connectors.Table{Name: name, Columns: []hierarchy.Column{col("a", "INT")}})
			_ = p.AddColumn("sales", "public", name, col("b", "INT"))
			_ = p.SetColumnTag("sales", "public", name, "a", "pii", "x")
			_ = p.DropTable("sales", "public", name)
		}
	})
	for range 3 {
		wg.Go(func() {
			for range 100 {
				_, _ = c.Tables(t.Context(), "sales", "public")
				_, _ = c.Tags(t.Context(), "sales", "public")
				_ = c.DatabaseTables(t.Context(), "sales", func(string, []connectors.Table) error { return nil })
			}
		})
	}
	wg.Wait()
}

func TestCallString(t *testing.T) {
	for call, want := range map[memory.Call]string{
		{Method: memory.MethodDatabases}:                            `Databases()`,
		{Method: memory.MethodSchemas, Database: `a"b`}:             `Schemas("a\"b")`,
		{Method: memory.MethodTables, Database: "d", Schema: "s.t"}: `Tables("d", "s.t")`,
	} {
		if got := call.String(); got != want {
			t.Errorf("String() = %s, want %s", got, want)
		}
	}
}

func TestZeroPlatform(t *testing.T) {
	var p memory.Platform
	c := p.Connector(nil)
	if _, err := c.Databases(t.Context()); err != nil {
		t.Errorf("Databases on the zero platform: %v", err)
	}
	p.SetLatencyFor("db", "", time.Millisecond)
	mustOK(t, p.AddDatabase("db", ""))
	if p.Calls(memory.MethodDatabases) != 1 {
		t.Errorf("Calls = %d", p.Calls(memory.MethodDatabases))
	}
}

// TestHookScriptsMidListing drops a schema from the hook while
// DatabaseTables runs: the listing skips it.
func TestHookScriptsMidListing(t *testing.T) {
	p := newSales(t)
	mustOK(t, p.AddTable("sales", "staging", connectors.Table{Name: "s"}))
	p.SetHook(func(_ context.Context, c memory.Call) error {
		if c.Schema == "public" {
			return p.DropSchema("sales", "staging")
		}
		return nil
	})
	var seen []string
	err := p.Connector(nil).DatabaseTables(t.Context(), "sales", func(s string, _ []connectors.Table) error {
		seen = append(seen, s)
		return nil
	})
	mustOK(t, err)
	if !slices.Equal(seen, []string{"public"}) {
		t.Errorf("fn called for %v; the dropped schema must be skipped", seen)
	}
}

func TestConnector_B7_PrintsNoCredentials(t *testing.T) {
	const secret = "pa55word-s3cret"
	c := memory.NewPlatform("demo").Connector(connectors.Credentials{"password": secret})
	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("opened", "connector", c)
	outs := []string{logs.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		outs = append(outs, fmt.Sprintf(verb, c), fmt.Sprintf(verb, struct{ C *memory.Connector }{c}))
	}
	for _, out := range outs {
		if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
			t.Errorf("a credential shows: %s", out)
		}
	}
	if got := fmt.Sprint(c); got != `memory.Connector{platform: "demo"}` {
		t.Errorf("Sprint = %s", got)
	}
	if got := fmt.Sprint((*memory.Connector)(nil)); got != "memory.Connector{}" {
		t.Errorf("Sprint(nil) = %s", got)
	}
}
