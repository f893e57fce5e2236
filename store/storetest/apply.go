package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

func applyCases() []testCase {
	return []testCase{
		{"Apply/AddThenRead", testApplyAdd},
		{"Apply/ColumnsOrderedByPosition", testColumnsOrdered},
		{"Apply/AddTakenNameGivesAlreadyExists", testApplyTakenName},
		{"Apply/AddNotDirectlyUnderContainerGivesInvalidInput", testApplyAddNotUnder},
		{"Apply/NotAChildGivesConflict", testApplyNotChild},
		{"Apply/IsAtomic", testApplyAtomic},
		{"Apply/MarkDeletedCascades", testMarkDeletedCascades},
		{"Apply/MarkDeletedClearsFingerprints", testMarkDeletedClearsFingerprints},
		{"Apply/B12_ReactivationKeepsSettingsGrantsTags", testReactivation},
		{"Apply/UpdateReplacesOnlyItsFields", testApplyUpdate},
		{"Apply/B13_UpdateRemovingColumnRemovesItsTags", testUpdateRemovesColumnTags},
		{"Apply/TagsAndRequests", testApplyTags},
		{"Apply/Fingerprint", testFingerprint},
		{"Apply/ChildFingerprints", testChildFingerprints},
	}
}

func testApplyAdd(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s)
	view := Table(tr.Schema, "V_ORDERS")
	view.Type, view.Comment = hierarchy.TypeView, "orders, by day"
	view.Enable, view.NewChildren = hierarchy.Enable, hierarchy.Disable
	view.Columns = []hierarchy.Column{
		{Name: "ID", Type: "NUMBER(38,0)", Position: 1},
		{Name: "Day", Type: "DATE", Position: 2, Nullable: true, Comment: "the day"},
		{Name: "total", Type: "NUMBER(12,2)", Position: 3, Nullable: true},
	}
	view.CreatedAt, view.UpdatedAt = tm(1), tm(1)
	gone := Table(tr.Schema, "OLD", "a")
	gone.State, gone.DeletedAt = hierarchy.DeletedRemotely, tm(1)
	gone.CreatedAt, gone.UpdatedAt = tm(1), tm(1)

	cs := tr.changes(tr.Schema, 1)
	cs.Add = []hierarchy.Object{view, gone}
	apply(t, s, cs, "add two tables")

	for _, want := range []hierarchy.Object{view, gone} {
		got := object(t, s, want.ID)
		assert.Equal(t, norm(want), norm(got), "Object must return the added object as given (with Type, Comment, State, settings, columns and times)")
		byPath, err := s.Lookup(ctx, want.Path)
		require.NoError(t, err, "Lookup of an added object")
		assert.Equal(t, norm(got), norm(byPath), "Lookup must return what Object returns")
	}
	kids, err := s.Snapshot(ctx, tr.Schema.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"OLD", "V_ORDERS"}, names(kids), "added objects must be children of the container")
}

func testColumnsOrdered(t *testing.T, s store.Store) {
	tr := NewTree(t, s)
	u := Key("c") // names no store has seen
	tb := Table(tr.Schema, "T")
	tb.Columns = []hierarchy.Column{
		{Name: u + "_3", Type: u + "_t3", Position: 3, Comment: u + "_c3"},
		{Name: u + "_1", Type: u + "_t1", Position: 1, Nullable: true},
		{Name: u + "_2", Type: "INT", Position: 2, Comment: u + "_c2"},
	}
	cs := tr.changes(tr.Schema, 1)
	cs.Add = []hierarchy.Object{tb}
	apply(t, s, cs, "add a table with columns out of order")
	want := []hierarchy.Column{tb.Columns[1], tb.Columns[2], tb.Columns[0]}
	assert.Equal(t, want, stripColumnTags(object(t, s, tb.ID).Columns), "Columns must be returned ordered by Position, each with its own fields")

	up := tb
	up.Columns = []hierarchy.Column{want[2], want[0]}
	up.Columns[0].Position, up.Columns[1].Position = 2, 1
	cs = tr.changes(tr.Schema, 2)
	cs.Update = []hierarchy.Object{up}
	apply(t, s, cs, "update with columns out of order")
	assert.Equal(t, []hierarchy.Column{up.Columns[1], up.Columns[0]}, stripColumnTags(object(t, s, tb.ID).Columns), "Update: Columns must be returned ordered by Position")
}

