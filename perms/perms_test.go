package perms_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
)

func TestOwners_B24_InheritedFromDatabase(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	g := grant(t, r, tr.db, user("alice"))

	owners, err := r.Owners(t.Context(), &tr.orders)
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) != 1 {
		t.Fatalf("owners = %+v, want alice only", owners)
	}
	o := owners[0]
	if o.Subject != user("alice") || !o.Inherited || o.InheritedFrom != tr.db.ID ||
		o.InheritedFromPath.String() != "snow.SALES" || o.Grant.Object != tr.db.ID || o.Grant.GrantedBy != "root" ||
		!o.Grant.GrantedAt.Equal(g.GrantedAt) {
		t.Fatalf("owner = %+v", o)
	}
	// On the database itself the grant is not inherited.
	owners, err = r.Owners(t.Context(), &tr.db)
	if err != nil || len(owners) != 1 || owners[0].Inherited || !owners[0].InheritedFromPath.Equal(tr.db.Path) {
		t.Fatalf("owners of db = %+v, %v", owners, err)
	}
	// Nothing above the grant is owned.
	owners, err = r.Owners(t.Context(), &tr.host)
	if err != nil || len(owners) != 0 {
		t.Fatalf("owners of host = %+v, %v", owners, err)
	}
}

func TestOwners_B24_NearestGrantFirst(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	grant(t, r, tr.host, group("eng"))
	grant(t, r, tr.db, user("alice"))
	grant(t, r, tr.public, user("alice")) // nearer than her database grant
	grant(t, r, tr.orders, user("carol"))

	owners, err := r.Owners(t.Context(), &tr.orders)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range owners {
		got = append(got, fmt.Sprintf("%s:%s<-%s/%v", o.Subject.Kind, o.Subject.Name, o.InheritedFromPath, o.Inherited))
	}
	want := []string{
		"user:carol<-snow.SALES.PUBLIC.ORDERS/false",
		"user:alice<-snow.SALES.PUBLIC/true",
		"group:eng<-snow/true",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("owners\n got %v\nwant %v", got, want)
	}
}

func TestIsOwner_B24_GrantOnDatabaseHoldsOnTableFoundLater(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, &perms.Options{MaxAge: -1})
	grant(t, r, tr.db, user("alice"))
	if _, err := r.Snapshot(t.Context()); err != nil { // index built before the table exists
		t.Fatal(err)
	}

	// Sync finds a new schema and a table in it after the grant.
	fresh := child(tr.db, "LATER", hierarchy.TypeSchema)
	add(t, tr.st, tr.db, fresh)
	found := child(fresh, "NEW_TABLE", hierarchy.TypeTable)
	add(t, tr.st, fresh, found)
	stored, err := tr.st.Lookup(t.Context(), found.Path)
	if err != nil {
		t.Fatal(err)
	}

	ok, err := r.IsOwner(t.Context(), tr.alice, &stored)
	if err != nil || !ok {
		t.Fatalf("IsOwner(alice, table found later) = %v, %v; want true", ok, err)
	}
	if err := r.Check(t.Context(), tr.alice, perms.ActionSync, &stored); err != nil {
		t.Fatalf("alice may not sync the new table: %v", err)
	}
	owners, err := r.Owners(t.Context(), &stored)
	if err != nil || len(owners) != 1 || owners[0].InheritedFrom != tr.db.ID {
		t.Fatalf("owners = %+v, %v", owners, err)
	}
}

