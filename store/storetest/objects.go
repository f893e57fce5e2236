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

func objectCases() []testCase {
	return []testCase{
		{"Object/MissingGivesNotFound", testObjectMissing},
		{"Object/LookupByPath", testLookup},
		{"Object/Children_ByteOrderPagingAndCounts", testChildren},
		{"Object/Children_NoColumnsOrTags", testChildrenBare},
		{"Object/Snapshot_ActiveAndDeletedWithColumnsAndTags", testSnapshot},
		{"Object/CountDescendants", testCountDescendants},
		{"Object/B8_UpdateSettings", testUpdateSettings},
		{"Object/B9_UpdateSettingsResetDescendants", testResetDescendants},
		{"Object/B3_NamesRoundTripExactly", testNames},
	}
}

func testObjectMissing(t *testing.T, s store.Store) {
	ctx := t.Context()
	id := hierarchy.NewID()
	_, err := s.Object(ctx, id)
	require.ErrorIs(t, err, connections.ErrNotFound, "Object of an unknown ID must give ErrNotFound")
	_, _, err = s.Children(ctx, id, store.Page{})
	require.ErrorIs(t, err, connections.ErrNotFound, "Children of an unknown parent must give ErrNotFound")
	_, err = s.Snapshot(ctx, id)
	require.ErrorIs(t, err, connections.ErrNotFound, "Snapshot of an unknown parent must give ErrNotFound")
	_, err = s.CountDescendants(ctx, id)
	require.ErrorIs(t, err, connections.ErrNotFound, "CountDescendants of an unknown ID must give ErrNotFound")
	err = s.UpdateSettings(ctx, id, store.SettingsUpdate{Enable: new(hierarchy.Enable)})
	require.ErrorIs(t, err, connections.ErrNotFound, "UpdateSettings of an unknown ID must give ErrNotFound")
}

func testLookup(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "ORDERS")
	for _, o := range []hierarchy.Object{tr.Host, tr.Database, tr.Schema, tr.Tables[0]} {
		got, err := s.Lookup(ctx, o.Path)
		require.NoError(t, err, "Lookup(%s) of a stored object", o.Path)
		assert.Equal(t, o.ID, got.ID, "Lookup(%s) must return the object at that path", o.Path)
		assert.Equal(t, o.Path, got.Path, "Lookup(%s) path", o.Path)
		assert.Equal(t, o.Ancestors, got.Ancestors, "Lookup(%s) must fill Ancestors", o.Path)
	}
	got, err := s.Lookup(ctx, tr.Tables[0].Path)
	require.NoError(t, err)
	assert.Equal(t, tr.Tables[0].Columns, stripColumnTags(got.Columns), "Lookup must return the table with its columns")

	_, err = s.Lookup(ctx, tr.Schema.Path.Child("orders"))
	require.ErrorIs(t, err, connections.ErrNotFound, "Lookup must match names exactly (case too): a path that differs in case must give ErrNotFound")
	_, err = s.Lookup(ctx, hierarchy.Path{Key("nokey"), "DB"})
	require.ErrorIs(t, err, connections.ErrNotFound, "Lookup under an unknown connection must give ErrNotFound")
	for _, bad := range []hierarchy.Path{nil, {tr.Conn.Key, ""}, tr.Tables[0].Path.Child("id")} {
		_, err = s.Lookup(ctx, bad)
		require.ErrorIs(t, err, connections.ErrInvalidInput, "Lookup of %q (not one to four non-empty segments) must give ErrInvalidInput", []string(bad))
	}
}