func testApplyTakenName(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T", "GONE")
	cs := tr.changes(tr.Schema, 1)
	cs.MarkDeleted = []hierarchy.ID{tr.Tables[1].ID}
	apply(t, s, cs, "mark GONE deleted")

	for _, name := range []string{"T", "GONE"} {
		cs := tr.changes(tr.Schema, 2)
		cs.Add = []hierarchy.Object{Table(tr.Schema, name, "x")}
		err := s.Apply(ctx, cs)
		require.ErrorIs(t, err, connections.ErrAlreadyExists, "Apply adding name %q, taken under the container (deleted or not), must give ErrAlreadyExists", name)
	}
	cs = tr.changes(tr.Schema, 2)
	cs.Add = []hierarchy.Object{Table(tr.Schema, "NEW", "x"), Table(tr.Schema, "NEW", "y")}
	err := s.Apply(ctx, cs)
	require.ErrorIs(t, err, connections.ErrAlreadyExists, "Apply adding one name twice must give ErrAlreadyExists")
	_, err = s.Lookup(ctx, tr.Schema.Path.Child("NEW"))
	require.ErrorIs(t, err, connections.ErrNotFound, "a failed Apply must write nothing")
}

func testApplyAddNotUnder(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s)
	other := Child(tr.Database, "OTHER")
	Add(t, s, tr.Conn.Key, tr.Database, other)

	wrongPath := Table(other, "T") // path under OTHER, applied to PUBLIC
	wrongPath.Ancestors = tr.Schema.ChildAncestors()
	wrongAncestors := Table(tr.Schema, "T")
	wrongAncestors.Ancestors = other.ChildAncestors()
	tooDeep := Table(tr.Schema, "T")
	tooDeep.Path = tr.Schema.Path.Child("T").Child("U")
	noID := Table(tr.Schema, "T")
	noID.ID = hierarchy.ID{}
	for name, o := range map[string]hierarchy.Object{
		"Path under another container":   wrongPath,
		"Ancestors of another container": wrongAncestors,
		"Path two levels down":           tooDeep,
		"zero ID":                        noID,
	} {
		cs := tr.changes(tr.Schema, 1)
		cs.Add = []hierarchy.Object{o}
		err := s.Apply(ctx, cs)
		require.ErrorIs(t, err, connections.ErrInvalidInput, "Apply adding an object with %s must give ErrInvalidInput", name)
	}
	kids, err := s.Snapshot(ctx, tr.Schema.ID)
	require.NoError(t, err)
	assert.Empty(t, kids, "a failed Apply must write nothing")
	kids, err = s.Snapshot(ctx, other.ID)
	require.NoError(t, err)
	assert.Empty(t, kids, "a failed Apply must write nothing")
}

