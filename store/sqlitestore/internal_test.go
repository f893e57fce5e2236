package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	_ "modernc.org/sqlite"
)

// The migration tests run the store's migrate on files of their own with
// made-up histories: the real one followed by steps of their own.

func migrateConn(t *testing.T, path string) *sql.Conn {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	c, err := db.Conn(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func version(t *testing.T, c *sql.Conn) (v int, appID int64) {
	t.Helper()
	require.NoError(t, c.QueryRowContext(t.Context(), "PRAGMA user_version").Scan(&v))
	require.NoError(t, c.QueryRowContext(t.Context(), "PRAGMA application_id").Scan(&appID))
	return v, appID
}

func TestMigrate_InOrderOnceAndAtomic(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "m.db")
	c := migrateConn(t, path)
	log, now := options(nil).Logger, time.Now
	v1 := migrations()
	require.NoError(t, migrate(ctx, c, "test", path, v1, log, now))
	v, app := version(t, c)
	assert.Equal(t, SchemaVersion, v, "a new file is migrated to the last step")
	assert.Equal(t, int64(ApplicationID), app, "a new file is marked as a store")

	// Code one version newer adds a column and an index.
	cur := len(v1)
	next := append(slices.Clone(v1), migration{version: cur + 1, name: "add a column", stmts: []string{
		`ALTER TABLE policies ADD COLUMN owner TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX policies_owner ON policies (owner)`,
	}})
	require.NoError(t, migrate(ctx, c, "test", path, next, log, now))
	v, _ = version(t, c)
	assert.Equal(t, cur+1, v)
	_, err := c.ExecContext(ctx, `INSERT INTO policies (name, description, target_tags, active, updated_by, owner) VALUES ('p', '', '[]', 0, '', 'o')`)
	require.NoError(t, err, "the step ran")
	require.NoError(t, migrate(ctx, c, "test", path, next, log, now), "migrating again is a no-op")
	var meta string
	require.NoError(t, c.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&meta))
	assert.Equal(t, strconv.Itoa(cur+1), meta)

	// A step that fails leaves the file as it was: no version change and
	// none of the step's statements.
	bad := append(slices.Clone(next),
		migration{version: cur + 2, name: "good", stmts: []string{`CREATE TABLE extra (x)`}},
		migration{version: cur + 3, name: "bad", stmts: []string{`CREATE TABLE extra2 (x)`, `THIS IS NOT SQL`}},
	)
	err = migrate(ctx, c, "test", path, bad, log, now)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("migrate the store schema to version %d (bad)", cur+3))
	v, _ = version(t, c)
	assert.Equal(t, cur+1, v, "a failed migration changes no version")
	var n int
	require.NoError(t, c.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name IN ('extra', 'extra2')`).Scan(&n))
	assert.Zero(t, n, "a failed migration leaves none of its steps behind, also the steps before the one that failed")

	// Code that knows only the real history refuses the newer file.
	err = migrate(ctx, c, "test", path, v1, log, now)
	require.ErrorIs(t, err, ErrSchemaTooNew)
	assert.Contains(t, err.Error(), fmt.Sprintf("schema version %d", cur+1))
}

// A file written by the first version of the schema, with data in it,
// opens with today's code: it is migrated step by step and keeps its
// data, and what the later steps added works.
func TestMigrate_FromVersion1KeepsData(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v1.db")
	c := migrateConn(t, path)
	require.NoError(t, migrate(ctx, c, "test", path, migrations()[:1], options(nil).Logger, time.Now))
	_, err := c.ExecContext(ctx, `INSERT INTO policies (name, description, target_tags, active, updated_by) VALUES ('p', 'kept', '[]', 1, 'x')`)
	require.NoError(t, err)
	host := hierarchy.NewID()
	_, err = c.ExecContext(ctx, `INSERT INTO connections (key, host, display_name, technology, config, settings, status, created_by, created_at, updated_at, last_sync)
		VALUES ('old', ?, 'Old', 'memory', NULL, '{}', 'active', 'x', 1, 1, NULL)`, host[:])
	require.NoError(t, err)
	require.NoError(t, c.Close())

	s, err := Open(ctx, path, nil)
	require.NoError(t, err, "a version-1 file must open and migrate")
	t.Cleanup(func() { _ = s.Close() })
	p, err := s.Policy(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, "kept", p.Description, "migrating keeps the data")
	conn, err := s.Connection(ctx, "old")
	require.NoError(t, err)
	assert.Equal(t, int64(1), conn.Revision, "existing connections start at revision 1")
	conn.DisplayName = "Renamed"
	require.NoError(t, s.UpdateConnection(ctx, conn))
	alice := store.Subject{Kind: store.SubjectUser, Name: "alice"}
	require.NoError(t, s.AddAdmin(ctx, store.Admin{Subject: alice}), "version 2 added admins")
	admins, err := s.Admins(ctx)
	require.NoError(t, err)
	require.Len(t, admins, 1)
	assert.Equal(t, alice, admins[0].Subject)
}

func TestMigrations_WellFormed(t *testing.T) {
	steps := migrations()
	require.NotEmpty(t, steps)
	for i, m := range steps {
		assert.Equal(t, i+1, m.version, "steps are numbered 1, 2, 3... in order")
		assert.NotEmpty(t, m.name)
	}
	assert.Equal(t, SchemaVersion, steps[len(steps)-1].version, "SchemaVersion is the last step's")
}

// A failure inside Apply, after rows were written, must leave nothing.
func TestApply_FailureAfterWritesRollsBack(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"), nil)
	require.NoError(t, err)
	defer s.Close()
	err = s.write(ctx, "test", "", func(q *txn) error {
		if _, err := q.exec(`INSERT INTO policies (name, description, target_tags, active, updated_by) VALUES ('x', '', '[]', 0, '')`); err != nil {
			return err
		}
		return fail("test", "", connections.ErrConflict, "late failure")
	})
	require.ErrorIs(t, err, connections.ErrConflict)
	_, err = s.Policy(ctx, "x")
	require.ErrorIs(t, err, connections.ErrNotFound, "a failed write transaction writes nothing")
}

func TestPathKey_OrderAndRoundTrip(t *testing.T) {
	paths := []hierarchy.Path{
		{"k"}, {"k", "a"}, {"k", "a", "b"}, {"k", "a\x00"}, {"k", "a\x00b"}, {"k", "a\x01"}, {"k", "ab"},
		{"k", "B"}, {"k", "_"}, {"k", "ä"}, {"k", "a.b"}, {"k", `a\b`}, {"k", "\xff"}, {"k", "\x00"},
		{"k2"}, {"k", "a", "b", "c"}, {"k", "a", "\x00", "c"},
	}
	for _, p := range paths {
		back, err := decodeKey(pathKey(p))
		require.NoError(t, err)
		assert.Equal(t, p, back, "round trip of %q", []string(p))
	}
	sorted := slices.Clone(paths)
	slices.SortFunc(sorted, hierarchy.Path.Compare)
	byKey := slices.Clone(paths)
	slices.SortFunc(byKey, func(a, b hierarchy.Path) int { return bytes.Compare(pathKey(a), pathKey(b)) })
	assert.Equal(t, sorted, byKey, "key order is path order")
	// Everything below a path is in [key, keyEnd(key)), nothing else is.
	for _, p := range paths {
		k, end := pathKey(p), keyEnd(pathKey(p))
		for _, q := range paths {
			in := bytes.Compare(pathKey(q), k) >= 0 && bytes.Compare(pathKey(q), end) < 0
			assert.Equal(t, q.HasPrefix(p), in, "%q under %q", []string(q), []string(p))
		}
	}
	for _, bad := range [][]byte{nil, {0}, {'a', 0}, {'a', 0, 2}, {0, 1}, {'a', 0, 0xff}} {
		_, err := decodeKey(bad)
		assert.Error(t, err, "decodeKey(%q)", bad)
	}
}

func FuzzPathKey(f *testing.F) {
	f.Add("a", "b", "a\x00", "b")
	f.Add("x.y", `\`, "x", "y\xff")
	f.Fuzz(func(t *testing.T, a1, a2, b1, b2 string) {
		if a1 == "" || a2 == "" || b1 == "" || b2 == "" {
			return
		}
		a, b := hierarchy.Path{a1, a2}, hierarchy.Path{b1, b2}
		ka, kb := pathKey(a), pathKey(b)
		if got, want := bytes.Compare(ka, kb), a.Compare(b); got != want {
			t.Fatalf("order of %q and %q: keys %d, paths %d", []string(a), []string(b), got, want)
		}
		back, err := decodeKey(ka)
		if err != nil || !back.Equal(a) {
			t.Fatalf("round trip of %q: %q %v", []string(a), []string(back), err)
		}
		if short := (hierarchy.Path{a1}); bytes.Compare(pathKey(short), ka) >= 0 || bytes.Compare(ka, keyEnd(pathKey(short))) >= 0 {
			t.Fatalf("%q is not in the range of %q", []string(a), []string(short))
		}
	})
}

func TestColumnAndTagBlobs(t *testing.T) {
	cols := []hierarchy.Column{
		{Name: "b", Type: "INT", Position: 2},
		{Name: "a", Type: "VARCHAR(16777216)", Position: 1, Nullable: true, Comment: "the a"},
		{Name: strings.Repeat("x", 300), Type: "", Position: 1 << 30},
	}
	got, err := decodeColumns(encodeColumns(cols), nil, map[string]string{})
	require.NoError(t, err)
	assert.Equal(t, []hierarchy.Column{cols[1], cols[0], cols[2]}, got, "columns come back in position order")
	assert.Nil(t, encodeColumns(nil))

	tags := []tagRec{{col: "", src: hierarchy.TagSystem, name: "sys"}, {col: "a", src: hierarchy.TagNew, name: "New", value: "v"}}
	back, err := decodeTags(encodeTags(tags), nil)
	require.NoError(t, err)
	assert.Equal(t, tags, back)
	for _, bad := range [][]byte{{5}, {1, 3, 'a'}, {1, 0, 1, 1}} {
		_, err := decodeTags(bad, nil)
		assert.Error(t, err)
		_, err = decodeColumns(bad, nil, nil)
		assert.Error(t, err)
	}
}

func TestMapErr(t *testing.T) {
	err := mapErr("op", "p", context.Canceled)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, mapErr("op", "p", sql.ErrNoRows), connections.ErrNotFound)
	assert.Nil(t, mapErr("op", "p", nil))
	wrapped := fail("x", "y", connections.ErrConflict, "z")
	assert.Same(t, wrapped, mapErr("op", "p", wrapped), "errors already mapped pass through")
}
