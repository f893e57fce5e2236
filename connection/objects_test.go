package connection_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/tags"
)

func names(objs []connection.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Name()
	}
	return out
}

func TestChildren_BrowsePagedWithCounts(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	dbs, next, err := e.svc.Children(e.ctx, admin, hierarchy.Path{"demo"}, store.Page{})
	require.NoError(t, err)
	assert.Empty(t, next)
	assert.Equal(t, []string{"hr", "sales"}, names(dbs))
	assert.Equal(t, int64(2), dbs[0].Children)
	assert.Equal(t, int64(8), dbs[0].Descendants)

	var all []string
	page := store.Page{Limit: 2}
	for {
		items, next, err := e.svc.Children(e.ctx, admin, hierarchy.MustParse("demo.sales.public"), page)
		require.NoError(t, err)
		all = append(all, names(items)...)
		if next == "" {
			break
		}
		page.After = next
	}
	assert.Equal(t, []string{"t1", "t2", "t3"}, all)

	o := e.object("demo.sales")
	assert.Equal(t, int64(2), o.Children)
	assert.Equal(t, int64(8), o.Descendants)
	assert.Equal(t, hierarchy.KindDatabase, o.Kind)

	_, _, err = e.svc.Children(e.ctx, admin, hierarchy.MustParse("demo.nope"), store.Page{})
	require.ErrorIs(t, err, connections.ErrNotFound)
	_, _, err = e.svc.Children(e.ctx, admin, hierarchy.Path{"demo", ""}, store.Page{})
	require.ErrorIs(t, err, connections.ErrInvalidInput)
}

func TestEnable_B8_NewConnectionDisabledAndNearestExplicitWins(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	assert.False(t, e.object("demo.sales.public.t1").Enabled, "a new connection's tables are not data sources")

	require.NoError(t, e.svc.SetEnable(e.ctx, admin, hierarchy.MustParse("demo.sales.public"), hierarchy.Enable))
	t1 := e.object("demo.sales.public.t1")
	assert.True(t, t1.Enabled)
	assert.Equal(t, "demo.sales.public", t1.EnableFrom.String(), "where the effective setting comes from")
	assert.Equal(t, "demo", e.object("demo.sales.staging.t1").EnableFrom.String(), "a new connection is disabled at its host")
	assert.False(t, e.object("demo.sales.staging.t1").Enabled)

	require.NoError(t, e.svc.SetEnable(e.ctx, admin, hierarchy.MustParse("demo.sales.public.t2"), hierarchy.Disable))
	items, _, err := e.svc.Children(e.ctx, admin, hierarchy.MustParse("demo.sales.public"), store.Page{})
	require.NoError(t, err)
	got := map[string]bool{}
	for _, it := range items {
		got[it.Name()] = it.Enabled
	}
	assert.Equal(t, map[string]bool{"t1": true, "t2": false, "t3": true}, got)
}

func TestEnable_B9_LimitExceptOnSchemaAndCascade(t *testing.T) {
	e := newEnv(t, withEnableLimit(6))
	e.register("demo")
	require.NoError(t, e.svc.SetEnable(e.ctx, admin, hierarchy.MustParse("demo.sales.public.t2"), hierarchy.Disable))

	err := e.svc.SetEnable(e.ctx, admin, hierarchy.MustParse("demo.sales"), hierarchy.Enable)
	require.ErrorIs(t, err, connections.ErrLimitExceeded, "8 objects under the database, limit 6")
	assert.Contains(t, err.Error(), "8 objects")
	assert.False(t, e.object("demo.sales.public.t1").Enabled, "nothing written")

	require.NoError(t, e.svc.SetEnable(e.ctx, admin, hierarchy.MustParse("demo.sales.public"), hierarchy.Enable), "a schema enables any number")
	assert.True(t, e.object("demo.sales.public.t2").Enabled, "enabling cascades over the table's own Disable")
	assert.Equal(t, hierarchy.Inherit, e.object("demo.sales.public.t2").Enable)

	require.NoError(t, e.svc.SetEnable(e.ctx, admin, hierarchy.MustParse("demo.sales"), hierarchy.Disable), "disabling has no limit")
	assert.False(t, e.object("demo.sales.public.t1").Enabled)
}

func TestNewChildren_B8_B11_NewTablesFollowSetting(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	require.NoError(t, e.svc.SetNewChildren(e.ctx, admin, hierarchy.MustParse("demo.sales"), hierarchy.Enable))
	assert.Equal(t, hierarchy.Enable, e.object("demo.sales.public").NewChildrenEffective)
	require.NoError(t, e.platform.AddTable("sales", "public", connectors.Table{Name: "fresh", Type: hierarchy.TypeTable}))
	require.NoError(t, e.platform.AddTable("hr", "public", connectors.Table{Name: "fresh", Type: hierarchy.TypeTable}))
	_, err := e.svc.Sync(e.ctx, admin, hierarchy.Path{"demo"}, nil)
	require.NoError(t, err)
	assert.True(t, e.object("demo.sales.public.fresh").Enabled, "found under Enable new children")
	assert.False(t, e.object("demo.hr.public.fresh").Enabled, "found under the default")
	assert.False(t, e.object("demo.sales.public.t1").Enabled, "existing tables unchanged")
	require.ErrorIs(t, e.svc.SetNewChildren(e.ctx, admin, hierarchy.MustParse("demo.sales.public.t1"), hierarchy.Enable), connections.ErrInvalidInput)
}