func testApplyNotChild(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	other := Child(tr.Database, "OTHER")
	Add(t, s, tr.Conn.Key, tr.Database, other)
	x := Table(other, "X", "a")
	Add(t, s, tr.Conn.Key, other, x)

	cs := tr.changes(tr.Schema, 1)
	cs.Update = []hierarchy.Object{x}
	require.ErrorIs(t, s.Apply(ctx, cs), connections.ErrConflict, "Apply updating an object that is not a child of the container must give ErrConflict")

	cs = tr.changes(tr.Schema, 1)
	cs.Update = []hierarchy.Object{Table(tr.Schema, "NEVER_STORED", "a")}
	require.ErrorIs(t, s.Apply(ctx, cs), connections.ErrConflict, "Apply updating an object that does not exist must give ErrConflict")

	cs = tr.changes(tr.Schema, 1)
	cs.MarkDeleted = []hierarchy.ID{x.ID}
	require.ErrorIs(t, s.Apply(ctx, cs), connections.ErrConflict, "Apply marking deleted an object that is not a child of the container must give ErrConflict")

	cs = tr.changes(tr.Schema, 1)
	cs.MarkDeleted = []hierarchy.ID{tr.Schema.ID}
	require.ErrorIs(t, s.Apply(ctx, cs), connections.ErrConflict, "Apply marking the container itself deleted must give ErrConflict")

	n, err := s.DeleteObject(ctx, tr.Tables[0].ID)
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	cs = tr.changes(tr.Schema, 1)
	cs.Update = []hierarchy.Object{tr.Tables[0]}
	require.ErrorIs(t, s.Apply(ctx, cs), connections.ErrConflict, "Apply updating an object deleted since (it no longer exists) must give ErrConflict")

	gone := Child(tr.Database, "GONE")
	Add(t, s, tr.Conn.Key, tr.Database, gone)
	_, err = s.DeleteObject(ctx, gone.ID)
	require.NoError(t, err)
	cs = tr.changes(gone, 1)
	cs.Add = []hierarchy.Object{Table(gone, "T")}
	require.ErrorIs(t, s.Apply(ctx, cs), connections.ErrConflict, "Apply under a container that no longer exists must give ErrConflict")

	assert.Equal(t, hierarchy.Active, object(t, s, x.ID).State, "a failed Apply must write nothing")
}

// testApplyAtomic applies change sets that would add, update, mark
// deleted, tag, untag, raise a request and record a fingerprint, each with
// one bad element, and checks that none of it is visible afterwards.
func testApplyAtomic(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "A", "B")
	a, b := tr.Tables[0], tr.Tables[1]
	other := Child(tr.Database, "OTHER")
	Add(t, s, tr.Conn.Key, tr.Database, other)
	x := Table(other, "X", "a")
	Add(t, s, tr.Conn.Key, other, x)
	tag := Key("atomic")
	cs := tr.changes(tr.Schema, 1)
	cs.AddTags = []store.TagRef{{Object: b.ID, Tag: hierarchy.Tag{Name: tag, Value: "before"}}}
	cs.Fingerprint = 11
	apply(t, s, cs, "setup")

	snapBefore, err := s.Snapshot(ctx, tr.Schema.ID)
	require.NoError(t, err)
	schemaBefore := object(t, s, tr.Schema.ID)
	countBefore, err := s.CountDescendants(ctx, tr.Host.ID)
	require.NoError(t, err)

	bad := map[string]struct {
		spoil func(cs *store.ChangeSet)
		want  error
	}{
		"Add of a taken name": {func(cs *store.ChangeSet) {
			cs.Add = append(cs.Add, Table(tr.Schema, "A", "z"))
		}, connections.ErrAlreadyExists},
		"Update of a non-child": {func(cs *store.ChangeSet) {
			cs.Update = append(cs.Update, x)
		}, connections.ErrConflict},
		"MarkDeleted of a non-child": {func(cs *store.ChangeSet) {
			cs.MarkDeleted = append(cs.MarkDeleted, x.ID)
		}, connections.ErrConflict},
	}
	for what, c := range bad {
		newT := Table(tr.Schema, "NEW", "c1")
		upA := a
		upA.Type, upA.Comment = hierarchy.TypeView, "changed"
		upA.Columns = Columns("id", "name", "added")
		req := newRequest(tr, a, "added", 2)
		cs := tr.changes(tr.Schema, 2)
		cs.Add = []hierarchy.Object{newT}
		cs.Update = []hierarchy.Object{upA}
		cs.MarkDeleted = []hierarchy.ID{b.ID}
		cs.AddTags = []store.TagRef{
			{Object: newT.ID, Tag: hierarchy.Tag{Name: tag}},
			{Object: a.ID, Column: "added", Tag: hierarchy.Tag{Name: hierarchy.NewTagName, Source: hierarchy.TagNew}},
		}
		cs.RemoveTags = []store.TagRef{{Object: b.ID, Tag: hierarchy.Tag{Name: tag}}}
		cs.Requests = []store.Request{req}
		cs.Fingerprint = 22
		c.spoil(cs)

		err := s.Apply(ctx, cs)
		require.ErrorIs(t, err, c.want, "Apply with one bad element (%s) must fail with the documented sentinel", what)

		rule := "Apply must be atomic: after a failure (" + what + ") nothing of the change set is visible"
		snap, err := s.Snapshot(ctx, tr.Schema.ID)
		require.NoError(t, err)
		assert.Equal(t, normAll(snapBefore), normAll(snap), rule+": children, their columns, states and tags")
		assert.Equal(t, schemaBefore.Fingerprint, object(t, s, tr.Schema.ID).Fingerprint, rule+": fingerprint")
		_, err = s.Lookup(ctx, newT.Path)
		require.ErrorIs(t, err, connections.ErrNotFound, rule+": added object")
		_, err = s.Object(ctx, newT.ID)
		require.ErrorIs(t, err, connections.ErrNotFound, rule+": added object")
		_, err = s.Request(ctx, req.ID)
		require.ErrorIs(t, err, connections.ErrNotFound, rule+": request")
		hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: tag}, store.Page{})
		require.NoError(t, err)
		require.Len(t, hits, 1, rule+": tags")
		assert.Equal(t, b.ID, hits[0].Object, rule+": tags")
		count, err := s.CountDescendants(ctx, tr.Host.ID)
		require.NoError(t, err)
		assert.Equal(t, countBefore, count, rule+": descendant counts")
		assert.Equal(t, hierarchy.Active, object(t, s, x.ID).State, rule+": the other container's child")
	}
}

func testMarkDeletedCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T1", "T2")
	cs := tr.changes(tr.Schema, 1)
	cs.MarkDeleted = []hierarchy.ID{tr.Tables[1].ID}
	apply(t, s, cs, "mark T2 deleted at tm(1)")

	cs = tr.changes(tr.Database, 2)
	cs.MarkDeleted = []hierarchy.ID{tr.Schema.ID}
	apply(t, s, cs, "mark the schema deleted at tm(2)")

	const rule = "MarkDeleted must mark the child and every active object under it deleted remotely"
	for _, o := range []hierarchy.Object{tr.Schema, tr.Tables[0]} {
		got := object(t, s, o.ID)
		assert.Equal(t, hierarchy.DeletedRemotely, got.State, "%s (%s)", rule, o.Path)
		assertTime(t, tm(2), got.DeletedAt, rule+": DeletedAt is the change set's At ("+o.Path.String()+")")
		assertTime(t, tm(2), got.UpdatedAt, rule+": UpdatedAt is the change set's At ("+o.Path.String()+")")
	}
	t2 := object(t, s, tr.Tables[1].ID)
	assert.Equal(t, hierarchy.DeletedRemotely, t2.State, rule)
	assertTime(t, tm(1), t2.DeletedAt, "MarkDeleted must keep the DeletedAt of objects already deleted")
	assert.Equal(t, hierarchy.Active, object(t, s, tr.Database.ID).State, "MarkDeleted must not touch the container")
	n, err := s.CountDescendants(ctx, tr.Database.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(3), n, "objects marked deleted stay in the store (B12)")
}

func testMarkDeletedClearsFingerprints(t *testing.T, s store.Store) {
	tr := NewTree(t, s, "T")
	cs := tr.changes(tr.Schema, 1)
	cs.Fingerprint = 5
	apply(t, s, cs, "fingerprint the schema")
	cs = tr.changes(tr.Database, 2)
	cs.MarkDeleted = []hierarchy.ID{tr.Schema.ID}
	apply(t, s, cs, "mark the schema deleted")
	assert.Zero(t, object(t, s, tr.Schema.ID).Fingerprint,
		"MarkDeleted must clear the fingerprints of the objects it marks, so that a reactivated container is listed again")
}

