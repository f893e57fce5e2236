package snowflake_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/snowflakedb/gosnowflake"

	"github.com/govkit/connections/connectors/snowflake"
)

func TestMain(m *testing.M) {
	// The driver's own process-wide logger prints sign-in failures the
	// tests provoke; a test binary may silence it, the library does not.
	_ = gosnowflake.GetLogger().SetLogLevel("OFF")
	os.Exit(m.Run())
}

// crawlAccount lists everything through c as a sync would and returns the
// number of tables seen.
func crawlAccount(t *testing.T, c *snowflake.Connector) int {
	t.Helper()
	ctx := context.Background()
	dbs, err := c.Databases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range dbs {
		schemas, err := c.Schemas(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range schemas {
			tables, err := c.Tables(ctx, d.Name, s.Name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Tags(ctx, d.Name, s.Name); err != nil {
				t.Fatal(err)
			}
			n += len(tables)
		}
	}
	return n
}

func TestQueryCount_GrowsWithSchemasNotTables(t *testing.T) {
	count := func(schemas, tables int) int {
		a := &fakeAccount{org: "O", account: "A", warehouse: "WH"}
		d := &fakeDatabase{name: "DB"}
		for s := range schemas {
			fs := &fakeSchema{name: fmt.Sprintf("S%03d", s)}
			for i := range tables {
				name := fmt.Sprintf("T%05d", i)
				fs.objects = append(fs.objects, fakeObject{name: name, view: i%3 == 0, columns: []fakeColumn{{name: "ID", dataType: "NUMBER"}, {name: "V", dataType: "TEXT"}}})
				fs.tags = append(fs.tags, fakeTag{tagDatabase: "G", tagSchema: "T", name: "PII", object: name, column: "V"})
			}
			d.schemas = append(d.schemas, fs)
		}
		a.databases = []*fakeDatabase{d}
		db := a.db("")
		defer db.Close()
		c, err := snowflake.New(db, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := crawlAccount(t, c); got != schemas*tables {
			t.Fatalf("%d tables listed, want %d", got, schemas*tables)
		}
		return a.count()
	}
	small, large, more := count(3, 1), count(3, 3000), count(6, 1)
	// SHOW DATABASES, SHOW SCHEMAS, then per schema SHOW TABLES, SHOW
	// VIEWS, the columns query and the tags query.
	if want := 2 + 4*3; small != want {
		t.Errorf("3 schemas of 1 table: %d queries, want %d", small, want)
	}
	if large != small {
		t.Errorf("3 schemas of 3000 tables: %d queries, 3 schemas of 1 table: %d; want the same", large, small)
	}
	if more != 2+4*6 {
		t.Errorf("6 schemas: %d queries, want %d", more, 2+4*6)
	}
}
