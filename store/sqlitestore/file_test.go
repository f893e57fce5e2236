package sqlitestore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/sqlitestore"
	"github.com/govkit/connections/store/storetest"
)

// rawDB opens the file with the driver alone, for checks and for setting
// up files the store must refuse.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// requireRefused opens path with Open and checks that it fails with
// want and leaves the file's bytes as they were.
func requireRefused(t *testing.T, path string, want error, says string) {
	t.Helper()
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	s, err := sqlitestore.Open(t.Context(), path, nil)
	if s != nil {
		_ = s.Close()
	}
	require.ErrorIs(t, err, want, "Open must refuse the file")
	assert.Contains(t, err.Error(), says, "the error must say why")
	assert.Contains(t, err.Error(), "sqlitestore.Open", "the error must name the operation")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(before, after), "a refused file must be left untouched")
	for _, ext := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(path + ext); err == nil {
			assert.Zero(t, fi.Size(), "a refused file must not get a non-empty %s file", ext)
		}
	}
}

func TestOpen_NotSQLiteIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "random.db")
	junk := make([]byte, 8192)
	_, _ = rand.Read(junk)
	require.NoError(t, os.WriteFile(path, junk, 0o600))
	requireRefused(t, path, sqlitestore.ErrForeignFile, "not an SQLite database")

	text := filepath.Join(t.TempDir(), "notes.txt")
	require.NoError(t, os.WriteFile(text, []byte(strings.Repeat("not a database\n", 500)), 0o600))
	requireRefused(t, text, connections.ErrInvalidInput, "not an SQLite database")
}

func TestOpen_ForeignSQLiteIsRefused(t *testing.T) {
	t.Run("tables and no application id", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		db := rawDB(t, path)
		_, err := db.Exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5)`)
		require.NoError(t, err)
		require.NoError(t, db.Close())
		requireRefused(t, path, sqlitestore.ErrForeignFile, "another application")
	})
	t.Run("another application id", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		db := rawDB(t, path)
		_, err := db.Exec(`PRAGMA application_id = 1234; CREATE TABLE t (x)`)
		require.NoError(t, err)
		require.NoError(t, db.Close())
		requireRefused(t, path, sqlitestore.ErrForeignFile, "application_id 0x4d2")
	})
}

func TestOpen_NewerSchemaIsRefused(t *testing.T) {
	s, path := open(t, nil)
	storetest.NewTree(t, s, "T")
	require.NoError(t, s.Close())

	db := rawDB(t, path)
	_, err := db.Exec(`PRAGMA user_version = 999`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	requireRefused(t, path, sqlitestore.ErrSchemaTooNew, "schema version 999")
	s2, err := sqlitestore.Open(t.Context(), path, nil)
	require.ErrorIs(t, err, connections.ErrUnsupported, "ErrSchemaTooNew matches ErrUnsupported")
	require.Nil(t, s2)
}

func TestOpen_ReopenKeepsData(t *testing.T) {
	s, path := open(t, nil)
	ctx := t.Context()
	tr := storetest.NewTree(t, s, "T1", "T2")
	require.NoError(t, s.Close())

	s2, err := sqlitestore.Open(ctx, path, nil)
	require.NoError(t, err, "reopening a store file")
	defer s2.Close()
	o, err := s2.Lookup(ctx, tr.Tables[1].Path)
	require.NoError(t, err)
	assert.Equal(t, tr.Tables[1].ID, o.ID)
	assert.Equal(t, tr.Tables[1].Columns, o.Columns)

	var version, appID int
	db := rawDB(t, path)
	require.NoError(t, db.QueryRow(`PRAGMA user_version`).Scan(&version))
	require.NoError(t, db.QueryRow(`PRAGMA application_id`).Scan(&appID))
	assert.Equal(t, sqlitestore.SchemaVersion, version)
	assert.Equal(t, sqlitestore.ApplicationID, appID)
	var mode string
	require.NoError(t, db.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	assert.Equal(t, "wal", mode, "the store file is in WAL mode")
}

func TestOpen_BadPaths(t *testing.T) {
	ctx := t.Context()
	_, err := sqlitestore.Open(ctx, "", nil)
	require.ErrorIs(t, err, connections.ErrInvalidInput)
	_, err = sqlitestore.Open(ctx, ":memory:", nil)
	require.ErrorIs(t, err, connections.ErrInvalidInput)
	_, err = sqlitestore.Open(ctx, t.TempDir(), nil)
	require.Error(t, err, "a directory is not a store file")
	_, err = sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), nil)
	require.Error(t, err, "a file in a missing directory cannot be created")

	// Names that a URI would misread.
	odd := filepath.Join(t.TempDir(), "a dir?#%", "store ü.db")
	require.NoError(t, os.MkdirAll(filepath.Dir(odd), 0o700))
	s, err := sqlitestore.Open(ctx, odd, nil)
	require.NoError(t, err, "a path with ?, # and %% opens as that path")
	require.NoError(t, s.Close())
	_, err = os.Stat(odd)
	require.NoError(t, err, "the file is created at exactly that path")
}

// Processes may open a new file at the same moment: one creates the
// schema, the others find it made.
func TestOpen_ConcurrentFirstOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := sqlitestore.Open(t.Context(), path, nil)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
}

func TestNewWithDB(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "host.db")
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer db.Close()
	db.SetMaxOpenConns(1) // a pool of one: writes must never need a second connection

	s, err := sqlitestore.NewWithDB(ctx, db, nil)
	require.NoError(t, err)
	tr := storetest.NewTree(t, s, "T")
	snap, err := s.Snapshot(ctx, tr.Schema.ID)
	require.NoError(t, err)
	require.Len(t, snap, 1)
	require.NoError(t, s.Close())
	require.NoError(t, db.PingContext(ctx), "Close of a store made by NewWithDB leaves the host's handle open")
	var mode string
	require.NoError(t, db.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	assert.Equal(t, "wal", mode)

	_, err = sqlitestore.NewWithDB(ctx, nil, nil)
	require.ErrorIs(t, err, connections.ErrInvalidInput)
	_, err = sqlitestore.NewWithDB(ctx, sql.OpenDB(otherConnector{}), nil)
	require.ErrorIs(t, err, connections.ErrInvalidInput, "a handle of another driver is refused")

	// A host handle on a foreign file is refused too.
	other := filepath.Join(t.TempDir(), "other.db")
	odb := rawDB(t, other)
	_, err = odb.Exec(`CREATE TABLE t (x)`)
	require.NoError(t, err)
	_, err = sqlitestore.NewWithDB(ctx, odb, nil)
	require.ErrorIs(t, err, sqlitestore.ErrForeignFile)
}

func TestClosedStoreFails(t *testing.T) {
	s, _ := open(t, nil)
	tr := storetest.NewTree(t, s, "T")
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close may be called again")
	_, err := s.Object(t.Context(), tr.Tables[0].ID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "closed")
	err = s.Apply(t.Context(), &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Schema.ID, Fingerprint: 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "closed")
}

// otherConnector is a driver that is not modernc.org/sqlite.
type otherConnector struct{}

func (otherConnector) Connect(context.Context) (driver.Conn, error) { return nil, errors.New("no") }
func (otherConnector) Driver() driver.Driver                        { return otherDriver{} }

type otherDriver struct{}

func (otherDriver) Open(string) (driver.Conn, error) { return nil, errors.New("no") }
