package main

// -store sqlite: store/sqlitestore in a temporary file, and its write
// floor.
//
// -store-dsn names the directory the temporary files go in (default: the
// system's temporary directory); each run gets a file of its own, removed
// when the run ends. Use a directory on the disk the store would live on:
// a tmpfs makes every write cheaper than it is.

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/fingerprint"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/sqlitestore"
	"github.com/govkit/connections/tags"
)

func init() {
	storeOpeners["sqlite"] = openSQLite
	storeFloors["sqlite"] = func(ctx context.Context, dir string, p *memory.Platform) (time.Duration, error) {
		return sqliteFloor(ctx, dir, p, true)
	}
	storeFloorExtras["sqlite"] = map[string]storeFloor{
		"same_schema": func(ctx context.Context, dir string, p *memory.Platform) (time.Duration, error) {
			return sqliteFloor(ctx, dir, p, false)
		},
	}
}

// tempSQLite is a store in a temporary directory that Close removes.
type tempSQLite struct {
	*sqlitestore.Store
	dir string
}

func (t tempSQLite) Close() error {
	err := t.Store.Close()
	if rerr := os.RemoveAll(t.dir); err == nil {
		err = rerr
	}
	return err
}

func openSQLite(ctx context.Context, dir string) (store.Store, error) {
	d, err := os.MkdirTemp(dir, "syncbench-sqlite-")
	if err != nil {
		return nil, err
	}
	s, err := sqlitestore.Open(ctx, filepath.Join(d, "store.db"), nil)
	if err != nil {
		_ = os.RemoveAll(d)
		return nil, err
	}
	return tempSQLite{Store: s, dir: d}, nil
}

// sqliteFloor writes the rows an initial sync writes into sqlitestore (an
// object row per database, schema and table, with its columns and tags
// encoded as the store encodes them, and a tag row per table for the
// connection tag) by plain multi-row INSERTs, prepared once, on one
// connection with the store's pragmas, a schema to a transaction. With
// heap, into tables of the same columns with no key or index (the store
// floor); otherwise into the store's own tables, in a file made by
// sqlitestore.Open (keys and indexes included), which shows what the
// store's indexes cost and what its Apply adds to a bulk load. Only the
// time from BEGIN to COMMIT is counted.
func sqliteFloor(ctx context.Context, dir string, p *memory.Platform, heap bool) (time.Duration, error) {
	d, err := os.MkdirTemp(dir, "syncbench-sqlite-floor-")
	if err != nil {
		return 0, err
	}
	defer func() { _ = os.RemoveAll(d) }()
	f, err := newFloorDB(ctx, filepath.Join(d, "floor.db"), heap)
	if err != nil {
		return 0, err
	}
	defer f.close()

	now := time.Now().UnixMicro()
	row := func(depth int64, key []byte, typ string, fp uint64, kids, desc int64, cols, tagBlob []byte) []any {
		id := hierarchy.NewID()
		return []any{depth, key, id[:], typ, "", int64(0), int64(0), int64(0), int64(fp), now, now, nil, kids, desc, cols, tagBlob}
	}
	batch := func(objs, tagRows []any) error { return f.batch(ctx, objs, tagRows) }
	cn := p.Connector(nil)
	tech := p.Technology().DisplayName
	hostKey := floorSegment(nil, key)
	dbs, err := cn.Databases(ctx)
	if err != nil {
		return 0, err
	}
	var objs, tagArgs []any
	for _, dbase := range dbs {
		dbKey := floorSegment(hostKey, dbase.Name)
		schemas, err := cn.Schemas(ctx, dbase.Name)
		if err != nil {
			return 0, err
		}
		objs = objs[:0]
		objs = append(objs, row(2, dbKey, hierarchy.TypeDatabase, 0, int64(len(schemas)), 0, nil, nil)...)
		for _, sc := range schemas {
			objs = append(objs, row(3, floorSegment(dbKey, sc.Name), hierarchy.TypeSchema, 0, 0, 0, nil, nil)...)
		}
		if err := batch(objs, nil); err != nil {
			return 0, err
		}
		for _, sc := range schemas {
			scKey := floorSegment(dbKey, sc.Name)
			tables, err := cn.Tables(ctx, dbase.Name, sc.Name)
			if err != nil {
				return 0, err
			}
			connTag := tags.DefaultConnectionTag(tech, "Bench", dbase.Name, sc.Name)
			tagBlob := floorTags(connTag)
			objs, tagArgs = objs[:0], tagArgs[:0]
			var h fingerprint.Hasher
			for i := range tables {
				t := &tables[i]
				k := floorSegment(scKey, t.Name)
				fp := h.Table(t)
				objs = append(objs, row(4, k, t.Type, fp, 0, 0, floorColumns(t.Columns), tagBlob)...)
				tagArgs = append(tagArgs, connTag, k, "", int64(hierarchy.TagSystem), int64(4), "")
			}
			if err := batch(objs, tagArgs); err != nil {
				return 0, err
			}
		}
	}
	return f.spent, nil
}

