package sync_test

import (
	"context"
	"fmt"
	"log"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	objsync "github.com/govkit/connections/sync"
)

func ExampleEngine_Sync() {
	ctx := context.Background()
	// A platform with one table, registered as connection "snow".
	p := memory.NewPlatform("acct")
	_ = p.AddDatabase("SALES", "")
	_ = p.AddSchema("SALES", "PUBLIC", "")
	_ = p.AddTable("SALES", "PUBLIC", connectors.Table{Name: "ORDERS", Columns: []hierarchy.Column{{Name: "ID", Type: "NUMBER"}}})
	reg, _ := connectors.NewRegistry(p.Technology())
	st := memstore.New(nil)
	conn := store.Connection{Key: "snow", DisplayName: "Sales", Technology: "memory", HostID: hierarchy.NewID(), Status: store.StatusActive}
	host := hierarchy.Object{ID: conn.HostID, Path: hierarchy.Path{"snow"}, State: hierarchy.Active}
	if err := st.CreateConnection(ctx, conn, host); err != nil {
		log.Fatal(err)
	}

	e, err := objsync.New(st, reg, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	rep, err := e.Sync(ctx, "snow", nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range rep.Added {
		fmt.Println("added", a.Kind, a.Path)
	}

	// The table is dropped and a column added elsewhere: the next sync
	// marks it deleted remotely and keeps it.
	_ = p.AddTable("SALES", "PUBLIC", connectors.Table{Name: "ITEMS", Columns: []hierarchy.Column{{Name: "SKU", Type: "TEXT"}}})
	_ = p.DropTable("SALES", "PUBLIC", "ORDERS")
	rep, err = e.Sync(ctx, "snow", nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range rep.Deleted {
		fmt.Println("deleted", d.Kind, d.Path)
	}
	fmt.Println("counts:", rep.Counts.Tables, "tables crawled,", rep.Counts.Added, "added,", rep.Counts.Deleted, "deleted")
	// Output:
	// added database snow.SALES
	// added schema snow.SALES.PUBLIC
	// added table snow.SALES.PUBLIC.ORDERS
	// deleted table snow.SALES.PUBLIC.ORDERS
	// counts: 1 tables crawled, 1 added, 1 deleted
}

// A host runs the periodic sync of every connection until it shuts down.
func ExampleScheduler() {
	var e *objsync.Engine // from objsync.New
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	s := objsync.NewScheduler(e, &objsync.SchedulerOptions{
		OnResult: func(key string, rep *objsync.Report, err error) {
			if err == nil {
				err = rep.Err()
			}
			if err != nil {
				log.Printf("sync %s: %v", key, err)
			}
		},
	})
	go func() { _ = s.Run(ctx) }()
}
