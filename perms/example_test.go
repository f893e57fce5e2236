package perms_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
)

// A grant on a database makes its holder an owner of every table in it,
// including tables sync finds later; Owners says where it comes from.
func ExampleResolver_Owners() {
	ctx := context.Background()
	st := memstore.New(nil)
	host := hierarchy.Object{ID: hierarchy.NewID(), Path: hierarchy.Path{"snow"}}
	if err := st.CreateConnection(ctx, store.Connection{Key: "snow", Technology: "snowflake", HostID: host.ID}, host); err != nil {
		log.Fatal(err)
	}
	db := hierarchy.Object{ID: hierarchy.NewID(), Ancestors: host.ChildAncestors(), Path: hierarchy.Path{"snow", "SALES"}}
	schema := hierarchy.Object{ID: hierarchy.NewID(), Ancestors: db.ChildAncestors(), Path: hierarchy.Path{"snow", "SALES", "PUBLIC"}}
	for _, cs := range []*store.ChangeSet{
		{Connection: "snow", Container: host.ID, Add: []hierarchy.Object{db}},
		{Connection: "snow", Container: db.ID, Add: []hierarchy.Object{schema}},
	} {
		if err := st.Apply(ctx, cs); err != nil {
			log.Fatal(err)
		}
	}

	r := perms.NewResolver(st, nil)
	if _, err := r.Grant(ctx, perms.Admin("root"), &db, store.Subject{Kind: store.SubjectGroup, Name: "sales-eng"}); err != nil {
		log.Fatal(err)
	}

	// Sync finds a table after the grant.
	orders := hierarchy.Object{ID: hierarchy.NewID(), Ancestors: schema.ChildAncestors(), Path: hierarchy.Path{"snow", "SALES", "PUBLIC", "ORDERS"}}
	if err := st.Apply(ctx, &store.ChangeSet{Connection: "snow", Container: schema.ID, Add: []hierarchy.Object{orders}}); err != nil {
		log.Fatal(err)
	}

	owners, err := r.Owners(ctx, &orders)
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range owners {
		fmt.Printf("%s %s owns %s, inherited from %s\n", o.Subject.Kind, o.Subject.Name, orders.Path, o.InheritedFromPath)
	}

	err = r.Check(ctx, perms.User("dana", "sales-eng"), perms.ActionSync, &orders)
	fmt.Println("dana may sync:", err == nil)
	err = r.Check(ctx, perms.User("eve"), perms.ActionDelete, &orders)
	fmt.Println(errors.Is(err, connections.ErrPermissionDenied), err)
	// Output:
	// group sales-eng owns snow.SALES.PUBLIC.ORDERS, inherited from snow.SALES
	// dana may sync: true
	// true delete snow.SALES.PUBLIC.ORDERS: permission denied: eve may not delete table snow.SALES.PUBLIC.ORDERS: not a data owner of it or of any object above it
}

// Admins kept in the store are admins to every Resolver on it, in every
// process; the first one is added by an admin the host names itself.
func ExampleResolver_AddAdmin() {
	ctx := context.Background()
	st := memstore.New(nil)
	r := perms.NewResolver(st, nil)

	platform := store.Subject{Kind: store.SubjectGroup, Name: "platform"}
	if _, err := r.AddAdmin(ctx, perms.Admin("bootstrap"), platform); err != nil {
		log.Fatal(err)
	}
	dana := perms.User("dana", "platform")
	admin, err := r.IsAdmin(ctx, dana)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("dana is an admin:", admin)
	fmt.Println("dana may register:", r.Check(ctx, dana, perms.ActionRegister, nil) == nil)

	// The last stored admin stays unless a host-named admin removes it.
	err = r.RemoveAdmin(ctx, dana, platform)
	fmt.Println(errors.Is(err, connections.ErrConflict))
	// Output:
	// dana is an admin: true
	// dana may register: true
	// true
}
