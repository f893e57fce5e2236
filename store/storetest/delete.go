package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

func deleteCases() []testCase {
	return []testCase{
		{"DeleteObject/CountsAndCascades", testDeleteObject},
		{"DeleteObject/ClearsAncestorFingerprints", testDeleteObjectFingerprints},
		{"DeleteObject/HostGivesInvalidInput", testDeleteHost},
		{"DeleteObject/MissingGivesNotFound", testDeleteMissing},
	}
}

func testDeleteObject(t *testing.T, s store.Store) {
	ctx := t.Context()
	tag := Key("del")
	tr := NewTree(t, s, "T1", "T2")
	s2 := Child(tr.Database, "S2")
	Add(t, s, tr.Conn.Key, tr.Database, s2)
	t3 := Table(s2, "T3", "a")
	Add(t, s, tr.Conn.Key, s2, t3)
	t1 := tr.Tables[0]

	cs := tr.changes(tr.Schema, 1)
	cs.AddTags = []store.TagRef{
		{Object: t1.ID, Tag: hierarchy.Tag{Name: tag}},
		{Object: t1.ID, Column: "id", Tag: hierarchy.Tag{Name: tag}},
	}
	req := newRequest(tr, t1, "id", 1)
	cs.Requests = []store.Request{req}
	apply(t, s, cs, "tags and request on T1")
	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: tr.Schema.ID, Tag: hierarchy.Tag{Name: tag}}))
	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: t3.ID, Tag: hierarchy.Tag{Name: tag}}))
	owner := store.Subject{Kind: store.SubjectUser, Name: "alice"}
	for _, o := range []hierarchy.Object{tr.Database, tr.Schema, t1, t3} {
		require.NoError(t, s.AddGrant(ctx, store.Grant{Connection: tr.Conn.Key, Object: o.ID, Subject: owner, Role: store.RoleDataOwner, GrantedAt: tm(1)}))
	}
	keep := newRequest(tr, t3, "a", 2)
	cs = tr.changes(s2, 2)
	cs.Requests = []store.Request{keep}
	apply(t, s, cs, "request on T3")

	n, err := s.DeleteObject(ctx, tr.Schema.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(3), n, "DeleteObject must return how many objects it deleted (the schema and its two tables)")

	const rule = "DeleteObject must delete the object and everything under it, with their tags, grants and requests"
	for _, o := range []hierarchy.Object{tr.Schema, t1, tr.Tables[1]} {
		requireNotFound(t, s, o.ID, rule)
	}
	_, err = s.Lookup(ctx, t1.Path)
	require.ErrorIs(t, err, connections.ErrNotFound, rule)
	hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: tag}, store.Page{})
	require.NoError(t, err)
	require.Len(t, hits, 1, rule+": tags (only T3's may remain)")
	assert.Equal(t, t3.ID, hits[0].Object, rule+": tags")
	grants, err := s.Grants(ctx, store.GrantFilter{Connection: tr.Conn.Key})
	require.NoError(t, err)
	var granted []hierarchy.ID
	for _, g := range grants {
		granted = append(granted, g.Object)
	}
	assert.ElementsMatch(t, []hierarchy.ID{tr.Database.ID, t3.ID}, granted, rule+": grants")
	_, err = s.Request(ctx, req.ID)
	require.ErrorIs(t, err, connections.ErrNotFound, rule+": requests")
	_, err = s.Request(ctx, keep.ID)
	require.NoError(t, err, "DeleteObject must keep requests outside the subtree")

	count, err := s.CountDescendants(ctx, tr.Host.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(3), count, "DeleteObject must update the ancestors' descendant counts")
	kids, _, err := s.Children(ctx, tr.Host.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, kids, 1)
	assert.Equal(t, int64(1), kids[0].Children, "DeleteObject must update the parent's child count")
	assert.Equal(t, int64(2), kids[0].Descendants, "DeleteObject must update the ancestors' descendant counts")

	n, err = s.DeleteObject(ctx, t3.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "DeleteObject of a table deletes one object")
}

func testDeleteObjectFingerprints(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T1")
	s2 := Child(tr.Database, "S2")
	Add(t, s, tr.Conn.Key, tr.Database, s2)
	for i, o := range []hierarchy.Object{tr.Host, tr.Database, tr.Schema, s2} {
		cs := tr.changes(o, 1)
		cs.Fingerprint = hierarchy.Fingerprint(100 + i)
		apply(t, s, cs, "fingerprint "+o.Path.String())
	}
	_, err := s.DeleteObject(ctx, tr.Tables[0].ID)
	require.NoError(t, err)
	const rule = "DeleteObject must clear the fingerprints of its ancestors so the next sync looks again"
	for _, o := range []hierarchy.Object{tr.Host, tr.Database, tr.Schema} {
		assert.Zero(t, object(t, s, o.ID).Fingerprint, "%s (%s)", rule, o.Path)
	}
	assert.Equal(t, hierarchy.Fingerprint(103), object(t, s, s2.ID).Fingerprint, "DeleteObject must keep the fingerprints of objects that are not its ancestors")
}

func testDeleteHost(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	_, err := s.DeleteObject(ctx, tr.Host.ID)
	require.ErrorIs(t, err, connections.ErrInvalidInput, "DeleteObject of a host must give ErrInvalidInput (that is DeleteConnection's job)")
	object(t, s, tr.Host.ID)
	object(t, s, tr.Tables[0].ID)
}

func testDeleteMissing(t *testing.T, s store.Store) {
	_, err := s.DeleteObject(t.Context(), hierarchy.NewID())
	require.ErrorIs(t, err, connections.ErrNotFound, "DeleteObject of an unknown ID must give ErrNotFound")
}
