package main

// -store postgres: store/pgstore in a scratch PostgreSQL schema, and its
// write floor.
//
// -store-dsn is the DSN of the database to use (default: the environment
// variable GOVKIT_TEST_POSTGRES_DSN); each run gets a schema of its own,
// dropped when the run ends.

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"runtime"
	"slices"
	gosync "sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/fingerprint"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/pgstore"
	"github.com/govkit/connections/tags"
)

func init() {
	storeOpeners["postgres"] = openPostgres
	storeFloors["postgres"] = postgresFloor
}

// postgresDSN returns dsn, or the test database's when it is empty.
func postgresDSN(dsn string) (string, error) {
	if dsn == "" {
		dsn = os.Getenv("GOVKIT_TEST_POSTGRES_DSN")
	}
	if dsn == "" {
		return "", errors.New("-store postgres needs -store-dsn or GOVKIT_TEST_POSTGRES_DSN")
	}
	return dsn, nil
}

// scratchSchema returns a schema name no other run uses.
func scratchSchema(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// dropSchema drops a scratch schema.
func dropSchema(pool *pgxpool.Pool, schema string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	_, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
	return err
}

// tempPostgres is a store in a scratch schema that Close drops. It keeps
// the store's Locker: syncs take their lease as in production.
type tempPostgres struct {
	*pgstore.Store
}

func (t tempPostgres) Close() error {
	err := dropSchema(t.Pool(), t.Schema())
	if cerr := t.Store.Close(); err == nil {
		err = cerr
	}
	return err
}

var _ store.Locker = tempPostgres{}

func openPostgres(ctx context.Context, dsn string) (store.Store, error) {
	dsn, err := postgresDSN(dsn)
	if err != nil {
		return nil, err
	}
	s, err := pgstore.Open(ctx, dsn, &pgstore.Options{Schema: scratchSchema("syncbench_")})
	if err != nil {
		return nil, err
	}
	return tempPostgres{s}, nil
}

// floorWriters is the number of connections the floor writes on at once:
// the size of the pool pgstore.Open makes on this machine (pgxpool's
// default, max(4, GOMAXPROCS)), which the sync's Applies share.
func floorWriters() int { return max(4, runtime.GOMAXPROCS(0)) }

// postgresFloor writes the rows an initial sync writes into pgstore (an
// object row per database, schema and table, the table's columns encoded
// as the store encodes them, and a tag row per table for the connection
// tag) into plain tables of the same columns, with no primary key, unique
// constraint or index, in a scratch schema of the same database: a
// transaction per container as the sync writes them, each a COPY of the
// objects and one of the tags, on as many connections at once as the
// store's pool has (floorWriters), since the sync writes on those too.
// Only the time during which at least one transaction is open (BEGIN to
// COMMIT) is counted: reading the platform and building the rows, where
// no writer is busy, are not.
func postgresFloor(ctx context.Context, dsn string, p *memory.Platform) (time.Duration, error) {
	dsn, err := postgresDSN(dsn)
	if err != nil {
		return 0, err
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	schema := scratchSchema("syncbench_floor_")
	defer func() { _ = dropSchema(pool, schema) }()
	q := `"` + schema + `"`
	for _, ddl := range []string{
		`CREATE SCHEMA ` + q,
		// The columns of pgstore's objects and tags tables (migration 1).
		`CREATE TABLE ` + q + `.objects (id uuid, parent_id uuid, host_id uuid, db_id uuid, schema_id uuid,
			fingerprint bigint, children bigint, created_at timestamptz, updated_at timestamptz, deleted_at timestamptz,
			depth smallint, state smallint, enable smallint, new_children smallint,
			name text COLLATE "C", type text, comment text, columns bytea)`,
		`CREATE TABLE ` + q + `.tags (object_id uuid, col text COLLATE "C", source smallint, name text COLLATE "C", value text, path_key bytea)`,
	} {
		if _, err := pool.Exec(ctx, ddl); err != nil {
			return 0, err
		}
	}
	objCols := []string{"id", "parent_id", "host_id", "db_id", "schema_id", "fingerprint", "children",
		"created_at", "updated_at", "deleted_at", "depth", "state", "enable", "new_children", "name", "type", "comment", "columns"}
	tagCols := []string{"object_id", "col", "source", "name", "value", "path_key"}

	var (
		mu    gosync.Mutex
		spans [][2]time.Time // when each transaction was open
	)
	// batch writes one transaction on a connection of the pool and
	// records when it was open.
	batch := func(objs, tagRows [][]any) error {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		start := time.Now()
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }()
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{schema, "objects"}, objCols, pgx.CopyFromRows(objs)); err != nil {
			return err
		}
		if len(tagRows) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{schema, "tags"}, tagCols, pgx.CopyFromRows(tagRows)); err != nil {
				return err
			}
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		mu.Lock()
		spans = append(spans, [2]time.Time{start, time.Now()})
		mu.Unlock()
		return nil
	}
	now := time.Now()
	hostID := hierarchy.NewID()
	row := func(id, parent hierarchy.ID, anc [3]any, depth int16, name, typ string, fp uint64, cols []byte) []any {
		var c any
		if cols != nil {
			c = cols
		}
		return []any{id, parent, anc[0], anc[1], anc[2], int64(fp), int64(0), now, now, nil, depth, int16(0), int16(0), int16(0), name, typ, "", c}
	}
	cn := p.Connector(nil)
	tech := p.Technology().DisplayName
	dbs, err := cn.Databases(ctx)
	if err != nil {
		return 0, err
	}
	dbIDs := make([]hierarchy.ID, len(dbs))
	var objs [][]any
	for i, d := range dbs {
		dbIDs[i] = hierarchy.NewID()
		objs = append(objs, row(dbIDs[i], hostID, [3]any{hostID, nil, nil}, 2, d.Name, hierarchy.TypeDatabase, 0, nil))
	}
	if err := batch(objs, nil); err != nil {
		return 0, err
	}
	type job struct {
		db, schema     string
		dbID, schemaID hierarchy.ID
	}
	var jobs []job
	for i, d := range dbs {
		schemas, err := cn.Schemas(ctx, d.Name)
		if err != nil {
			return 0, err
		}
		objs = objs[:0]
		for _, sc := range schemas {
			id := hierarchy.NewID()
			objs = append(objs, row(id, dbIDs[i], [3]any{hostID, dbIDs[i], nil}, 3, sc.Name, hierarchy.TypeSchema, 0, nil))
			jobs = append(jobs, job{d.Name, sc.Name, dbIDs[i], id})
		}
		if err := batch(objs, nil); err != nil {
			return 0, err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	next := make(chan job)
	g.Go(func() error {
		defer close(next)
		for _, j := range jobs {
			select {
			case next <- j:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for range floorWriters() {
		g.Go(func() error {
			var (
				objs, tagRows [][]any
				h             fingerprint.Hasher
			)
			for j := range next {
				tables, err := cn.Tables(gctx, j.db, j.schema)
				if err != nil {
					return err
				}
				connTag := tags.DefaultConnectionTag(tech, "Bench", j.db, j.schema)
				scKey := floorPGKey(nil, key, j.db, j.schema)
				objs, tagRows = objs[:0], tagRows[:0]
				for k := range tables {
					t := &tables[k]
					id := hierarchy.NewID()
					fp := h.Table(t)
					objs = append(objs, row(id, j.schemaID, [3]any{hostID, j.dbID, j.schemaID}, 4, t.Name, t.Type, fp|1, floorPGColumns(t.Columns)))
					tagRows = append(tagRows, []any{id, "", int16(hierarchy.TagSystem), connTag, "", floorPGKey(scKey, t.Name)})
				}
				if err := batch(objs, tagRows); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return busy(spans), nil
}

// busy returns how long at least one of the spans was open.
func busy(spans [][2]time.Time) time.Duration {
	slices.SortFunc(spans, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	var (
		total    time.Duration
		from, to time.Time
	)
	for _, s := range spans {
		if s[0].After(to) {
			total += to.Sub(from)
			from, to = s[0], s[1]
		} else if s[1].After(to) {
			to = s[1]
		}
	}
	return total + to.Sub(from)
}

// The encodings below are pgstore's (store/pgstore/columns.go and
// pathkey.go), repeated so that the floor writes the same bytes.

// floorPGKey appends the segments to a path key.
func floorPGKey(k []byte, segs ...string) []byte {
	out := append([]byte(nil), k...)
	for _, s := range segs {
		if len(out) > 0 {
			out = append(out, 0)
		}
		out = append(out, s...)
	}
	return out
}

func floorPGColumns(cols []hierarchy.Column) []byte {
	if len(cols) == 0 {
		return nil
	}
	b := append([]byte(nil), 1)
	b = binary.AppendUvarint(b, uint64(len(cols)))
	for _, c := range cols {
		b = appendString(b, c.Name)
		b = appendString(b, c.Type)
		b = appendString(b, c.Comment)
		v := uint64(c.Position) << 1
		if c.Nullable {
			v |= 1
		}
		b = binary.AppendUvarint(b, v)
	}
	return b
}