func TestGrant_B24_NeverCopiedDown(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	grant(t, r, tr.db, user("alice"))
	all, err := tr.st.Grants(t.Context(), store.GrantFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Object != tr.db.ID {
		t.Fatalf("store holds %+v, want the one grant on the database", all)
	}
	below, err := tr.st.Grants(t.Context(), store.GrantFilter{Objects: []hierarchy.ID{tr.public.ID, tr.orders.ID, tr.items.ID}})
	if err != nil || len(below) != 0 {
		t.Fatalf("grants below the database: %+v, %v", below, err)
	}
}

func TestIsOwner_B24_GroupsAndScope(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	grant(t, r, tr.public, group("eng"))
	grant(t, r, tr.orders, user("carol"))
	cases := []struct {
		p    perms.Principal
		obj  hierarchy.Object
		want bool
	}{
		{tr.bob, tr.public, true},                    // group grant on the schema
		{tr.bob, tr.orders, true},                    // inherited by its tables
		{tr.bob, tr.items, true},                     //
		{tr.bob, tr.db, false},                       // not upwards
		{tr.bob, tr.staging, false},                  // nor sideways
		{tr.bob, tr.raw, false},                      //
		{tr.alice, tr.orders, false},                 // no grant at all
		{tr.carol, tr.orders, true},                  // her table
		{tr.carol, tr.items, false},                  // not its sibling
		{tr.carol, tr.public, false},                 // nor its schema
		{perms.User("eng"), tr.orders, false},        // a user named like the group is not in it
		{perms.User("x", "carol"), tr.orders, false}, // a group named like the user is not her
		{tr.admin, tr.orders, false},                 // admins own only what they hold grants on
	}
	for _, c := range cases {
		got, err := r.IsOwner(t.Context(), c.p, &c.obj)
		if err != nil || got != c.want {
			t.Errorf("IsOwner(%s, %s) = %v, %v; want %v", c.p, c.obj.Path, got, err, c.want)
		}
	}
}

func TestCheck_B25_PermissionTable(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	grant(t, r, tr.public, user("alice")) // alice owns PUBLIC and its tables
	grant(t, r, tr.raw, user("carol"))    // carol owns one table elsewhere

	ownerActions := []perms.Action{perms.ActionSync, perms.ActionDelete, perms.ActionEnable, perms.ActionTag, perms.ActionValidate}
	adminActions := []perms.Action{perms.ActionGrant, perms.ActionSettings, perms.ActionDeregister}
	for _, a := range perms.Actions() {
		if a.AdminOnly() != (a == perms.ActionGrant || a == perms.ActionRegister || a == perms.ActionSettings || a == perms.ActionDeregister || a == perms.ActionPolicyAdmin || a == perms.ActionAdmins) {
			t.Errorf("%s.AdminOnly() = %v", a, a.AdminOnly())
		}
	}
	allow := func(p perms.Principal, a perms.Action, obj hierarchy.Object) {
		t.Helper()
		if err := r.Check(t.Context(), p, a, &obj); err != nil {
			t.Errorf("Check(%s, %s, %s) = %v, want allowed", p, a, obj.Path, err)
		}
	}
	deny := func(p perms.Principal, a perms.Action, obj hierarchy.Object) {
		t.Helper()
		err := r.Check(t.Context(), p, a, &obj)
		if !errors.Is(err, connections.ErrPermissionDenied) {
			t.Errorf("Check(%s, %s, %s) = %v, want permission denied", p, a, obj.Path, err)
		}
	}
	for _, obj := range []hierarchy.Object{tr.host, tr.db, tr.public, tr.orders, tr.raw} {
		for _, a := range perms.Actions() {
			allow(tr.admin, a, obj)
			allow(perms.System(), a, obj)
		}
	}
	// Owners act on what they own, inherited.
	for _, obj := range []hierarchy.Object{tr.public, tr.orders, tr.items} {
		for _, a := range append(ownerActions, perms.ActionView) {
			allow(tr.alice, a, obj)
		}
		for _, a := range adminActions {
			deny(tr.alice, a, obj)
		}
	}
	// Not above or beside it...
	for _, obj := range []hierarchy.Object{tr.host, tr.db, tr.staging, tr.raw} {
		for _, a := range ownerActions {
			deny(tr.alice, a, obj)
		}
		// ...but they view the whole connection they own something in.
		allow(tr.alice, perms.ActionView, obj)
	}
	// Nothing in a connection where they own nothing.
	deny(tr.alice, perms.ActionView, tr.opsHost)
	deny(tr.alice, perms.ActionView, tr.opsDB)
	deny(tr.bob, perms.ActionView, tr.host)
	for _, a := range ownerActions {
		deny(tr.bob, a, tr.orders)
	}
	allow(tr.carol, perms.ActionDelete, tr.raw)
	deny(tr.carol, perms.ActionDelete, tr.orders)
	// Admin-only actions that concern no object.
	for _, a := range []perms.Action{perms.ActionRegister, perms.ActionPolicyAdmin, perms.ActionAdmins} {
		if err := r.Check(t.Context(), tr.alice, a, nil); !errors.Is(err, connections.ErrPermissionDenied) {
			t.Errorf("Check(alice, %s) = %v", a, err)
		}
		if err := r.Check(t.Context(), tr.admin, a, nil); err != nil {
			t.Errorf("Check(admin, %s) = %v", a, err)
		}
	}
}

func TestCheck_B25_DeleteHostIsAdminOnly(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	grant(t, r, tr.host, user("alice"))
	if err := r.Check(t.Context(), tr.alice, perms.ActionSync, &tr.host); err != nil {
		t.Fatalf("owner of the host may sync the connection: %v", err)
	}
	err := r.Check(t.Context(), tr.alice, perms.ActionDelete, &tr.host)
	if !errors.Is(err, connections.ErrPermissionDenied) || !strings.Contains(err.Error(), "deregister") {
		t.Fatalf("delete host = %v", err)
	}
	if err := r.Check(t.Context(), tr.alice, perms.ActionDelete, &tr.db); err != nil {
		t.Fatalf("owner of the host may delete a database: %v", err)
	}
}

func TestCheck_B25_DenialNamesActorActionAndPath(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	err := r.Check(t.Context(), tr.bob, perms.ActionSync, &tr.orders)
	if !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("err = %v", err)
	}
	var ce *connections.Error
	if !errors.As(err, &ce) || ce.Op != "sync" || ce.Path != "snow.SALES.PUBLIC.ORDERS" {
		t.Fatalf("err = %#v", err)
	}
	want := "sync snow.SALES.PUBLIC.ORDERS: permission denied: bob [eng] may not sync table snow.SALES.PUBLIC.ORDERS: not a data owner of it or of any object above it"
	if err.Error() != want {
		t.Fatalf("message\n got %q\nwant %q", err, want)
	}
	err = r.Check(t.Context(), tr.bob, perms.ActionSettings, &tr.host)
	if err == nil || err.Error() != `settings snow: permission denied: bob [eng] may not change the settings of connection "snow": admins only` {
		t.Fatalf("settings: %v", err)
	}
	err = r.Check(t.Context(), tr.bob, perms.ActionRegister, nil)
	if err == nil || err.Error() != "register: permission denied: bob [eng] may not register connections: admins only" {
		t.Fatalf("register: %v", err)
	}
}

