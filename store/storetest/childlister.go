package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

func childListerCases() []testCase {
	return []testCase{
		{"ChildLister/SummariesMatchChildren", testChildSummaries},
	}
}

func childLister(t *testing.T, s store.Store) store.ChildLister {
	t.Helper()
	l, ok := s.(store.ChildLister)
	if !ok {
		t.Skip("the store does not implement store.ChildLister")
	}
	return l
}

func testChildSummaries(t *testing.T, s store.Store) {
	l := childLister(t, s)
	ctx := t.Context()
	tr := NewTree(t, s, "b", "B", "a", "_", "ä", "A.b")
	// A deleted child, a fingerprint, a view, tags and columns.
	cs := tr.changes(tr.Schema, 1)
	cs.MarkDeleted = []hierarchy.ID{tr.Tables[1].ID} // "B"
	v := Table(tr.Schema, "v", "x")
	v.Type, v.Fingerprint = hierarchy.TypeView, 12345
	cs.Add = []hierarchy.Object{v}
	cs.AddTags = []store.TagRef{{Object: tr.Tables[0].ID, Column: "id", Tag: hierarchy.Tag{Name: "pii"}}}
	apply(t, s, cs, "mark B deleted, add a view, tag b")

	for _, parent := range []hierarchy.Object{tr.Host, tr.Database, tr.Schema, tr.Tables[0]} {
		kids, next, err := s.Children(ctx, parent.ID, store.Page{Limit: store.MaxPageLimit})
		require.NoError(t, err)
		require.Empty(t, next)
		want := []store.ChildSummary{}
		for _, c := range kids {
			want = append(want, store.ChildSummary{ID: c.ID, Name: c.Name(), Type: c.Type, State: c.State, Fingerprint: c.Fingerprint})
		}
		got, err := l.ChildSummaries(ctx, parent.ID)
		require.NoError(t, err, "ChildSummaries of %s", parent.Path)
		if got == nil {
			got = []store.ChildSummary{}
		}
		assert.Equal(t, want, got, "ChildSummaries of %s must list what Children lists, in the same order", parent.Path)
	}
	got, err := l.ChildSummaries(ctx, tr.Schema.ID)
	require.NoError(t, err)
	require.Len(t, got, 7)
	// Byte order: "A.b", "B", "_", "a", "b", "v", "ä".
	assert.Equal(t, "B", got[1].Name)
	assert.Equal(t, hierarchy.DeletedRemotely, got[1].State, "ChildSummaries must list deleted children with their State")
	assert.Equal(t, store.ChildSummary{ID: v.ID, Name: "v", Type: hierarchy.TypeView, State: hierarchy.Active, Fingerprint: 12345}, got[5],
		"ChildSummaries must give each child's ID, name, type, state and fingerprint")

	_, err = l.ChildSummaries(ctx, hierarchy.NewID())
	require.ErrorIs(t, err, connections.ErrNotFound, "ChildSummaries of an unknown parent must give ErrNotFound")
}
