package memstore_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	"github.com/govkit/connections/store/storetest"
)

// newSchema returns n tables under schema, named in increasing order, with
// IDs made in one batch as sync makes them, and columns cols.
func newSchema(schema hierarchy.Object, n int, cols ...string) []hierarchy.Object {
	ids := make([]hierarchy.ID, n)
	hierarchy.NewIDs(ids)
	out := make([]hierarchy.Object, n)
	for i := range out {
		out[i] = storetest.Table(schema, fmt.Sprintf("T%05d", i), cols...)
		out[i].ID = ids[i]
	}
	return out
}

// TestApplyLargeChangeSets applies change sets the size of a first sync's
// (IDs made together, the same tag on every table) and checks what the
// indexes answer, and that the checks meant for such change sets still
// refuse what they must.
func TestApplyLargeChangeSets(t *testing.T) {
	ctx := t.Context()
	s := memstore.New(nil)
	tr := storetest.NewTree(t, s)
	ctag := hierarchy.Tag{Name: "conn", Value: "a . b", Source: hierarchy.TagSystem}
	add := func(container hierarchy.Object, objs []hierarchy.Object, tagged bool) *store.ChangeSet {
		cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: container.ID, Add: objs}
		if tagged {
			for _, o := range objs {
				cs.AddTags = append(cs.AddTags, store.TagRef{Object: o.ID, Tag: ctag})
			}
		}
		return cs
	}

	// Two schemas of 1,500 tables: the second's IDs may share shards
	// with the first's.
	sc2 := storetest.Child(tr.Database, "SECOND")
	storetest.Add(t, s, tr.Conn.Key, tr.Database, sc2)
	first, second := newSchema(tr.Schema, 1500, "a", "b"), newSchema(sc2, 1500, "a", "b")
	require.NoError(t, s.Apply(ctx, add(tr.Schema, first, true)))
	require.NoError(t, s.Apply(ctx, add(sc2, second, true)))
	for _, o := range []hierarchy.Object{first[0], first[777], second[1499]} {
		got, err := s.Object(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, o.Path, got.Path)
		require.Equal(t, []hierarchy.Tag{ctag}, got.Tags)
	}
	kids, _, err := s.Children(ctx, sc2.ID, store.Page{Limit: store.MaxPageLimit})
	require.NoError(t, err)
	require.Len(t, kids, 1500)
	require.True(t, slices.IsSortedFunc(kids, func(a, b store.Child) int { return a.Path.Compare(b.Path) }))
	var hits []store.TagHit
	for after := ""; ; {
		page, next, err := s.FindByTag(ctx, store.TagQuery{Name: "conn"}, store.Page{After: after, Limit: store.MaxPageLimit})
		require.NoError(t, err)
		hits = append(hits, page...)
		if next == "" {
			break
		}
		after = next
	}
	require.Len(t, hits, 3000)
	assert.Equal(t, first[0].Path, hits[0].Path, "PUBLIC sorts before SECOND")

	// A few more, one at a time: the sorted indexes take them in.
	more := newSchema(sc2, 1503, "a")[1500:]
	for _, o := range more {
		require.NoError(t, s.Apply(ctx, add(sc2, []hierarchy.Object{o}, true)))
	}
	require.NoError(t, s.RemoveTag(ctx, store.TagRef{Object: second[3].ID, Tag: ctag}))
	_, err = s.DeleteObject(ctx, second[4].ID)
	require.NoError(t, err)
	kids, _, err = s.Children(ctx, sc2.ID, store.Page{Limit: store.MaxPageLimit})
	require.NoError(t, err)
	require.Len(t, kids, 1502)
	assert.Equal(t, more[2].Path, kids[len(kids)-1].Path)
	n := 0
	for after := ""; ; {
		page, next, err := s.FindByTag(ctx, store.TagQuery{Name: "conn"}, store.Page{After: after, Limit: store.MaxPageLimit})
		require.NoError(t, err)
		n += len(page)
		if next == "" {
			break
		}
		after = next
	}
	assert.Equal(t, 3000+3-2, n)

	// What a large change set must still refuse; each writes nothing.
	sc3 := storetest.Child(tr.Database, "THIRD")
	storetest.Add(t, s, tr.Conn.Key, tr.Database, sc3)
	objs := newSchema(sc3, 1200, "a")
	twice := slices.Clone(objs)
	twice[1100].ID = twice[3].ID
	require.ErrorIs(t, s.Apply(ctx, add(sc3, twice, true)), connections.ErrInvalidInput, "an ID given twice")
	taken := slices.Clone(objs)
	taken[900].ID = first[900].ID
	require.ErrorIs(t, s.Apply(ctx, add(sc3, taken, true)), connections.ErrAlreadyExists, "an ID taken")
	named := slices.Clone(objs)
	named[1000] = storetest.Table(sc3, objs[10].Name(), "a")
	require.ErrorIs(t, s.Apply(ctx, add(sc3, named, true)), connections.ErrAlreadyExists, "a name added twice, out of order")
	reversed := slices.Clone(objs)
	slices.Reverse(reversed)
	cs := add(sc3, reversed, true)
	cs.AddTags[700].Column = "nope"
	require.ErrorIs(t, s.Apply(ctx, cs), connections.ErrConflict, "a tag on a missing column")
	kids, _, err = s.Children(ctx, sc3.ID, store.Page{Limit: 10})
	require.NoError(t, err)
	require.Empty(t, kids, "failed change sets write nothing")

	// Out of name order, with tags out of order: stored all the same.
	cs = add(sc3, reversed, true)
	slices.Reverse(cs.AddTags)
	require.NoError(t, s.Apply(ctx, cs))
	got, err := s.Object(ctx, objs[5].ID)
	require.NoError(t, err)
	require.Equal(t, []hierarchy.Tag{ctag}, got.Tags)
}

// TestApplyChecksColumnNames checks duplicate column names however many
// columns a table has.
func TestApplyChecksColumnNames(t *testing.T) {
	s, tr := tree(t)
	for _, n := range []int{2, 10, 40, 64, 65, 200} {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("c%d", i)
		}
		ok := storetest.Table(tr.Schema, fmt.Sprintf("OK%d", n), names...)
		storetest.Add(t, s, tr.Conn.Key, tr.Schema, ok)
		for _, at := range [][2]int{{0, 1}, {0, n - 1}, {n / 2, n - 1}} {
			if at[0] == at[1] {
				continue
			}
			dup := slices.Clone(names)
			dup[at[1]] = dup[at[0]]
			bad := storetest.Table(tr.Schema, fmt.Sprintf("BAD%d", n), dup...)
			cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Schema.ID, Add: []hierarchy.Object{bad}}
			err := s.Apply(t.Context(), cs)
			require.ErrorIs(t, err, connections.ErrInvalidInput, "%d columns, %v the same", n, at)
			require.ErrorContains(t, err, fmt.Sprintf("column name %q appears twice", dup[at[0]]))
		}
	}
}