func TestCheck_InvalidInput(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	noAncestors := tr.orders
	noAncestors.Ancestors = [3]hierarchy.ID{}
	noID := tr.orders
	noID.ID = hierarchy.ID{}
	column := tr.orders
	column.Path = column.Path.Child("c")
	cases := map[string]struct {
		p   perms.Principal
		a   perms.Action
		obj *hierarchy.Object
	}{
		"nil object":        {tr.alice, perms.ActionSync, nil},
		"no ancestors":      {tr.alice, perms.ActionSync, &noAncestors},
		"no id":             {tr.admin, perms.ActionView, &noID},
		"column path":       {tr.alice, perms.ActionTag, &column},
		"empty path":        {tr.alice, perms.ActionView, &hierarchy.Object{ID: hierarchy.NewID()}},
		"unknown action":    {tr.admin, perms.Action(99), &tr.orders},
		"zero action":       {tr.admin, perms.Action(0), nil},
		"anonymous":         {perms.Principal{}, perms.ActionView, &tr.orders},
		"anonymous grouped": {perms.Principal{Groups: []string{"eng"}}, perms.ActionView, &tr.orders},
	}
	for name, c := range cases {
		err := r.Check(t.Context(), c.p, c.a, c.obj)
		if !errors.Is(err, connections.ErrInvalidInput) {
			t.Errorf("%s: err = %v, want invalid input", name, err)
		}
	}
	if _, err := r.IsOwner(t.Context(), tr.alice, nil); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("IsOwner(nil) = %v", err)
	}
	if _, err := r.Owners(t.Context(), &noAncestors); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("Owners(no ancestors) = %v", err)
	}
	// An anonymous principal is denied, not only rejected.
	if err := r.Check(t.Context(), perms.Principal{}, perms.ActionView, &tr.orders); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Errorf("anonymous: %v", err)
	}
}