// floorDB is one database a floor writes to.
type floorDB struct {
	db    *sql.DB
	c     *sql.Conn
	stmts map[string]*sql.Stmt
	spent time.Duration
}

const floorObjCols = "depth, pkey, id, type, comment, state, enable, new_children, fingerprint, created_at, updated_at, deleted_at, n_children, n_descendants, columns, tags"

// newFloorDB makes the file: with the store's schema (made by
// sqlitestore.Open), or with plain tables of the same columns.
func newFloorDB(ctx context.Context, path string, heap bool) (*floorDB, error) {
	if !heap {
		s, err := sqlitestore.Open(ctx, path, nil)
		if err != nil {
			return nil, err
		}
		if err := s.Close(); err != nil {
			return nil, err
		}
	}
	q := url.Values{}
	// The store's pragmas (sqlitestore.connPragmas).
	for _, pr := range []string{"busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)", "cache_size(-32768)", "wal_autocheckpoint(10000)", "journal_size_limit(67108864)", "journal_mode(WAL)"} {
		q.Add("_pragma", pr)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	f := &floorDB{db: db, stmts: map[string]*sql.Stmt{}}
	if f.c, err = db.Conn(ctx); err != nil {
		f.close()
		return nil, err
	}
	if heap {
		for _, ddl := range []string{
			`CREATE TABLE objects (depth INTEGER, pkey BLOB, id BLOB, type TEXT, comment TEXT, state INTEGER, enable INTEGER,
				new_children INTEGER, fingerprint INTEGER, created_at INTEGER, updated_at INTEGER, deleted_at INTEGER,
				n_children INTEGER, n_descendants INTEGER, columns BLOB, tags BLOB)`,
			`CREATE TABLE tags (name TEXT, pkey BLOB, col TEXT, src INTEGER, depth INTEGER, value TEXT)`,
		} {
			if _, err := f.c.ExecContext(ctx, ddl); err != nil {
				f.close()
				return nil, err
			}
		}
	}
	return f, nil
}

func (f *floorDB) close() {
	for _, st := range f.stmts {
		_ = st.Close()
	}
	if f.c != nil {
		_ = f.c.Close()
	}
	_ = f.db.Close()
}

// insert writes rows of the columns cols (ncols of them), per rows to a
// statement; each statement is prepared once.
func (f *floorDB) insert(ctx context.Context, table, cols string, ncols, per int, args []any) error {
	for len(args) > 0 {
		n := min(len(args)/ncols, per)
		k := fmt.Sprint(table, n)
		st := f.stmts[k]
		if st == nil {
			row := "(" + strings.Repeat("?,", ncols-1) + "?)"
			var err error
			st, err = f.c.PrepareContext(ctx, "INSERT INTO "+table+" ("+cols+") VALUES "+strings.Repeat(row+",", n-1)+row)
			if err != nil {
				return err
			}
			f.stmts[k] = st
		}
		if _, err := st.ExecContext(ctx, args[:n*ncols]...); err != nil {
			return err
		}
		args = args[n*ncols:]
	}
	return nil
}

// batch writes one transaction and counts its time.
func (f *floorDB) batch(ctx context.Context, objs, tagRows []any) error {
	start := time.Now()
	if _, err := f.c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	if err := f.insert(ctx, "objects", floorObjCols, 16, 64, objs); err != nil {
		return err
	}
	if err := f.insert(ctx, "tags", "name, pkey, col, src, depth, value", 6, 128, tagRows); err != nil {
		return err
	}
	if _, err := f.c.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	f.spent += time.Since(start)
	return nil
}

// The encodings below are sqlitestore's (store/sqlitestore/encode.go),
// repeated so that the floor writes the same bytes.

// floorSegment returns parent followed by the path-key encoding of name.
func floorSegment(parent []byte, name string) []byte {
	k := append([]byte(nil), parent...)
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			k = append(k, 0, 0xff)
		} else {
			k = append(k, name[i])
		}
	}
	return append(k, 0, 1)
}

func floorColumns(cols []hierarchy.Column) []byte {
	if len(cols) == 0 {
		return nil
	}
	b := binary.AppendUvarint(nil, uint64(len(cols)))
	for _, c := range cols {
		v := uint64(c.Position) << 1
		if c.Nullable {
			v |= 1
		}
		b = binary.AppendUvarint(b, v)
		b = appendString(b, c.Name)
		b = appendString(b, c.Type)
		b = appendString(b, c.Comment)
	}
	return b
}

// floorTags is the tag list of a table with the connection tag only.
func floorTags(name string) []byte {
	b := binary.AppendUvarint(nil, 1)
	b = appendString(b, "")
	b = append(b, byte(hierarchy.TagSystem))
	b = appendString(b, name)
	return appendString(b, "")
}
