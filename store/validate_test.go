package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// checkErr asserts that err is a *connections.Error of op and path that
// matches sentinel and ends with msg.
func checkErr(t *testing.T, err error, op, path string, sentinel error, msg string) {
	t.Helper()
	require.Error(t, err)
	var ce *connections.Error
	require.True(t, errors.As(err, &ce), "%v is a *connections.Error", err)
	assert.Equal(t, op, ce.Op)
	assert.Equal(t, path, ce.Path)
	assert.ErrorIs(t, err, sentinel)
	assert.Equal(t, fmt.Sprintf("%s: %s", sentinel, msg), ce.Err.Error())
}

func table(schema hierarchy.Path, name string, cols ...string) hierarchy.Object {
	o := hierarchy.Object{ID: hierarchy.NewID(), Path: schema.Child(name)}
	for i, c := range cols {
		o.Columns = append(o.Columns, hierarchy.Column{Name: c, Type: "INT", Position: i + 1})
	}
	return o
}

func TestValidateConnection(t *testing.T) {
	const op = "x.CreateConnection"
	id := hierarchy.NewID()
	c := store.Connection{Key: "k", HostID: id}
	host := hierarchy.Object{ID: id, Path: hierarchy.Path{"k"}}
	require.NoError(t, store.ValidateConnection(op, c, host))

	other := hierarchy.NewID()
	cases := []struct {
		name string
		c    store.Connection
		host hierarchy.Object
		path string
		msg  string
	}{
		{"empty key", store.Connection{HostID: id}, host, "", "empty connection key"},
		{"zero host ID", store.Connection{Key: "k"}, host, "k", "zero host ID"},
		{"other host ID", c, hierarchy.Object{ID: other, Path: hierarchy.Path{"k"}}, "k",
			fmt.Sprintf("host object ID %s differs from the connection's HostID %s", other, id)},
		{"host path", c, hierarchy.Object{ID: id, Path: hierarchy.Path{"k", "db"}}, "k", `host object path "k.db" must be the connection key alone`},
		{"host setting", c, hierarchy.Object{ID: id, Path: hierarchy.Path{"k"}, Enable: 7}, "k", "host object: enable setting 7 is not inherit, enable or disable"},
		{"host state", c, hierarchy.Object{ID: id, Path: hierarchy.Path{"k"}, State: 5}, "k", "host object: state 5 is not active or deleted_remotely"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, store.ValidateConnection(op, tc.c, tc.host), op, tc.path, connections.ErrInvalidInput, tc.msg)
		})
	}
}