func TestOwnedConnectionsAndRoots_B25(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	grant(t, r, tr.public, user("alice"))
	grant(t, r, tr.orders, user("alice")) // below her schema grant
	grant(t, r, tr.opsDB, group("ops"))
	grant(t, r, tr.raw, group("eng"))

	got, err := r.OwnedConnections(t.Context(), tr.alice)
	if err != nil || strings.Join(got, ",") != "snow" {
		t.Fatalf("alice: %v, %v", got, err)
	}
	got, err = r.OwnedConnections(t.Context(), tr.eng) // via groups eng and ops
	if err != nil || strings.Join(got, ",") != "ops,snow" {
		t.Fatalf("erin: %v, %v", got, err)
	}
	got, err = r.OwnedConnections(t.Context(), tr.carol)
	if err != nil || len(got) != 0 {
		t.Fatalf("carol: %v, %v", got, err)
	}

	roots, err := r.OwnedRoots(t.Context(), tr.alice, "snow")
	if err != nil || len(roots) != 2 || !has(roots, tr.public.ID) || !has(roots, tr.orders.ID) {
		t.Fatalf("alice roots: %v, %v", roots, err)
	}
	roots, err = r.OwnedRoots(t.Context(), tr.eng, "")
	if err != nil || len(roots) != 2 || !has(roots, tr.opsDB.ID) || !has(roots, tr.raw.ID) {
		t.Fatalf("erin roots: %v, %v", roots, err)
	}
	roots, err = r.OwnedRoots(t.Context(), tr.eng, "ops")
	if err != nil || len(roots) != 1 || roots[0] != tr.opsDB.ID {
		t.Fatalf("erin roots in ops: %v, %v", roots, err)
	}
}

func has(ids []hierarchy.ID, id hierarchy.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestGrant_B25_AdminOnlyAndErrors(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	grant(t, r, tr.public, user("alice"))

	// Owners may not grant, even below what they own.
	_, err := r.Grant(t.Context(), tr.alice, &tr.orders, user("bob"))
	if !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("owner grants: %v", err)
	}
	if err := r.Revoke(t.Context(), tr.alice, &tr.public, user("alice")); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("owner revokes: %v", err)
	}
	// Twice on the same object: already exists.
	_, err = r.Grant(t.Context(), tr.admin, &tr.public, user("alice"))
	if !errors.Is(err, connections.ErrAlreadyExists) || !strings.Contains(err.Error(), `user "alice" is already a data owner of schema snow.SALES.PUBLIC`) {
		t.Fatalf("duplicate grant: %v", err)
	}
	// Bad subjects.
	for _, s := range []store.Subject{{}, {Kind: store.SubjectUser}, {Kind: 9, Name: "x"}, user("a\nb"), user(strings.Repeat("x", 300)), group("\xff")} {
		if _, err := r.Grant(t.Context(), tr.admin, &tr.orders, s); !errors.Is(err, connections.ErrInvalidInput) {
			t.Errorf("grant to %+v: %v", s, err)
		}
	}
	// An object the store does not have.
	ghost := child(tr.public, "GHOST", hierarchy.TypeTable)
	if _, err := r.Grant(t.Context(), tr.admin, &ghost, user("bob")); !errors.Is(err, connections.ErrNotFound) {
		t.Fatalf("grant on a missing object: %v", err)
	}
	// Revoking a grant held above the object, not on it.
	err = r.Revoke(t.Context(), tr.admin, &tr.orders, user("alice"))
	if !errors.Is(err, connections.ErrNotFound) || !strings.Contains(err.Error(), "holds no Data Owner grant on table snow.SALES.PUBLIC.ORDERS itself") {
		t.Fatalf("revoke inherited: %v", err)
	}
	ok, err := r.IsOwner(t.Context(), tr.alice, &tr.orders)
	if err != nil || !ok {
		t.Fatalf("alice still owns ORDERS by her schema grant: %v %v", ok, err)
	}
}

func TestResolver_B24_OwnChangesSeenAtOnce(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, &perms.Options{MaxAge: -1}) // never expires by age
	check := func(want bool) {
		t.Helper()
		ok, err := r.IsOwner(t.Context(), tr.bob, &tr.orders)
		if err != nil || ok != want {
			t.Fatalf("IsOwner = %v, %v; want %v", ok, err, want)
		}
	}
	check(false)
	grant(t, r, tr.db, group("eng"))
	check(true)
	if err := r.Revoke(t.Context(), tr.admin, &tr.db, group("eng")); err != nil {
		t.Fatal(err)
	}
	check(false)
}

