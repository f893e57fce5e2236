package storetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

func adminCases() []testCase {
	return []testCase{
		{"Admin/B25_AddListRemove", testAdmins},
		{"Admin/Errors", testAdminErrors},
		{"Admin/KeepLastIsAtomic", testAdminKeepLast},
	}
}

// ownAdmins returns the admins whose names start with prefix: the suite
// may share a store with other tests, and admins are global.
func ownAdmins(t *testing.T, s store.Store, prefix string) []store.Admin {
	t.Helper()
	all, err := s.Admins(t.Context())
	require.NoError(t, err)
	var out []store.Admin
	for _, a := range all {
		if strings.HasPrefix(a.Subject.Name, prefix) {
			out = append(out, a)
		}
	}
	return out
}

func testAdmins(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := Key("adm") + "_"
	assert.Empty(t, ownAdmins(t, s, p), "no admins before AddAdmin")

	ops := store.Subject{Kind: store.SubjectGroup, Name: p + "ops"}
	zed := store.Subject{Kind: store.SubjectUser, Name: p + "zed"}
	alice := store.Subject{Kind: store.SubjectUser, Name: p + "alice"}
	sameName := store.Subject{Kind: store.SubjectGroup, Name: p + "alice"}
	for i, sub := range []store.Subject{ops, zed, alice, sameName} {
		require.NoError(t, s.AddAdmin(ctx, store.Admin{Subject: sub, AddedBy: "root", AddedAt: tm(i)}), "AddAdmin %s %q", sub.Kind, sub.Name)
		removeAtEnd(t, s, sub)
	}
	got := ownAdmins(t, s, p)
	want := []store.Admin{
		{Subject: alice, AddedBy: "root", AddedAt: tm(2)},
		{Subject: zed, AddedBy: "root", AddedAt: tm(1)},
		{Subject: sameName, AddedBy: "root", AddedAt: tm(3)},
		{Subject: ops, AddedBy: "root", AddedAt: tm(0)},
	}
	require.Len(t, got, len(want), "Admins must list every admin")
	for i := range want {
		assertTime(t, want[i].AddedAt, got[i].AddedAt, "Admins: AddedAt")
		got[i].AddedAt = want[i].AddedAt
	}
	assert.Equal(t, want, got, "Admins must order users before groups, then by name; a user and a group of the same name are two admins")

	require.NoError(t, s.RemoveAdmin(ctx, alice, false))
	got = ownAdmins(t, s, p)
	require.Len(t, got, 3, "RemoveAdmin must remove exactly one admin")
	assert.Equal(t, []store.Subject{zed, sameName, ops}, []store.Subject{got[0].Subject, got[1].Subject, got[2].Subject},
		"removing user alice keeps group alice")

	// Admins are global: deregistering a connection keeps them.
	tr := NewTree(t, s)
	require.NoError(t, s.DeleteConnection(ctx, tr.Conn.Key))
	assert.Len(t, ownAdmins(t, s, p), 3, "DeleteConnection must not touch admins")
}

func testAdminErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := Key("adm") + "_"
	bob := store.Subject{Kind: store.SubjectUser, Name: p + "bob"}
	require.NoError(t, s.AddAdmin(ctx, store.Admin{Subject: bob, AddedAt: tm(1)}))
	removeAtEnd(t, s, bob)
	require.ErrorIs(t, s.AddAdmin(ctx, store.Admin{Subject: bob, AddedBy: "other", AddedAt: tm(2)}), connections.ErrAlreadyExists,
		"AddAdmin of an admin must give ErrAlreadyExists")
	for _, bad := range []store.Subject{{Kind: store.SubjectUser}, {Name: p + "nobody"}, {Kind: 9, Name: p + "x"}} {
		require.ErrorIs(t, s.AddAdmin(ctx, store.Admin{Subject: bad}), connections.ErrInvalidInput, "AddAdmin of %+v", bad)
	}
	require.ErrorIs(t, s.RemoveAdmin(ctx, store.Subject{Kind: store.SubjectGroup, Name: bob.Name}, false), connections.ErrNotFound,
		"RemoveAdmin of a subject that is not an admin must give ErrNotFound")
	got := ownAdmins(t, s, p)
	require.Len(t, got, 1, "failed calls must write nothing")
	assert.Empty(t, got[0].AddedBy, "a refused AddAdmin must not replace the admin")
	assertTime(t, tm(1), got[0].AddedAt, "a refused AddAdmin must not replace the admin")
}

// removeAtEnd removes the admin when the test ends, so that the tests
// that follow on a shared store find no admins of this one.
func removeAtEnd(t *testing.T, s store.Store, sub store.Subject) {
	t.Cleanup(func() { _ = s.RemoveAdmin(context.Background(), sub, false) })
}

func testAdminKeepLast(t *testing.T, s store.Store) {
	ctx := t.Context()
	if others := ownAdmins(t, s, ""); len(others) > 0 {
		t.Skipf("the store has %d admins of others; keepLast counts every admin", len(others))
	}
	p := Key("adm") + "_"
	a := store.Subject{Kind: store.SubjectUser, Name: p + "a"}
	b := store.Subject{Kind: store.SubjectGroup, Name: p + "b"}
	add := func() {
		for _, sub := range []store.Subject{a, b} {
			require.NoError(t, s.AddAdmin(ctx, store.Admin{Subject: sub, AddedAt: tm(1)}))
			removeAtEnd(t, s, sub)
		}
	}
	add()
	require.NoError(t, s.RemoveAdmin(ctx, a, true), "keepLast removes an admin while another is left")
	require.ErrorIs(t, s.RemoveAdmin(ctx, b, true), connections.ErrConflict, "keepLast must refuse to remove the last admin")
	require.Len(t, ownAdmins(t, s, p), 1, "a refused RemoveAdmin must remove nothing")
	require.NoError(t, s.RemoveAdmin(ctx, b, false), "without keepLast the last admin goes")
	require.Empty(t, ownAdmins(t, s, p))

	// Two callers removing the last two admins at once: one wins.
	for round := range 5 {
		add()
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, sub := range []store.Subject{a, b} {
			wg.Go(func() {
				<-start
				errs[i] = s.RemoveAdmin(ctx, sub, true)
			})
		}
		close(start)
		wg.Wait()
		ok, conflict := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, connections.ErrConflict):
				conflict++
			default:
				require.NoError(t, err, "round %d", round)
			}
		}
		require.Equal(t, [2]int{1, 1}, [2]int{ok, conflict}, "round %d: exactly one of two concurrent keepLast removals must succeed", round)
		left := ownAdmins(t, s, p)
		require.Len(t, left, 1, "round %d: one admin must be left", round)
		require.NoError(t, s.RemoveAdmin(ctx, left[0].Subject, false))
	}
}
