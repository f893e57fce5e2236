package storetest

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

func tagCases() []testCase {
	return []testCase{
		{"Tag/AddAndRemove", testTagAddRemove},
		{"Tag/MissingTargetGivesNotFound", testTagMissingTarget},
		{"Tag/FindByTag_Filters", testFindByTagFilters},
		{"Tag/FindByTag_PathOrderAndPaging", testFindByTagPaging},
	}
}

func testTagAddRemove(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	tb := tr.Tables[0]
	pii := hierarchy.Tag{Name: "pii", Value: "high"}
	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: tb.ID, Tag: pii}), "AddTag on an object")
	err := s.AddTag(ctx, store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "pii", Value: "low"}})
	require.ErrorIs(t, err, connections.ErrAlreadyExists, "AddTag of a tag that is there (same source and name, whatever the value) must give ErrAlreadyExists")
	platform := hierarchy.Tag{Name: "pii", Source: hierarchy.TagPlatform}
	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: tb.ID, Tag: platform}), "a tag is identified by source and name: the same name from another source is another tag")
	colTag := hierarchy.Tag{Name: "pii", Source: hierarchy.TagUser}
	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: tb.ID, Column: "name", Tag: colTag}), "AddTag on a column")

	got := object(t, s, tb.ID)
	assert.ElementsMatch(t, []hierarchy.Tag{pii, platform}, got.Tags, "Object must return the object's tags (value kept)")
	assert.Equal(t, []hierarchy.Tag{colTag}, column(t, got, "name").Tags, "Object must return column tags on their column")
	assert.Empty(t, column(t, got, "id").Tags, "a column tag must not show on other columns")

	require.NoError(t, s.RemoveTag(ctx, store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "pii"}}), "RemoveTag matches by object, column, source and name (not value)")
	got = object(t, s, tb.ID)
	assert.Equal(t, []hierarchy.Tag{platform}, got.Tags, "RemoveTag must remove only the matching tag")
	assert.Len(t, column(t, got, "name").Tags, 1, "RemoveTag of an object tag must not remove column tags of the same name")

	err = s.RemoveTag(ctx, store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "pii"}})
	require.ErrorIs(t, err, connections.ErrNotFound, "RemoveTag of a tag that is not there must give ErrNotFound")
	err = s.RemoveTag(ctx, store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "pii", Source: hierarchy.TagSystem}})
	require.ErrorIs(t, err, connections.ErrNotFound, "RemoveTag must match the source")
	err = s.RemoveTag(ctx, store.TagRef{Object: tb.ID, Column: "id", Tag: colTag})
	require.ErrorIs(t, err, connections.ErrNotFound, "RemoveTag must match the column")
	require.NoError(t, s.RemoveTag(ctx, store.TagRef{Object: tb.ID, Column: "name", Tag: colTag}))
	assert.Empty(t, column(t, object(t, s, tb.ID), "name").Tags, "RemoveTag of a column tag")
}

func testTagMissingTarget(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	err := s.AddTag(ctx, store.TagRef{Object: hierarchy.NewID(), Tag: hierarchy.Tag{Name: "x"}})
	require.ErrorIs(t, err, connections.ErrNotFound, "AddTag on an unknown object must give ErrNotFound")
	err = s.AddTag(ctx, store.TagRef{Object: tr.Tables[0].ID, Column: "no_such_column", Tag: hierarchy.Tag{Name: "x"}})
	require.ErrorIs(t, err, connections.ErrNotFound, "AddTag on a column the table does not have must give ErrNotFound")
	err = s.RemoveTag(ctx, store.TagRef{Object: hierarchy.NewID(), Tag: hierarchy.Tag{Name: "x"}})
	require.ErrorIs(t, err, connections.ErrNotFound, "RemoveTag on an unknown object must give ErrNotFound")
	assert.Empty(t, object(t, s, tr.Tables[0].ID).Tags, "a failed AddTag must write nothing")
}

// taggedTrees builds two connections with tags named name:
//
//	a: schema (user v1), T1 (user v1, platform v2), T1.id (platform v2), T2.name (new)
//	b: T1 (user v1)
func taggedTrees(t *testing.T, s store.Store, name string) (a, b *Tree) {
	a = NewTree(t, s, "T1", "T2")
	b = NewTree(t, s, "T1")
	ctx := t.Context()
	for _, r := range []store.TagRef{
		{Object: a.Schema.ID, Tag: hierarchy.Tag{Name: name, Value: "v1"}},
		{Object: a.Tables[0].ID, Tag: hierarchy.Tag{Name: name, Value: "v1"}},
		{Object: a.Tables[0].ID, Tag: hierarchy.Tag{Name: name, Value: "v2", Source: hierarchy.TagPlatform}},
		{Object: a.Tables[0].ID, Column: "id", Tag: hierarchy.Tag{Name: name, Value: "v2", Source: hierarchy.TagPlatform}},
		{Object: a.Tables[1].ID, Column: "name", Tag: hierarchy.Tag{Name: name, Source: hierarchy.TagNew}},
		{Object: b.Tables[0].ID, Tag: hierarchy.Tag{Name: name, Value: "v1"}},
		{Object: b.Tables[0].ID, Tag: hierarchy.Tag{Name: "other-" + name, Value: "v1"}},
	} {
		require.NoError(t, s.AddTag(ctx, r))
	}
	return a, b
}