func testReactivation(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	tb := tr.Tables[0]
	require.NoError(t, s.UpdateSettings(ctx, tb.ID, store.SettingsUpdate{Enable: new(hierarchy.Enable), NewChildren: new(hierarchy.Disable)}))
	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "pii"}}))
	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: tb.ID, Column: "name", Tag: hierarchy.Tag{Name: "name", Source: hierarchy.TagPlatform}}))
	grant := store.Grant{Connection: tr.Conn.Key, Object: tb.ID, Subject: store.Subject{Kind: store.SubjectGroup, Name: "owners"}, Role: store.RoleDataOwner, GrantedAt: tm(0)}
	require.NoError(t, s.AddGrant(ctx, grant))
	before := object(t, s, tb.ID)

	cs := tr.changes(tr.Schema, 2)
	cs.MarkDeleted = []hierarchy.ID{tb.ID}
	apply(t, s, cs, "mark T deleted")
	require.Equal(t, hierarchy.DeletedRemotely, object(t, s, tb.ID).State)

	back := before
	back.State = hierarchy.Active
	cs = tr.changes(tr.Schema, 3)
	cs.Update = []hierarchy.Object{back}
	apply(t, s, cs, "reactivate T")

	const rule = "B12: a table that comes back is reactivated with its settings, grants and tags intact"
	got := object(t, s, tb.ID)
	assert.Equal(t, hierarchy.Active, got.State, rule+": State")
	assert.True(t, got.DeletedAt.IsZero(), rule+": DeletedAt must be cleared, got %v", got.DeletedAt)
	assert.Equal(t, hierarchy.Enable, got.Enable, rule+": Enable")
	assert.Equal(t, hierarchy.Disable, got.NewChildren, rule+": NewChildren")
	assert.Equal(t, before.Tags, got.Tags, rule+": object tags")
	assert.Equal(t, column(t, before, "name").Tags, column(t, got, "name").Tags, rule+": column tags")
	assertTime(t, before.CreatedAt, got.CreatedAt, rule+": CreatedAt")
	assertTime(t, tm(3), got.UpdatedAt, "Update must record At as UpdatedAt")
	grants, err := s.Grants(ctx, store.GrantFilter{Objects: []hierarchy.ID{tb.ID}})
	require.NoError(t, err)
	require.Len(t, grants, 1, rule+": grants")
	assert.Equal(t, grant.Subject, grants[0].Subject, rule+": grants")
}

func testApplyUpdate(t *testing.T, s store.Store) {
	tr := NewTree(t, s)
	tb := Table(tr.Schema, "T", "a", "b")
	tb.Enable, tb.NewChildren = hierarchy.Enable, hierarchy.Disable
	tb.CreatedAt = tm(1)
	cs := tr.changes(tr.Schema, 1)
	cs.Add = []hierarchy.Object{tb}
	cs.AddTags = []store.TagRef{{Object: tb.ID, Tag: hierarchy.Tag{Name: "keep"}}}
	apply(t, s, cs, "add T")
	before := object(t, s, tb.ID)

	up := tb
	up.Type, up.Comment = hierarchy.TypeMaterializedView, "now a view"
	up.Columns = []hierarchy.Column{
		{Name: "b", Type: "TEXT", Position: 1, Nullable: false, Comment: "moved"},
		{Name: "a", Type: "VARCHAR", Position: 2, Nullable: true},
		{Name: "c", Type: "INT", Position: 3},
	}
	up.Enable, up.NewChildren = hierarchy.Disable, hierarchy.Inherit // must be ignored
	up.CreatedAt = tm(90)                                            // must be ignored
	up.Tags = []hierarchy.Tag{{Name: "ignored"}}                     // read-only
	cs = tr.changes(tr.Schema, 2)
	cs.Update = []hierarchy.Object{up}
	apply(t, s, cs, "update T")

	const rule = "Update must replace Type, Comment, Columns and State and keep settings, tags and CreatedAt"
	got := object(t, s, tb.ID)
	assert.Equal(t, up.Type, got.Type, rule+": Type")
	assert.Equal(t, up.Comment, got.Comment, rule+": Comment")
	assert.Equal(t, up.Columns, stripColumnTags(got.Columns), rule+": Columns")
	assert.Equal(t, hierarchy.Enable, got.Enable, rule+": Enable")
	assert.Equal(t, hierarchy.Disable, got.NewChildren, rule+": NewChildren")
	assert.Equal(t, before.Tags, got.Tags, rule+": Tags")
	assertTime(t, tm(1), got.CreatedAt, rule+": CreatedAt")
	assertTime(t, tm(2), got.UpdatedAt, "Update must record At as UpdatedAt")
	assert.Equal(t, tb.ID, got.ID)
	assert.Equal(t, tb.Path, got.Path)
}