func TestSync_B10_B12_SubtreeAndDeletedTableKeptDisabled(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	require.NoError(t, e.svc.SetEnable(e.ctx, admin, hierarchy.MustParse("demo.sales.public"), hierarchy.Enable))
	require.NoError(t, e.platform.DropTable("sales", "public", "t1"))
	require.NoError(t, e.platform.DropTable("hr", "public", "t1"))

	report, err := e.svc.Sync(e.ctx, admin, hierarchy.MustParse("demo.sales.public"), nil)
	require.NoError(t, err)
	require.Len(t, report.Deleted, 1)
	t1 := e.object("demo.sales.public.t1")
	assert.Equal(t, hierarchy.DeletedRemotely, t1.State)
	assert.False(t, t1.Enabled, "a table deleted remotely is no data source")
	assert.Equal(t, hierarchy.Active, e.object("demo.hr.public.t1").State, "outside the synced subtree")

	require.NoError(t, e.platform.AddTable("sales", "public", connectors.Table{Name: "t1", Type: hierarchy.TypeTable}))
	_, err = e.svc.Sync(e.ctx, admin, hierarchy.MustParse("demo.sales.public.t1"), nil)
	require.NoError(t, err)
	assert.True(t, e.object("demo.sales.public.t1").Enabled, "reactivated with its settings")

	n, err := e.svc.Delete(e.ctx, admin, hierarchy.MustParse("demo.hr.public"))
	require.NoError(t, err)
	assert.Equal(t, int64(4), n)
	_, err = e.svc.Object(e.ctx, admin, hierarchy.MustParse("demo.hr.public"))
	require.ErrorIs(t, err, connections.ErrNotFound)
	_, err = e.svc.Delete(e.ctx, admin, hierarchy.Path{"demo"})
	require.ErrorIs(t, err, connections.ErrInvalidInput)
}

func TestPermissions_B24_B25_DataOwner(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	e.register("other")
	_, err := e.svc.Grant(e.ctx, alice, hierarchy.MustParse("demo.sales"), subject("bob"))
	require.ErrorIs(t, err, connections.ErrPermissionDenied, "only admins grant")
	_, err = e.svc.Grant(e.ctx, admin, hierarchy.MustParse("demo.sales"), group("analysts"))
	require.NoError(t, err)

	list, err := e.svc.List(e.ctx, alice)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "demo", list[0].Key, "owners see the connections where they own anything")
	_, err = e.svc.Get(e.ctx, alice, "other")
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
	list, err = e.svc.List(e.ctx, bob)
	require.NoError(t, err)
	assert.Empty(t, list)

	o, err := e.svc.Object(e.ctx, alice, hierarchy.MustParse("demo.sales.public.t1"))
	require.NoError(t, err)
	require.Len(t, o.Owners, 1)
	assert.Equal(t, "analysts", o.Owners[0].Subject.Name)
	assert.True(t, o.Owners[0].Inherited)
	assert.Equal(t, "demo.sales", o.Owners[0].InheritedFromPath.String())

	_, err = e.svc.Sync(e.ctx, alice, hierarchy.MustParse("demo.sales.public"), nil)
	require.NoError(t, err, "owners sync their objects")
	_, err = e.svc.Sync(e.ctx, alice, hierarchy.MustParse("demo.hr"), nil)
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
	_, err = e.svc.Sync(e.ctx, bob, hierarchy.MustParse("demo.sales"), nil)
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
	require.NoError(t, e.svc.SetEnable(e.ctx, alice, hierarchy.MustParse("demo.sales.public"), hierarchy.Enable))
	require.ErrorIs(t, e.svc.SetEnable(e.ctx, alice, hierarchy.MustParse("demo.hr.public"), hierarchy.Enable), connections.ErrPermissionDenied)
	_, err = e.svc.Delete(e.ctx, bob, hierarchy.MustParse("demo.sales.public.t3"))
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
	_, err = e.svc.Delete(e.ctx, alice, hierarchy.MustParse("demo.sales.public.t3"))
	require.NoError(t, err)
	require.ErrorIs(t, e.svc.Deregister(e.ctx, alice, "demo"), connections.ErrPermissionDenied)

	require.NoError(t, e.platform.AddTable("sales", "public", connectors.Table{Name: "later", Type: hierarchy.TypeView}))
	_, err = e.svc.Sync(e.ctx, admin, hierarchy.Path{"demo"}, nil)
	require.NoError(t, err)
	o, err = e.svc.Object(e.ctx, alice, hierarchy.MustParse("demo.sales.public.later"))
	require.NoError(t, err)
	require.Len(t, o.Owners, 1, "a grant holds on objects found later")

	require.NoError(t, e.svc.Revoke(e.ctx, admin, hierarchy.MustParse("demo.sales"), group("analysts")))
	_, err = e.svc.Sync(e.ctx, alice, hierarchy.MustParse("demo.sales.public"), nil)
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
}