func testChildren(t *testing.T, s store.Store) {
	ctx := t.Context()
	// Byte order: upper case before lower case, "_" between them,
	// multi-byte UTF-8 after ASCII.
	tablesIn := []string{"b", "B", "a", "_", "Z9", "a b", "ä", "A.b", "aa"}
	tr := NewTree(t, s, tablesIn...)
	want := slices.Clone(tablesIn)
	slices.Sort(want)

	// Mark one deleted: Children lists deleted children too.
	cs := tr.changes(tr.Schema, 2)
	cs.MarkDeleted = []hierarchy.ID{tr.Tables[1].ID} // "B"
	apply(t, s, cs, "mark B deleted")

	all, next, err := s.Children(ctx, tr.Schema.ID, store.Page{Limit: len(want)})
	require.NoError(t, err)
	var got []string
	for _, c := range all {
		got = append(got, c.Name())
	}
	assert.Equal(t, want, got, "Children must list every direct child, active or deleted, ordered by name in byte order")
	assert.Empty(t, next, "Children must return cursor \"\" when the page holds the last child")
	for _, c := range all {
		if c.Name() == "B" {
			assert.Equal(t, hierarchy.DeletedRemotely, c.State, "Children must report a deleted child's State")
		}
	}

	// Page through three at a time.
	var paged []string
	after := ""
	for range len(want) {
		page, next, err := s.Children(ctx, tr.Schema.ID, store.Page{After: after, Limit: 3})
		require.NoError(t, err)
		assert.LessOrEqual(t, len(page), 3, "Children must return at most page.Size() children")
		for _, c := range page {
			paged = append(paged, c.Name())
		}
		if next == "" {
			break
		}
		assert.Equal(t, page[len(page)-1].Name(), next, "the Children cursor is the name of the last child returned")
		after = next
	}
	assert.Equal(t, want, paged, "paging Children with the returned cursor must list every child once, in order")

	page, next, err := s.Children(ctx, tr.Schema.ID, store.Page{After: "a", Limit: 2})
	require.NoError(t, err)
	assert.Equal(t, []string{"a b", "aa"}, []string{page[0].Name(), page[1].Name()}, "Children must start after the name page.After")
	assert.Equal(t, "aa", next)
	page, next, err = s.Children(ctx, tr.Schema.ID, store.Page{After: "\U0010FFFF"})
	require.NoError(t, err)
	assert.Empty(t, page, "Children after the last name must be empty")
	assert.Empty(t, next, "Children after the last name must return cursor \"\"")

	// Counts.
	dbs, _, err := s.Children(ctx, tr.Host.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, dbs, 1)
	assert.Equal(t, int64(1), dbs[0].Children, "Child.Children counts direct children (the database has one schema)")
	assert.Equal(t, int64(1+len(want)), dbs[0].Descendants, "Child.Descendants counts every object below, active or deleted")
	schemas, _, err := s.Children(ctx, tr.Database.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, schemas, 1)
	assert.Equal(t, int64(len(want)), schemas[0].Children, "Child.Children of the schema")
	assert.Equal(t, int64(len(want)), schemas[0].Descendants, "Child.Descendants of the schema")
	for _, c := range all {
		assert.Zero(t, c.Children, "a table has no children")
		assert.Zero(t, c.Descendants, "a table has no descendants (columns do not count)")
	}

	none, next, err := s.Children(ctx, tr.Tables[0].ID, store.Page{})
	require.NoError(t, err, "Children of a table is not an error")
	assert.Empty(t, none, "a table has no children")
	assert.Empty(t, next)
}

func testChildrenBare(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	cs := tr.changes(tr.Schema, 1)
	cs.AddTags = []store.TagRef{
		{Object: tr.Tables[0].ID, Tag: hierarchy.Tag{Name: "pii"}},
		{Object: tr.Tables[0].ID, Column: "id", Tag: hierarchy.Tag{Name: "key"}},
	}
	apply(t, s, cs, "tags")
	kids, _, err := s.Children(ctx, tr.Schema.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, kids, 1)
	c := kids[0]
	assert.Empty(t, c.Columns, "Children must not fill Columns")
	assert.Empty(t, c.Tags, "Children must not fill Tags")
	assert.Equal(t, tr.Tables[0].ID, c.ID, "Child ID")
	assert.Equal(t, tr.Tables[0].Path, c.Path, "Child Path")
	assert.Equal(t, tr.Tables[0].Ancestors, c.Ancestors, "Child Ancestors")
	assert.Equal(t, tr.Tables[0].Type, c.Type, "Child Type")
}