func testUpdateRemovesColumnTags(t *testing.T, s store.Store) {
	ctx := t.Context()
	tag := Key("col")
	tr := NewTree(t, s)
	tb := Table(tr.Schema, "T", "id", "name", "email")
	cs := tr.changes(tr.Schema, 1)
	cs.Add = []hierarchy.Object{tb}
	cs.AddTags = []store.TagRef{
		{Object: tb.ID, Tag: hierarchy.Tag{Name: tag}},
		{Object: tb.ID, Column: "name", Tag: hierarchy.Tag{Name: tag}},
		{Object: tb.ID, Column: "email", Tag: hierarchy.Tag{Name: tag}},
	}
	apply(t, s, cs, "add T with tags")

	up := tb
	up.Columns = Columns("id", "email")
	cs = tr.changes(tr.Schema, 2)
	cs.Update = []hierarchy.Object{up}
	apply(t, s, cs, "drop column name")

	hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: tag}, store.Page{})
	require.NoError(t, err)
	var where []string
	for _, h := range hits {
		where = append(where, h.Column)
	}
	assert.ElementsMatch(t, []string{"", "email"}, where, "removing a column in Update must remove that column's tags, and only those")

	up.Columns = Columns("id", "email", "name")
	cs = tr.changes(tr.Schema, 3)
	cs.Update = []hierarchy.Object{up}
	apply(t, s, cs, "add column name back")
	assert.Empty(t, column(t, object(t, s, tb.ID), "name").Tags, "a column that comes back must not get the tags of the removed one")
	assert.Len(t, column(t, object(t, s, tb.ID), "email").Tags, 1, "a kept column keeps its tags")
}

func testApplyTags(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	tb := tr.Tables[0]
	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "present"}}))

	newT := Table(tr.Schema, "NEW", "c1")
	req := newRequest(tr, newT, "c1", 1)
	cs := tr.changes(tr.Schema, 1)
	cs.Add = []hierarchy.Object{newT}
	cs.AddTags = []store.TagRef{
		{Object: tb.ID, Tag: hierarchy.Tag{Name: "present"}},
		{Object: newT.ID, Tag: hierarchy.Tag{Name: "sys", Source: hierarchy.TagSystem}},
		{Object: newT.ID, Column: "c1", Tag: hierarchy.Tag{Name: hierarchy.NewTagName, Source: hierarchy.TagNew}},
	}
	cs.RemoveTags = []store.TagRef{{Object: tb.ID, Tag: hierarchy.Tag{Name: "absent"}}}
	cs.Requests = []store.Request{req}
	require.NoError(t, s.Apply(ctx, cs), "Apply adding a tag that is there, or removing one that is not, is not an error")

	assert.Equal(t, []hierarchy.Tag{{Name: "present"}}, object(t, s, tb.ID).Tags, "re-adding a present tag must not duplicate it")
	got := object(t, s, newT.ID)
	assert.Equal(t, []hierarchy.Tag{{Name: "sys", Source: hierarchy.TagSystem}}, got.Tags, "AddTags on an object added by the same change set")
	assert.Equal(t, []hierarchy.Tag{{Name: hierarchy.NewTagName, Source: hierarchy.TagNew}}, column(t, got, "c1").Tags, "AddTags on a column of an object added by the same change set")
	r, err := s.Request(ctx, req.ID)
	require.NoError(t, err, "Apply must store the change set's requests")
	assert.Equal(t, req.Object, r.Object)

	cs = tr.changes(tr.Schema, 2)
	cs.RemoveTags = []store.TagRef{{Object: newT.ID, Column: "c1", Tag: hierarchy.Tag{Name: hierarchy.NewTagName, Source: hierarchy.TagNew}}}
	apply(t, s, cs, "remove a column tag")
	assert.Empty(t, column(t, object(t, s, newT.ID), "c1").Tags, "RemoveTags must remove a column tag")
}