func hitKeys(hits []store.TagHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Path.String() + "|" + h.Column + "|" + h.Tag.Source.String() + "|" + h.Tag.Value
	}
	return out
}

func testFindByTagFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	name := Key("find")
	a, b := taggedTrees(t, s, name)
	find := func(q store.TagQuery) []string {
		t.Helper()
		q.Name = name
		hits, next, err := s.FindByTag(ctx, q, store.Page{Limit: store.MaxPageLimit})
		require.NoError(t, err)
		assert.Empty(t, next, "FindByTag must return cursor \"\" with the last page")
		for _, h := range hits {
			assert.Equal(t, name, h.Tag.Name, "TagHit.Tag.Name")
			o := object(t, s, h.Object)
			assert.Equal(t, o.Path, h.Path, "TagHit.Path must be the path of the object (TagHit.Object)")
		}
		return hitKeys(hits)
	}
	t1a, t2a := a.Tables[0].Path.String(), a.Tables[1].Path.String()
	all := find(store.TagQuery{})
	assert.ElementsMatch(t, []string{
		a.Schema.Path.String() + "||user|v1",
		t1a + "||user|v1",
		t1a + "||platform|v2",
		t1a + "|id|platform|v2",
		t2a + "|name|new|",
		b.Tables[0].Path.String() + "||user|v1",
	}, all, "FindByTag by name must find every object and column with a tag of that name")

	platform := hierarchy.TagPlatform
	assert.ElementsMatch(t, []string{t1a + "||platform|v2", t1a + "|id|platform|v2"},
		find(store.TagQuery{Source: &platform}), "FindByTag must filter by Source")
	assert.ElementsMatch(t, []string{t1a + "||platform|v2", t1a + "|id|platform|v2"},
		find(store.TagQuery{Value: "v2"}), "FindByTag must filter by Value")
	assert.Equal(t, []string{b.Tables[0].Path.String() + "||user|v1"},
		find(store.TagQuery{Connection: b.Conn.Key}), "FindByTag must filter by Connection")
	user := hierarchy.TagUser
	assert.ElementsMatch(t, []string{a.Schema.Path.String() + "||user|v1", t1a + "||user|v1"},
		find(store.TagQuery{Connection: a.Conn.Key, Value: "v1", Source: &user}), "FindByTag must combine filters")
	assert.Empty(t, find(store.TagQuery{Value: "nope"}), "FindByTag with a value nothing has finds nothing")

	hits, next, err := s.FindByTag(ctx, store.TagQuery{Name: Key("never")}, store.Page{})
	require.NoError(t, err, "FindByTag of an unused name is not an error")
	assert.Empty(t, hits)
	assert.Empty(t, next)
}

func testFindByTagPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	name := Key("page")
	taggedTrees(t, s, name)
	taggedTrees(t, s, name) // more connections, to page across them

	all, next, err := s.FindByTag(ctx, store.TagQuery{Name: name}, store.Page{Limit: store.MaxPageLimit})
	require.NoError(t, err)
	require.Len(t, all, 12)
	require.Empty(t, next)
	// Path order: by path segments, then column ("" - the object itself -
	// first). Hits that differ only by source may come in any order.
	pathKey := func(h store.TagHit) []string {
		p := slices.Clone([]string(h.Path))
		return append(p, h.Column)
	}
	assert.True(t, slices.IsSortedFunc(all, func(x, y store.TagHit) int { return slices.Compare(pathKey(x), pathKey(y)) }),
		"FindByTag must return hits in path order, got %v", hitKeys(all))

	for _, limit := range []int{1, 2, 5} {
		var paged []store.TagHit
		after := ""
		for range len(all) + 1 {
			page, next, err := s.FindByTag(ctx, store.TagQuery{Name: name}, store.Page{After: after, Limit: limit})
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), limit, "FindByTag must return at most page.Size() hits")
			paged = append(paged, page...)
			if next == "" {
				break
			}
			require.NotEmpty(t, page, "FindByTag must not return a cursor with an empty page")
			after = next
		}
		assert.Equal(t, hitKeys(all), hitKeys(paged), "paging FindByTag (limit %d) with the returned cursors must return every hit once, in the same order", limit)
	}

	page, next, err := s.FindByTag(ctx, store.TagQuery{Name: name}, store.Page{Limit: len(all)})
	require.NoError(t, err)
	assert.Len(t, page, len(all))
	assert.Empty(t, next, "FindByTag must return cursor \"\" when the page holds the last hit")

	// The cursor is a position, not a hit: it survives the removal of the
	// hit it points after.
	first, next, err := s.FindByTag(ctx, store.TagQuery{Name: name}, store.Page{Limit: 3})
	require.NoError(t, err)
	last := first[2]
	require.NoError(t, s.RemoveTag(ctx, store.TagRef{Object: last.Object, Column: last.Column, Tag: last.Tag}))
	rest, _, err := s.FindByTag(ctx, store.TagQuery{Name: name}, store.Page{After: next, Limit: store.MaxPageLimit})
	require.NoError(t, err)
	assert.Equal(t, hitKeys(all[3:]), hitKeys(rest), "a FindByTag cursor must stay valid when the last hit it returned is removed")
}
