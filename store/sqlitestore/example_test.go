package sqlitestore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/sqlitestore"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlitestore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s, err := sqlitestore.Open(ctx, filepath.Join(dir, "connections.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	host := hierarchy.Object{ID: hierarchy.NewID(), Path: hierarchy.Path{"snow"}, Type: "ACCOUNT"}
	conn := store.Connection{Key: "snow", DisplayName: "Snowflake prod", Technology: "snowflake", HostID: host.ID}
	if err := s.CreateConnection(ctx, conn, host); err != nil {
		log.Fatal(err)
	}
	db := hierarchy.Object{ID: hierarchy.NewID(), Ancestors: host.ChildAncestors(), Path: host.Path.Child("SALES"), Type: hierarchy.TypeDatabase}
	schema := hierarchy.Object{ID: hierarchy.NewID(), Ancestors: db.ChildAncestors(), Path: db.Path.Child("PUBLIC"), Type: hierarchy.TypeSchema}
	orders := hierarchy.Object{
		ID: hierarchy.NewID(), Ancestors: schema.ChildAncestors(), Path: schema.Path.Child("ORDERS"), Type: hierarchy.TypeTable,
		Columns: []hierarchy.Column{{Name: "ID", Type: "NUMBER(38,0)", Position: 1}, {Name: "EMAIL", Type: "VARCHAR", Position: 2, Nullable: true}},
	}
	for _, cs := range []*store.ChangeSet{
		{Connection: "snow", Container: host.ID, Add: []hierarchy.Object{db}},
		{Connection: "snow", Container: db.ID, Add: []hierarchy.Object{schema}},
		{
			Connection: "snow", Container: schema.ID, Add: []hierarchy.Object{orders},
			AddTags: []store.TagRef{{Object: orders.ID, Column: "EMAIL", Tag: hierarchy.Tag{Name: "pii"}}},
		},
	} {
		// Each change set is one transaction: all of it or none.
		if err := s.Apply(ctx, cs); err != nil {
			log.Fatal(err)
		}
	}

	o, err := s.Lookup(ctx, hierarchy.MustParse("snow.SALES.PUBLIC.ORDERS"))
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range o.Columns {
		fmt.Println(o.Path, c.Name, c.Type, c.Tags)
	}
	n, _ := s.CountDescendants(ctx, host.ID)
	fmt.Println("objects below the host:", n)
	hits, _, _ := s.FindByTag(ctx, store.TagQuery{Name: "pii"}, store.Page{})
	fmt.Println("tagged pii:", hits[0].Path, hits[0].Column)
	// Output:
	// snow.SALES.PUBLIC.ORDERS ID NUMBER(38,0) []
	// snow.SALES.PUBLIC.ORDERS EMAIL VARCHAR [pii]
	// objects below the host: 3
	// tagged pii: snow.SALES.PUBLIC.ORDERS EMAIL
}
