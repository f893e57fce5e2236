package postgres_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/postgres"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/sqlmeta"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	objsync "github.com/govkit/connections/sync"
)

// TestEndToEnd_SyncFollowsTheServer registers a real PostgreSQL database
// as a connection, changes it with SQL, and syncs again, checking what
// the store shows (B11–B14), with names that need quoting and escaping.
func TestEndToEnd_SyncFollowsTheServer(t *testing.T) {
	dsn := testDSN(t)
	ctx := testCtx(t)
	db := prefix + "e2e_" + unique() + ".Mixed Case"
	tempDatabase(t, db)
	odd := `We"ird.Schéma`
	q := sqlmeta.QuoteIdent
	exec(ctx, t, db,
		"CREATE SCHEMA sales",
		"CREATE SCHEMA "+q(odd),
		"CREATE TABLE sales.orders (id bigint NOT NULL, total numeric(12,2), note text)",
		"COMMENT ON TABLE sales.orders IS 'all orders'",
		"CREATE TABLE sales.returns (id bigint NOT NULL, order_id bigint)",
		"CREATE VIEW sales.big_orders AS SELECT id FROM sales.orders WHERE id > 100",
		"CREATE MATERIALIZED VIEW sales.daily AS SELECT count(id) AS n FROM sales.orders",
		"CREATE TABLE "+q(odd)+"."+q(`Tab.le "1"`)+" ("+q("Col Ü")+" int)",
	)

	u, err := url.Parse(dsn)
	require.NoError(t, err)
	cfg := connectors.Config{
		postgres.KeyHost:      u.Hostname(),
		postgres.KeyPort:      u.Port(),
		postgres.KeyUser:      u.User.Username(),
		postgres.KeyDatabase:  u.Path[1:],
		postgres.KeySSLMode:   "disable",
		postgres.KeyDatabases: db,
	}
	reg, err := connectors.NewRegistry(postgres.Technology())
	require.NoError(t, err)
	st := memstore.New(nil)
	svc, err := connection.New(ctx, st, reg, nil)
	require.NoError(t, err)
	admin := perms.Admin("ops")

	_, report, err := svc.Register(ctx, admin, connection.Registration{Key: "pg", DisplayName: "Local PG", Technology: "postgres", Config: cfg})
	require.NoError(t, err)
	assert.Equal(t, int64(5), report.Counts.Tables, "4 relations in sales, 1 in the odd schema")

	base := hierarchy.Path{"pg", db}
	path := func(segs ...string) hierarchy.Path { return append(append(hierarchy.Path{}, base...), segs...) }
	show := func(p hierarchy.Path) connection.Object {
		t.Helper()
		o, err := svc.Object(ctx, admin, p)
		require.NoError(t, err, "show %s", p)
		return o
	}
	assert.Equal(t, hierarchy.TypeView, show(path("sales", "big_orders")).Type)
	assert.Equal(t, hierarchy.TypeMaterializedView, show(path("sales", "daily")).Type)
	orders := show(path("sales", "orders"))
	assert.Equal(t, "all orders", orders.Comment)
	require.Len(t, orders.Columns, 3)
	assert.Equal(t, hierarchy.Column{Name: "id", Type: "bigint", Position: 1, Nullable: false}, stripTags(orders.Columns[0]))
	weird := show(path(odd, `Tab.le "1"`))
	assert.Equal(t, "Col Ü", weird.Columns[0].Name)
	parsed, err := hierarchy.Parse(weird.Path.String())
	require.NoError(t, err)
	assert.Equal(t, weird.Path, parsed, "B3 the escaped text form round-trips")

	require.NoError(t, svc.SetEnable(ctx, admin, path("sales"), hierarchy.Enable))
	_, err = svc.ActivatePolicy(ctx, admin, connection.NewColumnAddedPolicy)
	require.NoError(t, err)

	exec(ctx, t, db,
		"ALTER TABLE sales.orders ADD COLUMN email text",
		"ALTER TABLE sales.orders DROP COLUMN note",
		"ALTER TABLE sales.orders ALTER COLUMN total TYPE numeric(14,2)",
		"DROP TABLE sales.returns",
		"CREATE TABLE sales.refunds (id bigint)",
	)
	report, err = svc.Sync(ctx, admin, hierarchy.Path{"pg"}, nil)
	require.NoError(t, err)
	require.NoError(t, report.Err())
	assert.Equal(t, []string{"refunds"}, changedNames(report.Added))
	assert.Equal(t, []string{"returns"}, changedNames(report.Deleted))

	orders = show(path("sales", "orders"))
	var cols []string
	for _, c := range orders.Columns {
		cols = append(cols, c.Name+" "+c.Type)
	}
	assert.Equal(t, []string{"id bigint", "total numeric(14,2)", "email text"}, cols, "B13")
	email, _ := orders.Column("email")
	assert.Contains(t, email.Tags, hierarchy.Tag{Name: hierarchy.NewTagName, Source: hierarchy.TagNew}, "B14")
	returns := show(path("sales", "returns"))
	assert.Equal(t, hierarchy.DeletedRemotely, returns.State, "B12")
	assert.False(t, returns.Enabled)
	assert.True(t, show(path("sales", "refunds")).Enabled, "B11 new table under an enabled schema")

	reqs, _, err := svc.Requests(ctx, admin, path("sales", "orders"), store.RequestOpen, store.Page{})
	require.NoError(t, err)
	kinds := map[string]store.RequestKind{}
	for _, r := range reqs {
		kinds[r.Column] = r.Kind
	}
	assert.Equal(t, map[string]store.RequestKind{"email": store.RequestColumnAdded, "note": store.RequestColumnDeleted}, kinds, "B22")

	exec(ctx, t, db, "CREATE TABLE sales.returns (id bigint NOT NULL, order_id bigint, reason text)")
	report, err = svc.Sync(ctx, admin, path("sales"), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"returns"}, changedNames(report.Reactivated))
	returns = show(path("sales", "returns"))
	assert.Equal(t, hierarchy.Active, returns.State, "B12 reactivated")
	assert.True(t, returns.Enabled, "with its settings")
	assert.Len(t, returns.Columns, 3)
}

func stripTags(c hierarchy.Column) hierarchy.Column {
	c.Tags = nil
	return c
}

func changedNames(list []objsync.ObjectChange) []string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = c.Path.Name()
	}
	return out
}
