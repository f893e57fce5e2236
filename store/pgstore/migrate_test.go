package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/pgstore"
	"github.com/govkit/connections/store/storetest"
)

// adminPool returns a pool on the test database for statements of the
// test itself.
func adminPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), testDSN(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

func tablesIn(t testing.TB, pool *pgxpool.Pool, schema string) []string {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT tablename::text FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, schema)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	require.NoError(t, rows.Err())
	return out
}

// Replicas that start at once on a fresh schema migrate it once and all
// open.
func TestMigrateConcurrentOpens(t *testing.T) {
	dsn := testDSN(t)
	schema := schemaName("race")
	dropSchema(t, dsn, schema)
	const replicas = 6
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	stores := make([]*pgstore.Store, replicas)
	start := make(chan struct{})
	for i := range replicas {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = pgstore.Open(context.Background(), dsn, &pgstore.Options{Schema: schema})
		})
	}
	close(start)
	wg.Wait()
	for i := range replicas {
		require.NoError(t, errs[i], "replica %d must open while others migrate the same schema", i)
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	pool := adminPool(t)
	var n, version int
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT count(*), max(version) FROM "`+schema+`".schema_version`).Scan(&n, &version))
	assert.Equal(t, pgstore.SchemaVersion, n, "each migration is recorded once")
	assert.Equal(t, pgstore.SchemaVersion, version)

	// Every replica works on the one store.
	c, host := storetest.NewConnection(storetest.Key("race"))
	require.NoError(t, stores[0].CreateConnection(t.Context(), c, host))
	got, err := stores[replicas-1].Connection(t.Context(), c.Key)
	require.NoError(t, err)
	assert.Equal(t, c.HostID, got.HostID)
}

func TestMigrateNewerSchemaIsRefused(t *testing.T) {
	s, schema := newStore(t, nil)
	pool := adminPool(t)
	_, err := pool.Exec(t.Context(), `INSERT INTO "`+schema+`".schema_version (version, app, description)
		VALUES (999, 'github.com/govkit/connections/store/pgstore', 'from the future')`)
	require.NoError(t, err)
	_ = s.Close()

	before := tablesIn(t, pool, schema)
	for _, skip := range []bool{false, true} {
		_, err = pgstore.Open(t.Context(), testDSN(t), &pgstore.Options{Schema: schema, SkipMigrate: skip})
		require.ErrorIs(t, err, pgstore.ErrNewerSchema, "a schema newer than the code must be refused (SkipMigrate %v)", skip)
		require.ErrorIs(t, err, connections.ErrUnsupported)
		assert.Contains(t, err.Error(), "999", "the error names the version found")
		assert.Contains(t, err.Error(), schema, "the error names the schema")
	}
	assert.Equal(t, before, tablesIn(t, pool, schema), "nothing is written")
}

func TestMigrateForeignSchemaIsRefused(t *testing.T) {
	dsn := testDSN(t)
	pool := adminPool(t)
	ctx := t.Context()

	schema := schemaName("foreign")
	dropSchema(t, dsn, schema)
	_, err := pool.Exec(ctx, `CREATE SCHEMA "`+schema+`"; CREATE TABLE "`+schema+`".customers (id int); CREATE TABLE "`+schema+`".objects (x text)`)
	require.NoError(t, err)
	_, err = pgstore.Open(ctx, dsn, &pgstore.Options{Schema: schema})
	require.ErrorIs(t, err, pgstore.ErrForeignSchema, "a schema with tables that are not ours must be refused")
	require.ErrorIs(t, err, connections.ErrInvalidInput)
	assert.Contains(t, err.Error(), "customers", "the error names what was found")
	assert.Equal(t, []string{"customers", "objects"}, tablesIn(t, pool, schema), "nothing is written to a foreign schema")

	// A schema_version table of another application.
	other := schemaName("otherapp")
	dropSchema(t, dsn, other)
	_, err = pool.Exec(ctx, `CREATE SCHEMA "`+other+`"; CREATE TABLE "`+other+`".schema_version (version int, app text, description text, applied_at timestamptz);
		INSERT INTO "`+other+`".schema_version VALUES (1, 'flyway', 'init', now())`)
	require.NoError(t, err)
	_, err = pgstore.Open(ctx, dsn, &pgstore.Options{Schema: other})
	require.ErrorIs(t, err, pgstore.ErrForeignSchema, "another application's schema_version must be refused")

	// A schema_version table of another shape.
	shape := schemaName("shape")
	dropSchema(t, dsn, shape)
	_, err = pool.Exec(ctx, `CREATE SCHEMA "`+shape+`"; CREATE TABLE "`+shape+`".schema_version (v int)`)
	require.NoError(t, err)
	_, err = pgstore.Open(ctx, dsn, &pgstore.Options{Schema: shape})
	require.ErrorIs(t, err, pgstore.ErrForeignSchema, "a schema_version of another shape must be refused")
}

func TestSkipMigrate(t *testing.T) {
	dsn := testDSN(t)
	pool := adminPool(t)
	schema := schemaName("skip")
	dropSchema(t, dsn, schema)
	_, err := pgstore.Open(t.Context(), dsn, &pgstore.Options{Schema: schema, SkipMigrate: true})
	require.ErrorIs(t, err, pgstore.ErrMigrationNeeded, "SkipMigrate on a fresh schema must say that it needs migrating")
	assert.Empty(t, tablesIn(t, pool, schema), "SkipMigrate writes nothing")

	s, err := pgstore.Open(t.Context(), dsn, &pgstore.Options{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, s.Migrate(t.Context()), "Migrate of a current schema does nothing")
	_ = s.Close()
	s, err = pgstore.Open(t.Context(), dsn, &pgstore.Options{Schema: schema, SkipMigrate: true})
	require.NoError(t, err, "SkipMigrate on a current schema opens")
	_ = s.Close()
}

func TestNewWithPoolLeavesThePoolOpen(t *testing.T) {
	dsn := testDSN(t)
	pool := adminPool(t)
	schema := schemaName("pool")
	dropSchema(t, dsn, schema)
	s, err := pgstore.NewWithPool(t.Context(), pool, &pgstore.Options{Schema: schema})
	require.NoError(t, err)
	c, host := storetest.NewConnection(storetest.Key("pool"))
	require.NoError(t, s.CreateConnection(t.Context(), c, host))
	require.NoError(t, s.Close())
	require.NoError(t, pool.Ping(t.Context()), "Close must not close the host's pool")

	_, err = pgstore.NewWithPool(t.Context(), nil, nil)
	require.ErrorIs(t, err, connections.ErrInvalidInput)
}

func TestBadSchemaName(t *testing.T) {
	for _, name := range []string{strings.Repeat("x", 64), "pg_mine", "bad\x00name", "\xff"} {
		_, err := pgstore.Open(t.Context(), "postgres://u@127.0.0.1:1/db", &pgstore.Options{Schema: name})
		require.ErrorIs(t, err, connections.ErrInvalidInput, "schema name %q", name)
	}
}

// A DSN that cannot be parsed, or a server that cannot be reached, gives
// a clear error that never holds the password. These need no server.
func TestBadDSN(t *testing.T) {
	const secret = "s3cr3t-pw"
	ctx := t.Context()
	for _, dsn := range []string{
		"postgres://user:" + secret + "@localhost:notaport/db",
		"postgres://user:" + secret + "@[::1/db",
		"host=localhost password=" + secret + " port=xyz",
	} {
		_, err := pgstore.Open(ctx, dsn, nil)
		require.ErrorIs(t, err, connections.ErrInvalidInput, "a DSN that cannot be parsed gives ErrInvalidInput")
		assert.NotContains(t, err.Error(), secret, "errors never hold the password")
		assert.Contains(t, err.Error(), "pgstore.Open")
	}
	// Nothing listens on port 1.
	_, err := pgstore.Open(ctx, "postgres://user:"+secret+"@127.0.0.1:1/db?sslmode=disable&connect_timeout=5", nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret, "errors never hold the password")
	assert.Contains(t, err.Error(), "connect to PostgreSQL", "the error says the server could not be reached")
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		assert.NotContains(t, e.Error(), secret, "no error in the chain holds the password")
	}
}

// A schema at version 1 with data in it (made by rolling version 2 back
// by hand: it only added the admins table and a column) opens with today's code: it is
// migrated, keeps its data, and the admins table works.
func TestMigrateFromVersion1KeepsData(t *testing.T) {
	ctx := t.Context()
	dsn := testDSN(t)
	schema := schemaName("v1")
	dropSchema(t, dsn, schema)
	s, err := pgstore.Open(ctx, dsn, &pgstore.Options{Schema: schema})
	require.NoError(t, err)
	c, host := storetest.NewConnection(storetest.Key("v1"))
	require.NoError(t, s.CreateConnection(ctx, c, host))
	require.NoError(t, s.Close())
	pool := adminPool(t)
	_, err = pool.Exec(ctx, `DROP TABLE "`+schema+`".admins; ALTER TABLE "`+schema+`".connections DROP COLUMN revision;
		DELETE FROM "`+schema+`".schema_version WHERE version > 1`)
	require.NoError(t, err)

	s, err = pgstore.Open(ctx, dsn, &pgstore.Options{Schema: schema})
	require.NoError(t, err, "a version-1 schema must open and migrate")
	t.Cleanup(func() { _ = s.Close() })
	got, err := s.Connection(ctx, c.Key)
	require.NoError(t, err, "migrating keeps the data")
	assert.Equal(t, c.HostID, got.HostID)
	assert.Equal(t, int64(1), got.Revision, "existing connections start at revision 1")
	require.NoError(t, s.UpdateConnection(ctx, got))
	alice := store.Subject{Kind: store.SubjectUser, Name: "alice"}
	require.NoError(t, s.AddAdmin(ctx, store.Admin{Subject: alice}), "version 2 added admins")
	var version int
	require.NoError(t, pool.QueryRow(ctx, `SELECT max(version) FROM "`+schema+`".schema_version`).Scan(&version))
	assert.Equal(t, pgstore.SchemaVersion, version)
}
