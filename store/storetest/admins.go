package storetest

import (
	"strings"
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

	require.NoError(t, s.RemoveAdmin(ctx, alice))
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
	require.ErrorIs(t, s.AddAdmin(ctx, store.Admin{Subject: bob, AddedBy: "other", AddedAt: tm(2)}), connections.ErrAlreadyExists,
		"AddAdmin of an admin must give ErrAlreadyExists")
	for _, bad := range []store.Subject{{Kind: store.SubjectUser}, {Name: p + "nobody"}, {Kind: 9, Name: p + "x"}} {
		require.ErrorIs(t, s.AddAdmin(ctx, store.Admin{Subject: bad}), connections.ErrInvalidInput, "AddAdmin of %+v", bad)
	}
	require.ErrorIs(t, s.RemoveAdmin(ctx, store.Subject{Kind: store.SubjectGroup, Name: bob.Name}), connections.ErrNotFound,
		"RemoveAdmin of a subject that is not an admin must give ErrNotFound")
	got := ownAdmins(t, s, p)
	require.Len(t, got, 1, "failed calls must write nothing")
	assert.Empty(t, got[0].AddedBy, "a refused AddAdmin must not replace the admin")
	assertTime(t, tm(1), got[0].AddedAt, "a refused AddAdmin must not replace the admin")
}
