package memory_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
)

func Example() {
	ctx := context.Background()
	p := memory.NewPlatform("acme")
	if err := p.AddDatabase("sales", "Sales data"); err != nil {
		log.Fatal(err)
	}
	if err := p.AddSchema("sales", "public", ""); err != nil {
		log.Fatal(err)
	}
	err := p.AddTable("sales", "public", connectors.Table{Name: "orders", Columns: []hierarchy.Column{
		{Name: "id", Type: "INTEGER"},
		{Name: "amount", Type: "DECIMAL(10,2)", Nullable: true},
	}})
	if err != nil {
		log.Fatal(err)
	}

	c := p.Connector(nil)
	defer c.Close()
	print := func() {
		tables, err := c.Tables(ctx, "sales", "public")
		if err != nil {
			log.Fatal(err)
		}
		for _, t := range tables {
			fmt.Println(t.Name, t.Type)
			for _, col := range t.Columns {
				fmt.Printf("  %d %s %s nullable=%t\n", col.Position, col.Name, col.Type, col.Nullable)
			}
		}
	}
	print()

	// Script a change between two syncs.
	_ = p.AddColumn("sales", "public", "orders", hierarchy.Column{Name: "note", Type: "TEXT", Nullable: true, Position: 2})
	_ = p.SetColumnType("sales", "public", "orders", "amount", "DECIMAL(12,2)")
	fmt.Println("--- after the change")
	print()
	// Output:
	// orders TABLE
	//   1 id INTEGER nullable=false
	//   2 amount DECIMAL(10,2) nullable=true
	// --- after the change
	// orders TABLE
	//   1 id INTEGER nullable=false
	//   2 note TEXT nullable=true
	//   3 amount DECIMAL(12,2) nullable=true
}

func ExamplePlatform_InjectFault() {
	ctx := context.Background()
	p := memory.NewPlatform("acme")
	_ = p.AddDatabase("sales", "")
	_ = p.AddSchema("sales", "public", "")
	c := p.Connector(nil)

	// The next listing of sales.public is refused, the one after works.
	_ = p.InjectFault(memory.Fault{
		Method: memory.MethodTables, Database: "sales", Schema: "public",
		Err: connections.ErrPermissionDenied, Times: 1,
	})
	_, err := c.Tables(ctx, "sales", "public")
	fmt.Println(err)
	fmt.Println(errors.Is(err, connections.ErrPermissionDenied))
	_, err = c.Tables(ctx, "sales", "public")
	fmt.Println(err)
	// Output:
	// memory: Tables("sales", "public"): permission denied
	// true
	// <nil>
}

func ExamplePlatform_SetHook() {
	ctx := context.Background()
	p := memory.NewPlatform("acme")
	_ = p.AddDatabase("sales", "")
	_ = p.AddSchema("sales", "public", "")
	_ = p.AddSchema("sales", "staging", "")

	// Refuse every call on one schema, and watch the others.
	p.SetHook(func(ctx context.Context, c memory.Call) error {
		if c.Schema == "staging" {
			return fmt.Errorf("schema under maintenance: %w", connections.ErrConflict)
		}
		fmt.Println("serving", c)
		return nil
	})
	c := p.Connector(nil)
	err := c.DatabaseTables(ctx, "sales", func(string, []connectors.Table) error { return nil })
	fmt.Println(err)
	_, err = c.Tables(ctx, "sales", "staging")
	fmt.Println(err)
	// Output:
	// serving DatabaseTables("sales")
	// serving DatabaseTables("sales", "public")
	// memory: DatabaseTables("sales", "staging"): schema under maintenance: conflict
	// memory: Tables("sales", "staging"): schema under maintenance: conflict
}

func ExamplePlatform_AddDuplicate() {
	ctx := context.Background()
	p := memory.NewPlatform("acme")
	_ = p.AddDatabase("sales", "")
	_ = p.AddSchema("sales", "public", "")
	_ = p.AddTable("sales", "public", connectors.Table{Name: "orders"})
	fmt.Println(p.AddTable("sales", "public", connectors.Table{Name: "orders", Type: hierarchy.TypeView}))
	_ = p.AddDuplicate("sales", "public", connectors.Table{Name: "orders", Type: hierarchy.TypeView})

	tables, _ := p.Connector(nil).Tables(ctx, "sales", "public")
	for _, t := range tables {
		fmt.Println(t.Name, t.Type)
	}
	// Output:
	// memory: add table: schema "public" of database "sales" already has a table "orders" (AddDuplicate adds a second one): already exists
	// orders TABLE
	// orders VIEW
}

func ExamplePlatform_AddSynthetic() {
	ctx := context.Background()
	p := memory.NewPlatform("bench")
	syn, err := p.AddSynthetic(memory.Spec{Databases: 2, Schemas: 5, Tables: 1000, Columns: 10, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	c := p.Connector(nil)

	// Crawl everything: one Tables call per schema, whatever the number
	// of tables.
	crawl := func() (tables, columns int) {
		dbs, _ := c.Databases(ctx)
		for _, d := range dbs {
			schemas, _ := c.Schemas(ctx, d.Name)
			for _, s := range schemas {
				ts, _ := c.Tables(ctx, d.Name, s.Name)
				tables += len(ts)
				for _, t := range ts {
					columns += len(t.Columns)
				}
			}
		}
		return tables, columns
	}
	fmt.Println(crawl())
	fmt.Println("Tables calls:", p.Calls(memory.MethodTables))

	syn.SetVersion(1) // about 1% of the tables change
	fmt.Println(crawl())
	// Output:
	// 10000 100000
	// Tables calls: 10
	// 10004 100037
}

func ExamplePlatform_Technology() {
	ctx := context.Background()
	p := memory.NewPlatform("acme")
	p.RequireCredentials(connectors.Credentials{"token": "t0ken"})

	reg, err := connectors.NewRegistry(p.Technology())
	if err != nil {
		log.Fatal(err)
	}
	tech, _ := reg.Lookup("memory")
	fmt.Println(tech.DisplayName, tech.Levels)

	bad, _ := tech.Open(ctx, nil, connectors.Credentials{"token": "wrong"})
	fmt.Println(bad.Check(ctx))
	good, _ := tech.Open(ctx, nil, connectors.Credentials{"token": "t0ken"})
	fmt.Println(good.Check(ctx))
	// Output:
	// Memory [Platform Database Schema Table]
	// memory: Check(): platform "acme" refused the credentials: permission denied
	// <nil>
}