func TestValidateChangeSet(t *testing.T) {
	const op = "x.Apply"
	schema := hierarchy.Path{"k", "db", "sc"}
	a, b := table(schema, "A", "x", "y"), table(schema, "B")
	rid := hierarchy.NewID()
	base := func() *store.ChangeSet {
		return &store.ChangeSet{
			Connection: "k", Container: hierarchy.NewID(),
			Add:         []hierarchy.Object{a, b},
			Update:      []hierarchy.Object{table(schema, "U", "z")},
			MarkDeleted: []hierarchy.ID{hierarchy.NewID()},
			AddTags:     []store.TagRef{{Object: a.ID, Column: "x", Tag: hierarchy.Tag{Name: "t"}}},
			RemoveTags:  []store.TagRef{{Object: b.ID, Tag: hierarchy.Tag{Name: "t", Source: hierarchy.TagPlatform}}},
			Requests:    []store.Request{{ID: rid, Object: a.ID, Kind: store.RequestColumnAdded}},
		}
	}
	require.NoError(t, store.ValidateChangeSet(op, base()))
	unsorted := base()
	slices.Reverse(unsorted.Add)
	require.NoError(t, store.ValidateChangeSet(op, unsorted), "adds need not be sorted by name")

	checkErr(t, store.ValidateChangeSet(op, nil), op, "", connections.ErrInvalidInput, "nil change set")
	up := base().Update[0]
	cases := []struct {
		name     string
		edit     func(cs *store.ChangeSet)
		path     string
		sentinel error
		msg      string
	}{
		{"empty connection", func(cs *store.ChangeSet) { cs.Connection = "" }, "", connections.ErrInvalidInput, "empty connection key"},
		{"zero container", func(cs *store.ChangeSet) { cs.Container = hierarchy.ID{} }, "k", connections.ErrInvalidInput, "zero container ID"},
		{"add without ID", func(cs *store.ChangeSet) { cs.Add[1].ID = hierarchy.ID{} }, "k.db.sc.B", connections.ErrInvalidInput, "add 1: zero ID"},
		{"add with a bad path", func(cs *store.ChangeSet) { cs.Add[1].Path = hierarchy.Path{"k", ""} }, "k.", connections.ErrInvalidInput,
			"add 1: " + hierarchy.Path{"k", ""}.Validate().Error()},
		{"add of a host", func(cs *store.ChangeSet) { cs.Add[1].Path = hierarchy.Path{"k"} }, "k", connections.ErrInvalidInput,
			`add 1: path "k" has 1 segments; a child is a database, schema or table (2 to 4)`},
		{"add with a bad setting", func(cs *store.ChangeSet) { cs.Add[0].NewChildren = 9 }, "k.db.sc.A", connections.ErrInvalidInput,
			"add 0: new-children setting 9 is not inherit, enable or disable"},
		{"schema with columns", func(cs *store.ChangeSet) { cs.Add[0].Path = schema }, "k.db.sc", connections.ErrInvalidInput,
			`add 0: schema "k.db.sc" has columns; only tables do`},
		{"empty column name", func(cs *store.ChangeSet) { cs.Add[0].Columns[1].Name = "" }, "k.db.sc.A", connections.ErrInvalidInput,
			"add 0: column 1 has an empty name"},
		{"negative position", func(cs *store.ChangeSet) { cs.Add[0].Columns[1].Position = -1 }, "k.db.sc.A", connections.ErrInvalidInput,
			`add 0: column "y" has position -1 out of range`},
		{"column twice", func(cs *store.ChangeSet) { cs.Add[0].Columns[1].Name = "x" }, "k.db.sc.A", connections.ErrInvalidInput,
			`add 0: column name "x" appears twice`},
		{"ID added twice", func(cs *store.ChangeSet) { cs.Add[1].ID = cs.Add[0].ID }, "k.db.sc.B", connections.ErrInvalidInput,
			fmt.Sprintf("add 1: ID %s given twice", a.ID)},
		{"name added twice", func(cs *store.ChangeSet) { cs.Add[1].Path = cs.Add[0].Path }, "k.db.sc.A", connections.ErrAlreadyExists,
			`add 1: name "A" is added twice`},
		{"update without ID", func(cs *store.ChangeSet) { cs.Update[0].ID = hierarchy.ID{} }, "k.db.sc.U", connections.ErrInvalidInput, "update 0: zero ID"},
		{"ID added and updated", func(cs *store.ChangeSet) { cs.Update[0].ID = a.ID }, "k.db.sc.U", connections.ErrInvalidInput,
			fmt.Sprintf("update 0: ID %s is added or updated twice", a.ID)},
		{"update with a bad state", func(cs *store.ChangeSet) { cs.Update[0].State = 2 }, "k.db.sc.U", connections.ErrInvalidInput,
			"update 0: state 2 is not active or deleted_remotely"},
		{"update with bad columns", func(cs *store.ChangeSet) { cs.Update[0].Columns[0].Name = "" }, "k.db.sc.U", connections.ErrInvalidInput,
			"update 0: column 0 has an empty name"},
		{"mark-deleted without ID", func(cs *store.ChangeSet) { cs.MarkDeleted[0] = hierarchy.ID{} }, "k", connections.ErrInvalidInput,
			"mark-deleted 0: zero ID"},
		{"mark-deleted and updated", func(cs *store.ChangeSet) { cs.MarkDeleted[0] = up.ID; cs.Update[0] = up }, "k", connections.ErrInvalidInput,
			fmt.Sprintf("mark-deleted 0: ID %s is also added or updated", up.ID)},
		{"tag without object", func(cs *store.ChangeSet) { cs.AddTags[0].Object = hierarchy.ID{} }, "k", connections.ErrInvalidInput, "tag 0: zero object ID"},
		{"tag without name", func(cs *store.ChangeSet) { cs.RemoveTags[0].Tag.Name = "" }, "k", connections.ErrInvalidInput, "tag 0: empty tag name"},
		{"tag of an unknown source", func(cs *store.ChangeSet) { cs.AddTags[0].Tag.Source = 9 }, "k", connections.ErrInvalidInput, "tag 0: unknown tag source 9"},
		{"request without ID", func(cs *store.ChangeSet) { cs.Requests[0].ID = hierarchy.ID{} }, "k", connections.ErrInvalidInput, "request 0: zero request ID"},
		{"request without object", func(cs *store.ChangeSet) { cs.Requests[0].Object = hierarchy.ID{} }, "k", connections.ErrInvalidInput, "request 0: zero object ID"},
		{"request of another connection", func(cs *store.ChangeSet) { cs.Requests[0].Connection = "j" }, "k", connections.ErrInvalidInput,
			`request 0: request names connection "j", the change set "k"`},
		{"request without kind", func(cs *store.ChangeSet) { cs.Requests[0].Kind = "" }, "k", connections.ErrInvalidInput, "request 0: empty kind"},
		{"request of an unknown state", func(cs *store.ChangeSet) { cs.Requests[0].State = "x" }, "k", connections.ErrInvalidInput, `request 0: unknown state "x"`},
		{"request twice", func(cs *store.ChangeSet) { cs.Requests = append(cs.Requests, cs.Requests[0]) }, "k", connections.ErrInvalidInput,
			fmt.Sprintf("request 1: ID %s given twice", rid)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs := base()
			cs.Add = slices.Clone(cs.Add)
			for i := range cs.Add {
				cs.Add[i].Columns = slices.Clone(cs.Add[i].Columns)
			}
			cs.Update[0].Columns = slices.Clone(cs.Update[0].Columns)
			tc.edit(cs)
			checkErr(t, store.ValidateChangeSet(op, cs), op, tc.path, tc.sentinel, tc.msg)
		})
	}
}