func TestResolver_MaxAgeBoundsStaleness(t *testing.T) {
	tr := newTree(t)
	clk := &clock{t: t0}
	replica1 := perms.NewResolver(tr.st, &perms.Options{MaxAge: time.Minute, Now: clk.Now})
	replica2 := perms.NewResolver(tr.st, &perms.Options{MaxAge: time.Minute, Now: clk.Now})
	owns := func() bool {
		t.Helper()
		ok, err := replica1.IsOwner(t.Context(), tr.alice, &tr.orders)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if owns() {
		t.Fatal("owner before any grant")
	}
	if _, err := replica2.Grant(t.Context(), tr.admin, &tr.orders, user("alice")); err != nil {
		t.Fatal(err)
	}
	clk.Add(59 * time.Second)
	if owns() {
		t.Fatal("replica 1 read the store again before its index expired")
	}
	clk.Add(time.Second)
	if !owns() {
		t.Fatal("replica 1 did not see replica 2's grant after MaxAge")
	}
	// Invalidate shows changes at once.
	if err := replica2.Revoke(t.Context(), tr.admin, &tr.orders, user("alice")); err != nil {
		t.Fatal(err)
	}
	if !owns() {
		t.Fatal("replica 1 refreshed without expiry or Invalidate")
	}
	replica1.Invalidate()
	if owns() {
		t.Fatal("replica 1 did not see the revocation after Invalidate")
	}
}

func TestResolver_UncachedSeesOtherWritesAtOnce(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, &perms.Options{Uncached: true})
	other := perms.NewResolver(tr.st, nil)
	grant(t, other, tr.public, user("alice"))
	grant(t, other, tr.opsDB, group("ops"))
	if ok, err := r.IsOwner(t.Context(), tr.alice, &tr.orders); err != nil || !ok {
		t.Fatalf("IsOwner = %v, %v", ok, err)
	}
	if err := r.Check(t.Context(), tr.alice, perms.ActionView, &tr.raw); err != nil {
		t.Fatalf("view in owned connection: %v", err)
	}
	if err := r.Check(t.Context(), tr.alice, perms.ActionView, &tr.opsDB); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("view elsewhere: %v", err)
	}
	if c, err := r.OwnedConnections(t.Context(), tr.eng); err != nil || strings.Join(c, ",") != "ops" {
		t.Fatalf("OwnedConnections = %v, %v", c, err)
	}
	if owners, err := r.Owners(t.Context(), &tr.items); err != nil || len(owners) != 1 {
		t.Fatalf("Owners = %+v, %v", owners, err)
	}
	if s, err := r.Snapshot(t.Context()); err != nil || s.Len() != 2 {
		t.Fatalf("Snapshot = %v, %v", s, err)
	}
}