func testFingerprint(t *testing.T, s store.Store) {
	tr := NewTree(t, s, "T")
	cs := tr.changes(tr.Schema, 1)
	cs.Fingerprint = 7
	require.True(t, cs.Empty())
	apply(t, s, cs, "record a fingerprint only")
	assert.Equal(t, hierarchy.Fingerprint(7), object(t, s, tr.Schema.ID).Fingerprint, "Apply must record a non-zero Fingerprint on the container")
	assert.Zero(t, object(t, s, tr.Tables[0].ID).Fingerprint, "the fingerprint belongs to the container only")

	cs = tr.changes(tr.Schema, 2)
	cs.Add = []hierarchy.Object{Table(tr.Schema, "U")}
	apply(t, s, cs, "add without a fingerprint")
	assert.Equal(t, hierarchy.Fingerprint(7), object(t, s, tr.Schema.ID).Fingerprint, "Apply with a zero Fingerprint must leave the recorded one")

	cs = tr.changes(tr.Schema, 3)
	cs.Fingerprint = 1<<64 - 1
	apply(t, s, cs, "record the largest fingerprint")
	assert.Equal(t, hierarchy.Fingerprint(1<<64-1), object(t, s, tr.Schema.ID).Fingerprint, "fingerprints use all 64 bits")
}

// testChildFingerprints: sync records on each table the fingerprint of its
// own listing entry, so that a later sync reads in full only the tables
// whose fingerprint differs. Add and Update record a non-zero Fingerprint
// on the child; an Update with zero keeps it; Children returns it.
func testChildFingerprints(t *testing.T, s store.Store) {
	rule := "Add and Update must record a child's non-zero Fingerprint"
	tr := NewTree(t, s, "T")
	u := Table(tr.Schema, "U", "a")
	u.Fingerprint = 41
	cs := tr.changes(tr.Schema, 1)
	cs.Add = []hierarchy.Object{u}
	apply(t, s, cs, "add a table with a fingerprint")
	assert.Equal(t, hierarchy.Fingerprint(41), object(t, s, u.ID).Fingerprint, rule+" (Add)")

	kids, _, err := s.Children(t.Context(), tr.Schema.ID, store.Page{})
	require.NoError(t, err)
	got := map[string]hierarchy.Fingerprint{}
	for _, k := range kids {
		got[k.Name()] = k.Fingerprint
	}
	assert.Equal(t, hierarchy.Fingerprint(41), got["U"], "Children must return each child's Fingerprint")

	upd := object(t, s, u.ID)
	upd.Columns = Columns("a", "b")
	upd.Fingerprint = 1<<64 - 3
	cs = tr.changes(tr.Schema, 2)
	cs.Update = []hierarchy.Object{upd}
	apply(t, s, cs, "update a table with a new fingerprint")
	assert.Equal(t, hierarchy.Fingerprint(1<<64-3), object(t, s, u.ID).Fingerprint, rule+" (Update)")

	upd = object(t, s, u.ID)
	upd.Comment = "kept"
	upd.Fingerprint = 0
	cs = tr.changes(tr.Schema, 3)
	cs.Update = []hierarchy.Object{upd}
	apply(t, s, cs, "update a table without a fingerprint")
	assert.Equal(t, hierarchy.Fingerprint(1<<64-3), object(t, s, u.ID).Fingerprint, "an Update with a zero Fingerprint must keep the recorded one")
}