func testSnapshot(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T2", "T1", "T3")
	cs := tr.changes(tr.Schema, 1)
	cs.MarkDeleted = []hierarchy.ID{tr.Tables[0].ID}
	cs.AddTags = []store.TagRef{
		{Object: tr.Tables[1].ID, Tag: hierarchy.Tag{Name: "pii", Value: "yes", Source: hierarchy.TagPlatform}},
		{Object: tr.Tables[1].ID, Column: "name", Tag: hierarchy.Tag{Name: hierarchy.NewTagName, Source: hierarchy.TagNew}},
		{Object: tr.Tables[0].ID, Column: "id", Tag: hierarchy.Tag{Name: "key"}},
	}
	apply(t, s, cs, "mark T2 deleted, tag T1 and T2")

	snap, err := s.Snapshot(ctx, tr.Schema.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"T1", "T2", "T3"}, names(snap), "Snapshot must return every child, active or deleted, ordered by name")
	t1, t2 := snap[0], snap[1]
	assert.Equal(t, hierarchy.DeletedRemotely, t2.State, "Snapshot must include deleted children with their State")
	assertTime(t, tm(1), t2.DeletedAt, "Snapshot: DeletedAt of a deleted child")
	assert.Equal(t, tr.Tables[1].Columns, stripColumnTags(t1.Columns), "Snapshot must return columns")
	assert.Equal(t, []hierarchy.Tag{{Name: "pii", Value: "yes", Source: hierarchy.TagPlatform}}, t1.Tags, "Snapshot must return the object's tags")
	assert.Equal(t, []hierarchy.Tag{{Name: hierarchy.NewTagName, Source: hierarchy.TagNew}}, column(t, t1, "name").Tags, "Snapshot must return column tags")
	assert.Equal(t, []hierarchy.Tag{{Name: "key"}}, column(t, t2, "id").Tags, "Snapshot must return column tags of deleted children")
	assert.Empty(t, column(t, t1, "id").Tags, "an untagged column has no tags")
	for i, o := range snap {
		assert.Equal(t, norm(object(t, s, o.ID)), norm(o), "Snapshot[%d] must equal Object of the same ID", i)
	}

	none, err := s.Snapshot(ctx, tr.Tables[0].ID)
	require.NoError(t, err, "Snapshot of a table is not an error")
	assert.Empty(t, none, "a table has no children")
}

func stripColumnTags(cols []hierarchy.Column) []hierarchy.Column {
	out := slices.Clone(cols)
	for i := range out {
		out[i].Tags = nil
	}
	return out
}

func testCountDescendants(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "A", "B", "C")
	other := Child(tr.Database, "OTHER")
	Add(t, s, tr.Conn.Key, tr.Database, other)
	Add(t, s, tr.Conn.Key, other, Table(other, "X"))
	cs := tr.changes(tr.Schema, 1)
	cs.MarkDeleted = []hierarchy.ID{tr.Tables[0].ID}
	apply(t, s, cs, "mark A deleted")

	for _, c := range []struct {
		o    hierarchy.Object
		want int64
	}{{tr.Host, 7}, {tr.Database, 6}, {tr.Schema, 3}, {other, 1}, {tr.Tables[0], 0}} {
		n, err := s.CountDescendants(ctx, c.o.ID)
		require.NoError(t, err)
		assert.Equal(t, c.want, n, "CountDescendants(%s) must count every object below it, active or deleted, not columns", c.o.Path)
	}
}

func testUpdateSettings(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	before := object(t, s, tr.Schema.ID)

	err := s.UpdateSettings(ctx, tr.Schema.ID, store.SettingsUpdate{Enable: new(hierarchy.Enable)})
	require.NoError(t, err)
	got := object(t, s, tr.Schema.ID)
	assert.Equal(t, hierarchy.Enable, got.Enable, "B8: UpdateSettings must set Enable")
	assert.Equal(t, before.NewChildren, got.NewChildren, "UpdateSettings must leave a nil NewChildren as it is")

	err = s.UpdateSettings(ctx, tr.Schema.ID, store.SettingsUpdate{NewChildren: new(hierarchy.Disable)})
	require.NoError(t, err)
	got = object(t, s, tr.Schema.ID)
	assert.Equal(t, hierarchy.Disable, got.NewChildren, "B8: UpdateSettings must set NewChildren")
	assert.Equal(t, hierarchy.Enable, got.Enable, "UpdateSettings must leave a nil Enable as it is")
	assert.Equal(t, hierarchy.Inherit, object(t, s, tr.Tables[0].ID).Enable, "UpdateSettings without ResetDescendants must not touch children")

	err = s.UpdateSettings(ctx, tr.Schema.ID, store.SettingsUpdate{Enable: new(hierarchy.Setting(9))})
	require.ErrorIs(t, err, connections.ErrInvalidInput, "UpdateSettings with a setting that is not inherit, enable or disable must give ErrInvalidInput")
	assert.Equal(t, hierarchy.Enable, object(t, s, tr.Schema.ID).Enable, "a failed UpdateSettings must write nothing")
}