func TestResolver_StoreErrorsAreWrapped(t *testing.T) {
	boom := errors.New("connection refused")
	gs := &grantList{err: boom}
	obj := hierarchy.Object{ID: hierarchy.NewID(), Path: hierarchy.Path{"k"}}
	for _, uncached := range []bool{false, true} {
		r := perms.NewResolver(gs, &perms.Options{Uncached: uncached})
		if _, err := r.IsOwner(t.Context(), perms.User("a"), &obj); !errors.Is(err, boom) || !strings.Contains(err.Error(), "is owner k") {
			t.Errorf("IsOwner: %v", err)
		}
		if err := r.Check(t.Context(), perms.User("a"), perms.ActionView, &obj); !errors.Is(err, boom) {
			t.Errorf("Check: %v", err)
		}
		if _, err := r.OwnedConnections(t.Context(), perms.User("a", "g")); !errors.Is(err, boom) {
			t.Errorf("OwnedConnections: %v", err)
		}
		if _, err := r.OwnedRoots(t.Context(), perms.User("a"), "k"); !errors.Is(err, boom) {
			t.Errorf("OwnedRoots: %v", err)
		}
		if _, err := r.Owners(t.Context(), &obj); !errors.Is(err, boom) {
			t.Errorf("Owners: %v", err)
		}
	}
	// A failed rebuild is retried by the next call.
	gs.err = nil
	r := perms.NewResolver(gs, nil)
	gs.err = boom
	if _, err := r.Snapshot(t.Context()); err == nil {
		t.Fatal("no error")
	}
	gs.err = nil
	if _, err := r.Snapshot(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestResolver_RebuildsOncePerExpiry(t *testing.T) {
	gs := &grantList{}
	clk := &clock{t: t0}
	r := perms.NewResolver(gs, &perms.Options{Now: clk.Now})
	obj := hierarchy.Object{ID: hierarchy.NewID(), Path: hierarchy.Path{"k"}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if _, err := r.IsOwner(context.Background(), perms.User("a"), &obj); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if gs.reads != 1 {
		t.Fatalf("store read %d times, want once", gs.reads)
	}
	clk.Add(perms.DefaultMaxAge)
	if _, err := r.IsOwner(t.Context(), perms.User("a"), &obj); err != nil || gs.reads != 2 {
		t.Fatalf("after expiry: %d reads, %v", gs.reads, err)
	}
}

func TestResolver_ConcurrentChecksAndGrants(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	objs := []hierarchy.Object{tr.db, tr.public, tr.staging, tr.orders, tr.items, tr.raw}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				obj := objs[(i+j)%len(objs)]
				if err := r.Check(t.Context(), tr.bob, perms.ActionSync, &obj); err != nil && !errors.Is(err, connections.ErrPermissionDenied) {
					t.Error(err)
				}
			}
		})
	}
	for i, obj := range objs {
		wg.Go(func() {
			if _, err := r.Grant(t.Context(), tr.admin, &obj, user(fmt.Sprint("u", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// Every grant made through r is seen once the writers are done.
	for i, obj := range objs {
		ok, err := r.IsOwner(t.Context(), perms.User(fmt.Sprint("u", i)), &obj)
		if err != nil || !ok {
			t.Errorf("u%d on %s: %v %v", i, obj.Path, ok, err)
		}
	}
}

func TestSnapshot_IsOwnerDoesNotAllocate(t *testing.T) {
	tbl := hierarchy.Object{ID: hierarchy.NewID(), Ancestors: [3]hierarchy.ID{hierarchy.NewID(), hierarchy.NewID(), hierarchy.NewID()}, Path: hierarchy.Path{"k", "d", "s", "t"}}
	s := perms.NewSnapshot([]store.Grant{
		{Connection: "k", Object: tbl.Ancestors[1], Subject: group("g"), Role: store.RoleDataOwner},
		{Connection: "k", Object: tbl.Ancestors[1], Subject: group("g"), Role: store.RoleDataOwner}, // duplicate
		{Connection: "k", Object: tbl.ID, Subject: user("x"), Role: "viewer"},                       // other role
	})
	if s.Len() != 1 {
		t.Fatalf("Len = %d", s.Len())
	}
	p := perms.User("u", "a", "b", "g")
	q := perms.User("v", "a")
	if !s.IsOwner(p, &tbl) || s.IsOwner(q, &tbl) {
		t.Fatal("IsOwner")
	}
	if n := testing.AllocsPerRun(100, func() { s.IsOwner(p, &tbl); s.IsOwner(q, &tbl) }); n != 0 {
		t.Fatalf("IsOwner allocates %v times", n)
	}
	r := perms.NewResolver(&grantList{}, nil)
	ctx := t.Context()
	if _, err := r.IsOwner(ctx, p, &tbl); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = r.IsOwner(ctx, q, &tbl) }); n != 0 {
		t.Fatalf("Resolver.IsOwner allocates %v times", n)
	}
}

func TestAction_Text(t *testing.T) {
	for _, a := range perms.Actions() {
		b, err := a.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back perms.Action
		if err := back.UnmarshalText(b); err != nil || back != a {
			t.Fatalf("%s: %v %v", a, back, err)
		}
	}
	if len(perms.Actions()) != 12 {
		t.Fatalf("%d actions", len(perms.Actions()))
	}
	if _, err := perms.ParseAction("fly"); err == nil {
		t.Fatal("ParseAction accepted junk")
	}
	if perms.Action(0).Valid() || perms.Action(42).String() != "Action(42)" {
		t.Fatal("invalid actions")
	}
}
