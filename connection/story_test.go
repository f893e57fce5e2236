package connection_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

func hasNewTag(c hierarchy.Column) bool {
	for _, t := range c.Tags {
		if t.Source == hierarchy.TagNew && t.Name == hierarchy.NewTagName {
			return true
		}
	}
	return false
}

// TestStory_B14_B21_B22_B23_B24 is the governance story end to end: an
// owner inherited from the database gets a validation request for a
// column added on the platform, validates it, and the New tag goes.
func TestStory_B14_B21_B22_B23_B24(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	table := hierarchy.MustParse("demo.sales.public.t1")
	require.NoError(t, e.svc.SetEnable(e.ctx, admin, hierarchy.MustParse("demo.sales.public"), hierarchy.Enable))
	_, err := e.svc.Grant(e.ctx, admin, hierarchy.MustParse("demo.sales"), subject("alice"))
	require.NoError(t, err)

	_, err = e.svc.ActivatePolicy(e.ctx, alice, connection.NewColumnAddedPolicy)
	require.ErrorIs(t, err, connections.ErrPermissionDenied, "B21 policies are admin business")
	p, err := e.svc.ActivatePolicy(e.ctx, admin, connection.NewColumnAddedPolicy)
	require.NoError(t, err)
	assert.True(t, p.Active)

	require.NoError(t, e.platform.AddColumn("sales", "public", "t1", hierarchy.Column{Name: "email", Type: "TEXT", Nullable: true}))
	require.NoError(t, e.platform.DropColumn("sales", "public", "t1", "name"))
	report, err := e.svc.Sync(e.ctx, alice, hierarchy.MustParse("demo.sales"), nil)
	require.NoError(t, err)
	assert.Len(t, report.ColumnsAdded, 1)
	assert.Len(t, report.ColumnsDeleted, 1)

	o := e.object(table.String())
	email, ok := o.Column("email")
	require.True(t, ok)
	assert.True(t, hasNewTag(email), "B14 New tag on a new column of a known data source")
	_, ok = o.Column("name")
	assert.False(t, ok, "B13 deleted column gone from the dictionary")

	tasks, _, err := e.svc.Tasks(e.ctx, alice, store.RequestOpen, store.Page{})
	require.NoError(t, err)
	require.Len(t, tasks, 2, "B22 one request per column change, to the inherited owner")
	kinds := map[store.RequestKind]store.Request{}
	for _, r := range tasks {
		kinds[r.Kind] = r
	}
	added := kinds[store.RequestColumnAdded]
	require.Equal(t, "email", added.Column)
	require.Equal(t, "name", kinds[store.RequestColumnDeleted].Column)
	bobTasks, _, err := e.svc.Tasks(e.ctx, bob, "", store.Page{})
	require.NoError(t, err)
	assert.Empty(t, bobTasks)
	perTable, _, err := e.svc.Requests(e.ctx, alice, table, "", store.Page{})
	require.NoError(t, err)
	assert.Len(t, perTable, 2, "B23 requests per data source")

	_, err = e.svc.Validate(e.ctx, bob, added.ID)
	require.ErrorIs(t, err, connections.ErrPermissionDenied, "B23 a non-owner cannot validate")
	_, err = e.svc.Sync(e.ctx, bob, table, nil)
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
	_, err = e.svc.Delete(e.ctx, bob, table)
	require.ErrorIs(t, err, connections.ErrPermissionDenied)

	done, err := e.svc.Validate(e.ctx, alice, added.ID)
	require.NoError(t, err)
	assert.Equal(t, store.RequestValidated, done.State)
	o = e.object(table.String())
	email, _ = o.Column("email")
	assert.False(t, hasNewTag(email), "B22 validation removes the New tag")
	_, err = e.svc.Validate(e.ctx, alice, added.ID)
	require.ErrorIs(t, err, connections.ErrConflict, "validating twice")

	open, _, err := e.svc.Tasks(e.ctx, alice, store.RequestOpen, store.Page{})
	require.NoError(t, err)
	assert.Len(t, open, 1)
}

func TestStory_B22_NoPolicyNoRequests_B14_NewSourcesUntagged(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	require.NoError(t, e.svc.SetEnable(e.ctx, admin, hierarchy.MustParse("demo.sales.public"), hierarchy.Enable))
	require.NoError(t, e.platform.AddColumn("sales", "public", "t1", hierarchy.Column{Name: "email", Type: "TEXT"}))
	require.NoError(t, e.platform.AddColumn("hr", "public", "t1", hierarchy.Column{Name: "email", Type: "TEXT"}))
	_, err := e.svc.Sync(e.ctx, admin, hierarchy.Path{"demo"}, nil)
	require.NoError(t, err)
	sales := e.object("demo.sales.public.t1")
	email, _ := sales.Column("email")
	assert.True(t, hasNewTag(email), "the New tag does not need a policy")
	hr := e.object("demo.hr.public.t1")
	other, _ := hr.Column("email")
	assert.False(t, hasNewTag(other), "a disabled table is no known data source")
	tasks, _, err := e.svc.Tasks(e.ctx, admin, "", store.Page{})
	require.NoError(t, err)
	assert.Empty(t, tasks, "the policy is staged: no requests")
}

// TestStory_B14_B22_NewTagWithoutRequestCanBeCleared: a New tag put on
// while no policy targeted New has no request to validate; an owner clears
// it by hand. While a request is open, it must be validated instead.
func TestStory_B14_B22_NewTagWithoutRequestCanBeCleared(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	table := hierarchy.MustParse("demo.sales.public.t1")
	require.NoError(t, e.svc.SetEnable(e.ctx, admin, hierarchy.MustParse("demo.sales.public"), hierarchy.Enable))
	_, err := e.svc.Grant(e.ctx, admin, table, subject("alice"))
	require.NoError(t, err)
	require.NoError(t, e.platform.AddColumn("sales", "public", "t1", hierarchy.Column{Name: "early", Type: "TEXT"}))
	_, err = e.svc.Sync(e.ctx, admin, table, nil)
	require.NoError(t, err)
	o := e.object(table.String())
	early, _ := o.Column("early")
	require.True(t, hasNewTag(early), "tagged while the policy is staged")

	_, err = e.svc.ActivatePolicy(e.ctx, admin, connection.NewColumnAddedPolicy)
	require.NoError(t, err)
	require.NoError(t, e.platform.AddColumn("sales", "public", "t1", hierarchy.Column{Name: "late", Type: "TEXT"}))
	_, err = e.svc.Sync(e.ctx, admin, table, nil)
	require.NoError(t, err)

	require.ErrorIs(t, e.svc.RemoveTag(e.ctx, bob, table, "early", hierarchy.NewTagName), connections.ErrPermissionDenied)
	err = e.svc.RemoveTag(e.ctx, alice, table, "late", hierarchy.NewTagName)
	require.ErrorIs(t, err, connections.ErrConflict, "an open request is validated, not bypassed")
	require.NoError(t, e.svc.RemoveTag(e.ctx, alice, table, "early", hierarchy.NewTagName))
	o = e.object(table.String())
	early, _ = o.Column("early")
	late, _ := o.Column("late")
	assert.False(t, hasNewTag(early))
	assert.True(t, hasNewTag(late))
	require.ErrorIs(t, e.svc.RemoveTag(e.ctx, alice, table, "early", hierarchy.NewTagName), connections.ErrNotFound)
}
