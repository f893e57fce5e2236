package storetest

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

func grantCases() []testCase {
	return []testCase{
		{"Grant/B24_AddListRemove", testGrants},
		{"Grant/Errors", testGrantErrors},
	}
}

func grantOrder(a, b store.Grant) int {
	if c := bytes.Compare(a.Object[:], b.Object[:]); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Subject.Kind, b.Subject.Kind); c != 0 {
		return c
	}
	return strings.Compare(a.Subject.Name, b.Subject.Name)
}

func testGrants(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	other := NewTree(t, s, "T")
	alice := store.Subject{Kind: store.SubjectUser, Name: "alice"}
	bob := store.Subject{Kind: store.SubjectUser, Name: "bob"}
	owners := store.Subject{Kind: store.SubjectGroup, Name: "owners"}
	grant := func(tr *Tree, o hierarchy.Object, sub store.Subject) store.Grant {
		return store.Grant{Connection: tr.Conn.Key, Object: o.ID, Subject: sub, Role: store.RoleDataOwner, GrantedBy: "admin", GrantedAt: tm(1)}
	}
	want := []store.Grant{
		grant(tr, tr.Tables[0], bob),
		grant(tr, tr.Database, owners),
		grant(tr, tr.Database, alice),
		grant(tr, tr.Schema, owners),
		grant(tr, tr.Tables[0], alice),
	}
	for _, g := range want {
		require.NoError(t, s.AddGrant(ctx, g), "AddGrant on an existing object")
	}
	require.NoError(t, s.AddGrant(ctx, grant(other, other.Tables[0], alice)))
	slices.SortFunc(want, grantOrder)

	got, err := s.Grants(ctx, store.GrantFilter{Connection: tr.Conn.Key})
	require.NoError(t, err)
	require.Len(t, got, len(want), "Grants must return every grant of the connection, and no other connection's")
	for i := range want {
		assertTime(t, want[i].GrantedAt, got[i].GrantedAt, "Grants: GrantedAt")
		got[i].GrantedAt = want[i].GrantedAt
	}
	assert.Equal(t, want, got, "Grants must return the stored grants ordered by object, subject kind and subject name")

	byObject, err := s.Grants(ctx, store.GrantFilter{Objects: []hierarchy.ID{tr.Database.ID, tr.Schema.ID}})
	require.NoError(t, err)
	assert.Len(t, byObject, 3, "Grants must filter by Objects (exact objects, not their descendants)")
	for _, g := range byObject {
		assert.Contains(t, []hierarchy.ID{tr.Database.ID, tr.Schema.ID}, g.Object, "Grants filtered by Objects")
	}
	byAlice, err := s.Grants(ctx, store.GrantFilter{Connection: tr.Conn.Key, Subject: &alice})
	require.NoError(t, err)
	assert.Len(t, byAlice, 2, "Grants must filter by Subject")
	for _, g := range byAlice {
		assert.Equal(t, alice, g.Subject, "Grants filtered by Subject")
	}
	both, err := s.Grants(ctx, store.GrantFilter{Subject: &alice, Objects: []hierarchy.ID{tr.Tables[0].ID, other.Tables[0].ID}})
	require.NoError(t, err)
	assert.Len(t, both, 2, "Grants must combine filters (without Connection, across connections)")

	require.NoError(t, s.RemoveGrant(ctx, store.Grant{Object: tr.Database.ID, Subject: owners, Role: store.RoleDataOwner}), "RemoveGrant matches object, subject and role")
	got, err = s.Grants(ctx, store.GrantFilter{Connection: tr.Conn.Key})
	require.NoError(t, err)
	assert.Len(t, got, len(want)-1, "RemoveGrant must remove exactly one grant")
	err = s.RemoveGrant(ctx, store.Grant{Object: tr.Database.ID, Subject: owners, Role: store.RoleDataOwner})
	require.ErrorIs(t, err, connections.ErrNotFound, "RemoveGrant of a grant that is not there must give ErrNotFound")
}

func testGrantErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s)
	g := store.Grant{Connection: tr.Conn.Key, Object: tr.Schema.ID, Subject: store.Subject{Kind: store.SubjectGroup, Name: "g"}, Role: store.RoleDataOwner, GrantedAt: tm(1)}
	require.NoError(t, s.AddGrant(ctx, g))
	dup := g
	dup.GrantedBy, dup.GrantedAt = "someone else", tm(2)
	require.ErrorIs(t, s.AddGrant(ctx, dup), connections.ErrAlreadyExists, "AddGrant of a role the subject already has on the object must give ErrAlreadyExists")
	missing := g
	missing.Object = hierarchy.NewID()
	require.ErrorIs(t, s.AddGrant(ctx, missing), connections.ErrNotFound, "AddGrant on an unknown object must give ErrNotFound")
	got, err := s.Grants(ctx, store.GrantFilter{Connection: tr.Conn.Key})
	require.NoError(t, err)
	assert.Len(t, got, 1, "a failed AddGrant must write nothing")
	require.ErrorIs(t, s.RemoveGrant(ctx, missing), connections.ErrNotFound, "RemoveGrant on an unknown object must give ErrNotFound")
}
