// Command quickstart registers a demo data platform as a connection, prints
// its hierarchy, changes the platform, syncs, and prints what changed. It
// needs no services: the platform and the store live in memory.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	// 1. A demo platform: two databases of orders and people.
	platform := memory.NewPlatform("demo-warehouse")
	if err := seed(platform); err != nil {
		return err
	}

	// 2. A service over an in-memory store, with the memory technology.
	reg, err := connectors.NewRegistry(platform.Technology())
	if err != nil {
		return err
	}
	st := memstore.New(nil)
	defer st.Close()
	svc, err := connection.New(ctx, st, reg, nil)
	if err != nil {
		return err
	}
	admin := perms.Admin("quickstart")

	// 3. Register: check credentials, crawl once, store the hierarchy.
	conn, report, err := svc.Register(ctx, admin, connection.Registration{
		Key:         "demo",
		DisplayName: "Demo Warehouse",
		Technology:  "memory",
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Registered %q (%s): %d databases, %d schemas, %d tables, %d columns\n\n",
		conn.Key, conn.DisplayName, report.Counts.Databases, report.Counts.Schemas, report.Counts.Tables, report.Counts.Columns)

	// 4. Make the sales schema's tables data sources, hand the sales
	// database to alice, and turn on the seeded "New Column Added" policy.
	if err := svc.SetEnable(ctx, admin, hierarchy.MustParse("demo.sales.public"), hierarchy.Enable); err != nil {
		return err
	}
	if _, err := svc.Grant(ctx, admin, hierarchy.MustParse("demo.sales"), store.Subject{Kind: store.SubjectUser, Name: "alice"}); err != nil {
		return err
	}
	if _, err := svc.ActivatePolicy(ctx, admin, connection.NewColumnAddedPolicy); err != nil {
		return err
	}
	if err := printTree(ctx, w, svc, admin, hierarchy.Path{"demo"}, ""); err != nil {
		return err
	}

	// 5. The platform changes: a table is dropped, one is created, a column
	// is added to a data source and another one's type changes.
	steps := []error{
		platform.DropTable("sales", "public", "returns"),
		platform.AddTable("sales", "public", connectors.Table{Name: "refunds", Type: hierarchy.TypeTable, Columns: []hierarchy.Column{
			{Name: "id", Type: "BIGINT", Position: 1}, {Name: "amount", Type: "DECIMAL(12,2)", Position: 2},
		}}),
		platform.AddColumn("sales", "public", "orders", hierarchy.Column{Name: "customer_email", Type: "VARCHAR(255)", Nullable: true}),
		platform.SetColumnType("hr", "people", "employees", "salary", "DECIMAL(14,2)"),
	}
	for _, err := range steps {
		if err != nil {
			return err
		}
	}

	// 6. Sync, as alice would from her database, then the whole connection.
	alice := perms.User("alice")
	if _, err := svc.Sync(ctx, alice, hierarchy.MustParse("demo.sales"), nil); err != nil {
		return err
	}
	report, err = svc.Sync(ctx, admin, hierarchy.Path{"demo"}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nAfter the platform changed (alice synced demo.sales, then the admin the whole connection):")
	if err := printTree(ctx, w, svc, admin, hierarchy.Path{"demo"}, ""); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nLast sync: %d tables crawled, %d schemas unchanged (skipped), %d column(s) changed\n",
		report.Counts.Tables, report.Counts.Unchanged, report.Counts.ColumnsChanged)
	for _, c := range report.ColumnsChanged {
		fmt.Fprintf(w, "  changed %s: %s -> %s\n", c.Table.Child(c.Column), c.Old.Type, c.New.Type)
	}

	// 7. alice's tasks: validate the new column, and its New tag goes.
	tasks, _, err := svc.Tasks(ctx, alice, store.RequestOpen, store.Page{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nalice has %d open request(s):\n", len(tasks))
	for _, r := range tasks {
		fmt.Fprintf(w, "  %s %s\n", r.Kind, r.Path.Child(r.Column))
		if _, err := svc.Validate(ctx, alice, r.ID); err != nil {
			return err
		}
	}
	orders, err := svc.Object(ctx, alice, hierarchy.MustParse("demo.sales.public.orders"))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "After validating, demo.sales.public.orders columns: %s\n", columnList(orders.Columns))
	return nil
}

func seed(p *memory.Platform) error {
	cols := func(specs ...string) []hierarchy.Column {
		out := make([]hierarchy.Column, 0, len(specs))
		for i, s := range specs {
			name, typ, _ := strings.Cut(s, " ")
			out = append(out, hierarchy.Column{Name: name, Type: typ, Position: i + 1, Nullable: i > 0})
		}
		return out
	}
	for _, err := range []error{
		p.AddDatabase("sales", "Orders and returns"),
		p.AddSchema("sales", "public", ""),
		p.AddTable("sales", "public", connectors.Table{Name: "orders", Type: hierarchy.TypeTable, Columns: cols("id BIGINT", "placed_at TIMESTAMP", "total DECIMAL(12,2)")}),
		p.AddTable("sales", "public", connectors.Table{Name: "returns", Type: hierarchy.TypeTable, Columns: cols("id BIGINT", "order_id BIGINT")}),
		p.AddTable("sales", "public", connectors.Table{Name: "daily_revenue", Type: hierarchy.TypeMaterializedView, Columns: cols("day DATE", "revenue DECIMAL(14,2)")}),
		p.AddDatabase("hr", "People"),
		p.AddSchema("hr", "people", ""),
		p.AddTable("hr", "people", connectors.Table{Name: "employees", Type: hierarchy.TypeTable, Columns: cols("id BIGINT", "name VARCHAR(100)", "salary DECIMAL(10,2)")}),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// printTree prints the hierarchy under path, one object a line.
func printTree(ctx context.Context, w io.Writer, svc *connection.Service, actor perms.Principal, path hierarchy.Path, indent string) error {
	page := store.Page{}
	for {
		items, next, err := svc.Children(ctx, actor, path, page)
		if err != nil {
			return err
		}
		for _, o := range items {
			line := indent + o.Name()
			switch o.Kind {
			case hierarchy.KindTable:
				// Listings leave the dictionary out; read the table for it.
				full, err := svc.Object(ctx, actor, o.Path)
				if err != nil {
					return err
				}
				line += fmt.Sprintf(" [%s] %s", o.Type, columnList(full.Columns))
				if o.Enabled {
					line += "  (data source)"
				}
				if o.State == hierarchy.DeletedRemotely {
					line += "  (deleted remotely)"
				}
			default:
				line += "/"
			}
			fmt.Fprintln(w, line)
			if o.Kind != hierarchy.KindTable {
				if err := printTree(ctx, w, svc, actor, o.Path, indent+"  "); err != nil {
					return err
				}
			}
		}
		if next == "" {
			return nil
		}
		page.After = next
	}
}

func columnList(cols []hierarchy.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name
		for _, t := range c.Tags {
			if t.Source == hierarchy.TagNew {
				parts[i] += "*New*"
			}
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
