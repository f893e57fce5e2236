package perms_test

import (
	"errors"
	"testing"
	"time"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
)

func isAdmin(t *testing.T, r *perms.Resolver, p perms.Principal) bool {
	t.Helper()
	ok, err := r.IsAdmin(t.Context(), p)
	if err != nil {
		t.Fatalf("IsAdmin(%s): %v", p, err)
	}
	return ok
}

// An admin the store keeps may do everything a host-named admin may, at
// once after AddAdmin on the Resolver, and nothing more after RemoveAdmin.
func TestAdmins_B25_StoredAdminMayDoEverything(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	ctx := t.Context()
	if isAdmin(t, r, tr.alice) {
		t.Fatal("alice is an admin before anyone made her one")
	}
	if err := r.Check(ctx, tr.alice, perms.ActionRegister, nil); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("alice registers before she is an admin: %v", err)
	}
	a, err := r.AddAdmin(ctx, tr.admin, user("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if a.AddedBy != "root" || a.AddedAt.IsZero() || a.Subject != user("alice") {
		t.Fatalf("AddAdmin returned %+v", a)
	}
	if !isAdmin(t, r, tr.alice) {
		t.Fatal("alice is no admin after AddAdmin")
	}
	for _, act := range perms.Actions() {
		for _, obj := range []*hierarchy.Object{&tr.host, &tr.orders, &tr.opsDB} {
			if err := r.Check(ctx, tr.alice, act, obj); err != nil {
				t.Errorf("stored admin alice: Check(%s, %s) = %v", act, obj.Path, err)
			}
		}
	}
	// A group: every member is an admin.
	if isAdmin(t, r, tr.bob) {
		t.Fatal("bob is an admin before his group is")
	}
	if _, err := r.AddAdmin(ctx, tr.alice, group("eng")); err != nil {
		t.Fatalf("a stored admin adds another: %v", err)
	}
	if !isAdmin(t, r, tr.bob) || !isAdmin(t, r, tr.eng) || isAdmin(t, r, tr.carol) {
		t.Fatal("members of group eng, and only they, are admins")
	}
	if err := r.Check(ctx, tr.bob, perms.ActionDeregister, &tr.opsHost); err != nil {
		t.Fatalf("bob, in admin group eng, deregisters: %v", err)
	}
	admins, err := r.Admins(ctx, tr.carol)
	if err != nil {
		t.Fatalf("anyone may list the admins: %v", err)
	}
	if len(admins) != 2 || admins[0].Subject != user("alice") || admins[1].Subject != group("eng") {
		t.Fatalf("Admins = %+v", admins)
	}
	if err := r.RemoveAdmin(ctx, tr.bob, user("alice")); err != nil {
		t.Fatal(err)
	}
	if isAdmin(t, r, tr.alice) {
		t.Fatal("alice is still an admin after RemoveAdmin")
	}
	if err := r.Check(ctx, tr.alice, perms.ActionGrant, &tr.orders); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("alice grants after she was removed: %v", err)
	}
}

func TestAdmins_B25_OnlyAdminsManageAdmins(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	ctx := t.Context()
	if _, err := r.AddAdmin(ctx, tr.alice, user("alice")); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("a non-admin makes herself an admin: %v", err)
	}
	if _, err := r.AddAdmin(ctx, tr.admin, user("bob")); err != nil {
		t.Fatal(err)
	}
	if err := r.RemoveAdmin(ctx, tr.alice, user("bob")); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("a non-admin removes an admin: %v", err)
	}
	if _, err := r.AddAdmin(ctx, tr.admin, user("bob")); !errors.Is(err, connections.ErrAlreadyExists) {
		t.Fatalf("adding an admin twice: %v", err)
	}
	if err := r.RemoveAdmin(ctx, tr.admin, user("carol")); !errors.Is(err, connections.ErrNotFound) {
		t.Fatalf("removing one who is not an admin: %v", err)
	}
	for _, bad := range []store.Subject{{Kind: store.SubjectUser}, {Name: "x"}, user("a\nb")} {
		if _, err := r.AddAdmin(ctx, tr.admin, bad); !errors.Is(err, connections.ErrInvalidInput) {
			t.Fatalf("AddAdmin(%+v): %v", bad, err)
		}
	}
	if _, err := r.Admins(ctx, perms.Principal{}); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("a principal naming no one lists admins: %v", err)
	}
	admins, err := r.Admins(ctx, tr.alice)
	if err != nil || len(admins) != 1 {
		t.Fatalf("failed calls wrote: %+v %v", admins, err)
	}
}