func TestTags_B19_B20_UserTagsAndImmutableSystemTags(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, e.platform.SetColumnTag("sales", "public", "t1", "name", "PII", "email"))
	e.register("demo")
	p := hierarchy.MustParse("demo.sales.public.t1")
	_, err := e.svc.AddTag(e.ctx, admin, p, "", "finance", "")
	require.NoError(t, err)
	_, err = e.svc.AddTag(e.ctx, admin, p, "id", "key", "")
	require.NoError(t, err)
	_, err = e.svc.AddTag(e.ctx, bob, p, "", "x", "")
	require.ErrorIs(t, err, connections.ErrPermissionDenied)

	o := e.object(p.String())
	col, ok := o.Column("name")
	require.True(t, ok)
	assert.Contains(t, col.Tags, hierarchy.Tag{Name: "PII", Value: "email", Source: hierarchy.TagPlatform}, "B20 platform tags ingested")

	conn := tags.DefaultConnectionTag("Memory", "Demo demo", "sales", "public")
	require.ErrorIs(t, e.svc.RemoveTag(e.ctx, admin, p, "", conn), connections.ErrImmutable, "B19")
	require.ErrorIs(t, e.svc.RemoveTag(e.ctx, admin, p, "name", "PII"), connections.ErrImmutable)
	require.NoError(t, e.svc.RemoveTag(e.ctx, admin, p, "", "finance"))

	hits, _, err := e.svc.FindByTag(e.ctx, admin, store.TagQuery{Name: conn}, store.Page{})
	require.NoError(t, err)
	assert.Len(t, hits, 3, "every table of the schema carries its connection tag")
	hits, _, err = e.svc.FindByTag(e.ctx, bob, store.TagQuery{Name: conn}, store.Page{})
	require.NoError(t, err)
	assert.Empty(t, hits, "bob may view no connection")
}

func TestOptionsNow_StampsGrants(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	e := newEnv(t, func(o *connection.Options, _ *connectors.Registry) { o.Now = func() time.Time { return at } })
	c := e.register("demo")
	assert.Equal(t, at, c.CreatedAt)
	g, err := e.svc.Grant(e.ctx, admin, hierarchy.MustParse("demo.sales"), subject("alice"))
	require.NoError(t, err)
	assert.Equal(t, at, g.GrantedAt, "Options.Now stamps grants, as it stamps everything else")
	o := e.object("demo.sales.public.t1")
	require.Len(t, o.Owners, 1)
	assert.Equal(t, at, o.Owners[0].Grant.GrantedAt)
}

func TestTags_B19_ConnectionTagDerivationIsReplaceable(t *testing.T) {
	derive := func(technology, conn, database, schema string) string {
		return "conn:" + technology + "/" + conn + "/" + database + "/" + schema
	}
	e := newEnv(t, func(o *connection.Options, _ *connectors.Registry) {
		o.ConnectionTag = derive
		o.Tags = &tags.Options{ReservedPrefixes: []string{"conn:"}}
	})
	e.register("demo")
	p := hierarchy.MustParse("demo.sales.public.t1")
	want := derive("Memory", "Demo demo", "sales", "public")
	o := e.object(p.String())
	assert.Contains(t, o.Tags, hierarchy.Tag{Name: want, Source: hierarchy.TagSystem}, "the host's derivation names the tag")
	for _, tg := range o.Tags {
		assert.NotEqual(t, tags.DefaultConnectionTag("Memory", "Demo demo", "sales", "public"), tg.Name, "the default derivation is not used")
	}
	require.ErrorIs(t, e.svc.RemoveTag(e.ctx, admin, p, "", want), connections.ErrImmutable)
	_, err := e.svc.AddTag(e.ctx, admin, p, "", "conn:forged", "")
	require.ErrorIs(t, err, connections.ErrInvalidInput, "a reserved prefix cannot be forged as a user tag")

	require.NoError(t, e.platform.AddTable("hr", "staging", connectors.Table{Name: "later", Type: hierarchy.TypeTable}))
	_, err = e.svc.Sync(e.ctx, admin, hierarchy.Path{"demo"}, nil)
	require.NoError(t, err)
	later := e.object("demo.hr.staging.later")
	assert.Contains(t, later.Tags, hierarchy.Tag{Name: derive("Memory", "Demo demo", "hr", "staging"), Source: hierarchy.TagSystem}, "tables found later too")
}