// TestValidateChangeSet_ColumnNames finds a duplicate column name
// wherever it is, however many columns a table has.
func TestValidateChangeSet_ColumnNames(t *testing.T) {
	for _, n := range []int{2, 10, 40, 64, 65, 200} {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("c%d", i)
		}
		schema := hierarchy.Path{"k", "db", "sc"}
		cs := &store.ChangeSet{Connection: "k", Container: hierarchy.NewID(), Add: []hierarchy.Object{table(schema, "T", names...)}}
		require.NoError(t, store.ValidateChangeSet("op", cs), "%d columns", n)
		for _, at := range [][2]int{{0, 1}, {0, n - 1}, {n / 2, n - 1}} {
			if at[0] == at[1] {
				continue
			}
			dup := slices.Clone(names)
			dup[at[1]] = dup[at[0]]
			cs.Add[0] = table(schema, "T", dup...)
			err := store.ValidateChangeSet("op", cs)
			require.ErrorIs(t, err, connections.ErrInvalidInput, "%d columns, %v the same", n, at)
			require.ErrorContains(t, err, fmt.Sprintf("column name %q appears twice", dup[at[0]]))
		}
	}
}

func TestValidateSettingsUpdate(t *testing.T) {
	const op = "x.UpdateSettings"
	id := hierarchy.NewID()
	ok, bad := hierarchy.Disable, hierarchy.Setting(3)
	require.NoError(t, store.ValidateSettingsUpdate(op, id, store.SettingsUpdate{}))
	require.NoError(t, store.ValidateSettingsUpdate(op, id, store.SettingsUpdate{Enable: &ok, NewChildren: &ok}))
	checkErr(t, store.ValidateSettingsUpdate(op, id, store.SettingsUpdate{Enable: &bad}), op, id.String(), connections.ErrInvalidInput,
		"enable setting 3 is not inherit, enable or disable")
	checkErr(t, store.ValidateSettingsUpdate(op, id, store.SettingsUpdate{Enable: &ok, NewChildren: &bad}), op, id.String(), connections.ErrInvalidInput,
		"new-children setting 3 is not inherit, enable or disable")
}