func testResetDescendants(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T1", "T2")
	require.NoError(t, s.UpdateSettings(ctx, tr.Schema.ID, store.SettingsUpdate{Enable: new(hierarchy.Disable), NewChildren: new(hierarchy.Enable)}))
	require.NoError(t, s.UpdateSettings(ctx, tr.Tables[0].ID, store.SettingsUpdate{Enable: new(hierarchy.Enable)}))
	require.NoError(t, s.UpdateSettings(ctx, tr.Tables[1].ID, store.SettingsUpdate{Enable: new(hierarchy.Disable)}))

	err := s.UpdateSettings(ctx, tr.Database.ID, store.SettingsUpdate{Enable: new(hierarchy.Enable), ResetDescendants: true})
	require.NoError(t, err)
	const rule = "B9: UpdateSettings with ResetDescendants must set the own Enable of every object below to Inherit"
	assert.Equal(t, hierarchy.Enable, object(t, s, tr.Database.ID).Enable, rule+", and set the object's own")
	schema := object(t, s, tr.Schema.ID)
	assert.Equal(t, hierarchy.Inherit, schema.Enable, rule+" (schema)")
	assert.Equal(t, hierarchy.Enable, schema.NewChildren, rule+", leaving NewChildren as it is")
	for _, tb := range tr.Tables {
		assert.Equal(t, hierarchy.Inherit, object(t, s, tb.ID).Enable, rule+" (table %s)", tb.Name())
	}
	assert.Equal(t, hierarchy.Inherit, object(t, s, tr.Host.ID).Enable, "ResetDescendants must not touch ancestors")
}

func testNames(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s)
	db := Child(tr.Host, "my.db")
	schema := Child(db, `a\b "Quoted" Mixed Case`)
	tableNames := []string{"ÄÖü 表", "with space", `dot.and\back`, "Orders", "orders", "'single'", `\.`, "..."}
	colNames := []string{"Col.One", `back\slash`, "spa ce", "ÜNÏ", `"q"`}
	Add(t, s, tr.Conn.Key, tr.Host, db)
	Add(t, s, tr.Conn.Key, db, schema)
	var tables []hierarchy.Object
	for _, n := range tableNames {
		tables = append(tables, Table(schema, n, colNames...))
	}
	Add(t, s, tr.Conn.Key, schema, tables...)

	const rule = "B3: names must round-trip exactly (periods, backslashes, quotes, spaces, case, unicode)"
	for _, o := range append([]hierarchy.Object{db, schema}, tables...) {
		got, err := s.Lookup(ctx, o.Path)
		require.NoError(t, err, "%s: Lookup(%q)", rule, []string(o.Path))
		assert.Equal(t, o.ID, got.ID, "%s: Lookup(%q)", rule, []string(o.Path))
		assert.Equal(t, o.Path, got.Path, rule)
		assert.Equal(t, o.Path, object(t, s, o.ID).Path, rule)
	}
	got := object(t, s, tables[0].ID)
	var cols []string
	for _, c := range got.Columns {
		cols = append(cols, c.Name)
	}
	assert.Equal(t, colNames, cols, rule+": column names")
	snap, err := s.Snapshot(ctx, schema.ID)
	require.NoError(t, err)
	want := slices.Clone(tableNames)
	slices.Sort(want)
	assert.Equal(t, want, names(snap), rule+": Snapshot names, in byte order")

	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: tables[2].ID, Column: `back\slash`, Tag: hierarchy.Tag{Name: "a.b c", Value: `v\.`}}))
	hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: "a.b c", Connection: tr.Conn.Key}, store.Page{})
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.Equal(t, tables[2].Path, hits[0].Path, rule+": TagHit.Path")
	assert.Equal(t, `back\slash`, hits[0].Column, rule+": TagHit.Column")
	assert.Equal(t, `v\.`, hits[0].Tag.Value, rule+": tag value")
}
