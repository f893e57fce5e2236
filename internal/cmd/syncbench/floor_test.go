package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/pgstore"
	"github.com/govkit/connections/store/sqlitestore"
	"github.com/govkit/connections/store/storetest"
)

// The store floors repeat the stores' byte encodings so that they write
// the same bytes as a sync; these tests pin the copies to what the stores
// actually write, so that a change of either shows.

// tableWithTag stores a tree with one table, of the name, carrying a
// connection tag.
func tableWithTag(t *testing.T, s store.Store, name string) (*storetest.Tree, hierarchy.Object, string) {
	t.Helper()
	tr := storetest.NewTree(t, s, name)
	tb := tr.Tables[0]
	tb.Columns[1].Comment, tb.Columns[1].Nullable = "a comment", false
	const tag = "Immuta Connections . Bench . B . PUBLIC . DB"
	cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Schema.ID, Update: []hierarchy.Object{tb},
		AddTags: []store.TagRef{{Object: tb.ID, Tag: hierarchy.Tag{Name: tag, Source: hierarchy.TagSystem}}}}
	if err := s.Apply(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	return tr, tb, tag
}

func TestFloorEncodings_SQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := sqlitestore.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, tb, tag := tableWithTag(t, s, "ORD\x00ERS") // SQLite keys escape NUL
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var key, cols, tags []byte
	if err := db.QueryRow(`SELECT pkey, columns, tags FROM objects WHERE depth = 4`).Scan(&key, &cols, &tags); err != nil {
		t.Fatal(err)
	}
	want := floorSegment(floorSegment(floorSegment(floorSegment(nil, tr.Conn.Key), "DB"), "PUBLIC"), tb.Name())
	if !bytes.Equal(key, want) {
		t.Errorf("path key: store %x, floor %x", key, want)
	}
	if want := floorColumns(tb.Columns); !bytes.Equal(cols, want) {
		t.Errorf("columns: store %x, floor %x", cols, want)
	}
	if want := floorTags(tag); !bytes.Equal(tags, want) {
		t.Errorf("tags: store %x, floor %x", tags, want)
	}
}

func TestFloorEncodings_Postgres(t *testing.T) {
	dsn := os.Getenv("GOVKIT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("GOVKIT_TEST_POSTGRES_DSN is not set; set it to a scratch PostgreSQL database (.ci/run does)")
	}
	schema := scratchSchema("syncbench_test_")
	s, err := pgstore.Open(t.Context(), dsn, &pgstore.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Close()
		_, _ = pool.Exec(context.Background(), `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
		pool.Close()
	})
	tr, tb, _ := tableWithTag(t, tempPostgres{s}, "ORDERS.2024 ä") // PostgreSQL text holds no NUL
	var cols, key []byte
	if err := pool.QueryRow(t.Context(), `SELECT o.columns, g.path_key FROM "`+schema+`".objects o JOIN "`+schema+`".tags g ON g.object_id = o.id WHERE o.id = $1`, tb.ID).Scan(&cols, &key); err != nil {
		t.Fatal(err)
	}
	if want := floorPGColumns(tb.Columns); !bytes.Equal(cols, want) {
		t.Errorf("columns: store %x, floor %x", cols, want)
	}
	if want := floorPGKey(floorPGKey(nil, tr.Conn.Key, "DB", "PUBLIC"), tb.Name()); !bytes.Equal(key, want) {
		t.Errorf("path key: store %x, floor %x", key, want)
	}
}