func TestValidateObjectPath(t *testing.T) {
	const op = "x.Lookup"
	for _, p := range []hierarchy.Path{{"k"}, {"k", "d"}, {"k", "d", "s"}, {"k", "d", "s", "t"}} {
		require.NoError(t, store.ValidateObjectPath(op, p))
	}
	bad := hierarchy.Path{"k", ""}
	checkErr(t, store.ValidateObjectPath(op, bad), op, bad.String(), connections.ErrInvalidInput, bad.Validate().Error())
	checkErr(t, store.ValidateObjectPath(op, nil), op, "", connections.ErrInvalidInput, hierarchy.Path(nil).Validate().Error())
	col := hierarchy.Path{"k", "d", "s", "t", "c"}
	checkErr(t, store.ValidateObjectPath(op, col), op, "k.d.s.t.c", connections.ErrInvalidInput, "a path of 5 segments names a column, not an object")
}

func TestValidateTags(t *testing.T) {
	const op = "x.AddTag"
	id := hierarchy.NewID()
	require.NoError(t, store.ValidateTagRef(op, store.TagRef{Object: id, Tag: hierarchy.Tag{Name: "t"}}))
	checkErr(t, store.ValidateTagRef(op, store.TagRef{Tag: hierarchy.Tag{Name: "t"}}), op, hierarchy.ID{}.String(), connections.ErrInvalidInput, "zero object ID")
	checkErr(t, store.ValidateTagRef(op, store.TagRef{Object: id}), op, id.String(), connections.ErrInvalidInput, "empty tag name")
	checkErr(t, store.ValidateTagRef(op, store.TagRef{Object: id, Tag: hierarchy.Tag{Name: "t", Source: 4}}), op, id.String(), connections.ErrInvalidInput,
		"unknown tag source 4")

	require.NoError(t, store.ValidateTagQuery(op, store.TagQuery{Name: "t"}))
	checkErr(t, store.ValidateTagQuery(op, store.TagQuery{Connection: "k"}), op, "k", connections.ErrInvalidInput, "empty tag name")

	req := hierarchy.NewID()
	v := store.Validation{Request: req, RemoveTags: []store.TagRef{{Object: id, Tag: hierarchy.Tag{Name: "New"}}}}
	require.NoError(t, store.ValidateValidation(op, v))
	v.RemoveTags = append(v.RemoveTags, store.TagRef{Object: id})
	checkErr(t, store.ValidateValidation(op, v), op, req.String(), connections.ErrInvalidInput, "tag 1: empty tag name")
}

func TestValidateGrant(t *testing.T) {
	const op = "x.AddGrant"
	id := hierarchy.NewID()
	g := store.Grant{Object: id, Subject: store.Subject{Kind: store.SubjectGroup, Name: "g"}, Role: store.RoleDataOwner}
	require.NoError(t, store.ValidateGrant(op, g))
	cases := []struct {
		edit func(g *store.Grant)
		msg  string
	}{
		{func(g *store.Grant) { g.Object = hierarchy.ID{} }, "zero object ID"},
		{func(g *store.Grant) { g.Subject.Kind = 0 }, "subject kind must be user or group"},
		{func(g *store.Grant) { g.Subject.Name = "" }, "empty subject name"},
		{func(g *store.Grant) { g.Role = "" }, "empty role"},
	}
	for _, tc := range cases {
		bad := g
		tc.edit(&bad)
		checkErr(t, store.ValidateGrant(op, bad), op, bad.Object.String(), connections.ErrInvalidInput, tc.msg)
	}
}

func TestCompareGrants(t *testing.T) {
	lo, hi := hierarchy.ID{1}, hierarchy.ID{2}
	user := func(obj hierarchy.ID, name string, role store.Role) store.Grant {
		return store.Grant{Object: obj, Subject: store.Subject{Kind: store.SubjectUser, Name: name}, Role: role}
	}
	group := user(lo, "a", "r")
	group.Subject.Kind = store.SubjectGroup
	want := []store.Grant{user(lo, "a", "r"), user(lo, "b", "q"), user(lo, "b", "r"), group, user(hi, "a", "a")}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortFunc(got, store.CompareGrants)
	assert.Equal(t, want, got)
	assert.Zero(t, store.CompareGrants(want[1], want[1]))
}
