package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/pgstore"
	"github.com/govkit/connections/store/storetest"
)

// dsnEnv names the environment variable with the DSN of a scratch
// database the tests may create schemas in.
const dsnEnv = "GOVKIT_TEST_POSTGRES_DSN"

// testDSN returns the DSN of the test database, or skips the test.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skipf("%s is not set; set it to a scratch PostgreSQL database, such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable (.ci/run does)", dsnEnv)
	}
	return dsn
}

// schemaName returns a schema name no other test uses.
func schemaName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "gktest_" + prefix + "_" + hex.EncodeToString(b[:])
}

// dropSchema drops the schema when the test ends.
func dropSchema(t testing.TB, dsn, schema string) {
	t.Cleanup(func() {
		ctx := context.Background()
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer pool.Close()
		if _, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
}

// newStore opens a store in a schema of its own, dropped at cleanup.
func newStore(t testing.TB, opts *pgstore.Options) (*pgstore.Store, string) {
	t.Helper()
	dsn := testDSN(t)
	var o pgstore.Options
	if opts != nil {
		o = *opts
	}
	if o.Schema == "" {
		o.Schema = schemaName("s")
	}
	dropSchema(t, dsn, o.Schema)
	s, err := pgstore.Open(context.Background(), dsn, &o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, o.Schema
}

func TestConformance(t *testing.T) {
	dsn := testDSN(t)
	schema := schemaName("conf")
	dropSchema(t, dsn, schema)
	// One schema for the whole suite, as several processes would share
	// one: the suite isolates itself with keys of its own.
	shared, err := pgstore.Open(t.Context(), dsn, &pgstore.Options{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { _ = shared.Close() })
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := pgstore.Open(context.Background(), dsn, &pgstore.Options{Schema: schema})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