// The last stored admin cannot remove itself (or be removed by another
// stored admin): the store would be left with no admin. A host-named
// admin, who stays one, may.
func TestAdmins_B25_LastStoredAdminStays(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	ctx := t.Context()
	if _, err := r.AddAdmin(ctx, tr.admin, user("alice")); err != nil {
		t.Fatal(err)
	}
	err := r.RemoveAdmin(ctx, tr.alice, user("alice"))
	if !errors.Is(err, connections.ErrConflict) {
		t.Fatalf("the last stored admin removed itself: %v", err)
	}
	if !isAdmin(t, r, tr.alice) {
		t.Fatal("a refused RemoveAdmin removed")
	}
	if _, err := r.AddAdmin(ctx, tr.alice, user("bob")); err != nil {
		t.Fatal(err)
	}
	if err := r.RemoveAdmin(ctx, tr.alice, user("alice")); err != nil {
		t.Fatalf("with another admin left, alice steps down: %v", err)
	}
	if err := r.RemoveAdmin(ctx, tr.admin, user("bob")); err != nil {
		t.Fatalf("a host-named admin removes the last stored one: %v", err)
	}
}

// Admins added by another replica are seen as grants are: within MaxAge,
// at once after Invalidate, and at once when uncached.
func TestAdmins_B25_OtherReplicas(t *testing.T) {
	tr := newTree(t)
	clk := &clock{t: t0}
	replica1 := perms.NewResolver(tr.st, &perms.Options{MaxAge: time.Minute, Now: clk.Now})
	replica2 := perms.NewResolver(tr.st, &perms.Options{MaxAge: time.Minute, Now: clk.Now})
	uncached := perms.NewResolver(tr.st, &perms.Options{Uncached: true})
	if isAdmin(t, replica1, tr.alice) {
		t.Fatal("admin before AddAdmin")
	}
	if _, err := replica2.AddAdmin(t.Context(), tr.admin, user("alice")); err != nil {
		t.Fatal(err)
	}
	if !isAdmin(t, uncached, tr.alice) {
		t.Fatal("an uncached Resolver does not see the admin at once")
	}
	clk.Add(59 * time.Second)
	if isAdmin(t, replica1, tr.alice) {
		t.Fatal("replica 1 read the store again before its index expired")
	}
	clk.Add(time.Second)
	if !isAdmin(t, replica1, tr.alice) {
		t.Fatal("replica 1 does not see replica 2's admin after MaxAge")
	}
	if err := replica2.RemoveAdmin(t.Context(), tr.admin, user("alice")); err != nil {
		t.Fatal(err)
	}
	replica1.Invalidate()
	if isAdmin(t, replica1, tr.alice) || isAdmin(t, uncached, tr.alice) {
		t.Fatal("removed admin still seen after Invalidate / uncached")
	}
}

// A grant store that keeps no admins: only host-named admins and the
// system are admins, and managing admins is unsupported.
func TestAdmins_StoreWithoutAdmins(t *testing.T) {
	r := perms.NewResolver(&grantList{}, nil)
	ctx := t.Context()
	if isAdmin(t, r, perms.User("alice")) || !isAdmin(t, r, perms.Admin("root")) || !isAdmin(t, r, perms.System()) {
		t.Fatal("IsAdmin without stored admins")
	}
	if _, err := r.Admins(ctx, perms.Admin("root")); !errors.Is(err, connections.ErrUnsupported) {
		t.Fatalf("Admins: %v", err)
	}
	if _, err := r.AddAdmin(ctx, perms.Admin("root"), user("alice")); !errors.Is(err, connections.ErrUnsupported) {
		t.Fatalf("AddAdmin: %v", err)
	}
}

// Checking stored admins costs no allocation, like every check.
func TestAdmins_SnapshotIsAdminDoesNotAllocate(t *testing.T) {
	tr := newTree(t)
	r := perms.NewResolver(tr.st, nil)
	ctx := t.Context()
	if _, err := r.AddAdmin(ctx, tr.admin, group("ops")); err != nil {
		t.Fatal(err)
	}
	s, err := r.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !s.IsAdmin(tr.eng) || s.IsAdmin(tr.bob) {
		t.Fatal("Snapshot.IsAdmin")
	}
	if perms.NewSnapshot(nil).IsAdmin(tr.eng) {
		t.Fatal("a snapshot made with NewSnapshot knows no stored admins")
	}
	if n := testing.AllocsPerRun(100, func() { s.IsAdmin(tr.eng); s.IsAdmin(tr.bob) }); n != 0 {
		t.Fatalf("Snapshot.IsAdmin allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = r.Check(ctx, tr.eng, perms.ActionSync, &tr.orders) }); n != 0 {
		t.Fatalf("Check by a stored admin allocates %v times", n)
	}
	if _, err := r.Grant(ctx, tr.admin, &tr.public, user("alice")); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = r.Check(ctx, tr.alice, perms.ActionSync, &tr.orders) }); n != 0 {
		t.Fatalf("an allowed Check by an owner allocates %v times", n)
	}
}
