package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	connections "github.com/govkit/connections"
)

// SchemaVersion is the version of the store's schema this code writes and
// reads. Open migrates older schemas up to it and refuses newer ones.
const SchemaVersion = 2

// appMarker is recorded with every migration, so that a schema of
// another application with a table of the same name is told apart.
const appMarker = "github.com/govkit/connections/store/pgstore"

// migration is one step of the schema; its statements run in the
// migration's transaction, with {s} replaced by the quoted schema name.
type migration struct {
	version     int
	description string
	statements  []string
}

// migrations returns every migration in order. Each is applied once, in
// one transaction with the row recording it.
func migrations() []migration {
	return []migration{{
		version:     1,
		description: "connections, objects, tags, grants, requests, policies, leases",
		statements: []string{
			`CREATE TABLE {s}.connections (
				key          text COLLATE "C" PRIMARY KEY,
				host_id      uuid NOT NULL UNIQUE,
				display_name text NOT NULL,
				technology   text NOT NULL,
				config       jsonb,
				settings     jsonb NOT NULL,
				status       text NOT NULL,
				created_by   text NOT NULL,
				created_at   timestamptz NOT NULL,
				updated_at   timestamptz NOT NULL,
				last_sync    timestamptz
			)`,
			// One row per host, database, schema and table. A table's
			// columns are one encoded value (see columns.go): Apply and
			// Snapshot write and read a table as one row. children counts
			// direct children; descendants are summed over containers.
			`CREATE TABLE {s}.objects (
				id           uuid PRIMARY KEY,
				parent_id    uuid,
				host_id      uuid,
				db_id        uuid,
				schema_id    uuid,
				fingerprint  bigint NOT NULL DEFAULT 0,
				children     bigint NOT NULL DEFAULT 0,
				created_at   timestamptz NOT NULL,
				updated_at   timestamptz NOT NULL,
				deleted_at   timestamptz,
				depth        smallint NOT NULL,
				state        smallint NOT NULL,
				enable       smallint NOT NULL,
				new_children smallint NOT NULL,
				name         text COLLATE "C" NOT NULL,
				type         text NOT NULL,
				comment      text NOT NULL,
				columns      bytea,
				CONSTRAINT objects_name_key UNIQUE (parent_id, name)
			)`,
			// Tags on objects (col '') and columns. path_key is the
			// object's path as a byte key (see pathkey.go; paths never
			// change: objects are not renamed), so that FindByTag pages in
			// path order from an index. A tag is identified by object,
			// column, source and name; as an object's path names it
			// while it exists, tags_find, which FindByTag needs anyway,
			// enforces that, and the narrow tags_object finds an object's
			// tags.
			`CREATE TABLE {s}.tags (
				object_id uuid NOT NULL,
				col       text COLLATE "C" NOT NULL,
				source    smallint NOT NULL,
				name      text COLLATE "C" NOT NULL,
				value     text NOT NULL,
				path_key  bytea NOT NULL
			)`,
			`CREATE UNIQUE INDEX tags_find ON {s}.tags (name, path_key, col, source)`,
			`ALTER TABLE {s}.tags REPLICA IDENTITY USING INDEX tags_find`,
			`CREATE INDEX tags_object ON {s}.tags (object_id, col)`,
			`CREATE TABLE {s}.grants (
				object_id    uuid NOT NULL,
				subject_kind smallint NOT NULL,
				subject      text COLLATE "C" NOT NULL,
				role         text COLLATE "C" NOT NULL,
				connection   text COLLATE "C" NOT NULL,
				granted_by   text NOT NULL,
				granted_at   timestamptz NOT NULL,
				PRIMARY KEY (object_id, subject_kind, subject, role)
			)`,
			`CREATE INDEX grants_connection ON {s}.grants (connection)`,
			// Requests keep the ancestors of their object for the Under
			// filter, and its path as it was.
			`CREATE TABLE {s}.requests (
				id           uuid PRIMARY KEY,
				object_id    uuid NOT NULL,
				host_id      uuid,
				db_id        uuid,
				schema_id    uuid,
				created_at   timestamptz NOT NULL,
				validated_at timestamptz,
				connection   text COLLATE "C" NOT NULL,
				kind         text NOT NULL,
				state        text NOT NULL,
				path         text[] NOT NULL,
				col          text NOT NULL,
				column_type  text NOT NULL,
				validated_by text NOT NULL
			)`,
			`CREATE INDEX requests_newest ON {s}.requests (created_at DESC, id DESC)`,
			`CREATE INDEX requests_connection ON {s}.requests (connection, created_at DESC, id DESC)`,
			`CREATE INDEX requests_object ON {s}.requests (object_id)`,
			`CREATE TABLE {s}.policies (
				name        text COLLATE "C" PRIMARY KEY,
				description text NOT NULL,
				target_tags text[],
				active      boolean NOT NULL,
				updated_at  timestamptz NOT NULL,
				updated_by  text NOT NULL
			)`,
			// Sync leases (store.Locker): the holder renews expires_at
			// while it works; the database's clock decides expiry.
			`CREATE TABLE {s}.leases (
				connection text COLLATE "C" PRIMARY KEY,
				holder     uuid NOT NULL,
				expires_at timestamptz NOT NULL
			)`,
		},
	}, {
		version:     2,
		description: "admins, connection revisions",
		statements: []string{
			`CREATE TABLE {s}.admins (
				subject_kind smallint NOT NULL,
				subject      text COLLATE "C" NOT NULL,
				added_by     text NOT NULL,
				added_at     timestamptz NOT NULL,
				PRIMARY KEY (subject_kind, subject)
			)`,
			`ALTER TABLE {s}.connections ADD COLUMN revision bigint NOT NULL DEFAULT 1`,
		},
	}}
}

// lockKey is the key of the advisory lock that serializes migrations of
// one schema across processes.
func (s *Store) lockKey() int64 {
	h := fnv.New64a()
	h.Write([]byte(appMarker))
	h.Write([]byte{0})
	h.Write([]byte(s.schema))
	return int64(h.Sum64())
}

// Migrate brings the store's schema to SchemaVersion: it creates the
// schema and its tables if they do not exist and applies the migrations
// that are missing, each in one transaction. Processes that start at once
// are serialized by an advisory lock, so each migration runs once. A
// schema that is not a govkit store gives ErrForeignSchema; one newer than
// this code gives ErrNewerSchema. Open calls it unless
// Options.SkipMigrate.
func (s *Store) Migrate(ctx context.Context) error {
	return connections.Wrap("pgstore.Migrate", s.schema, s.migrate(ctx))
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return connectError(ctx, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, s.lockKey()); err != nil {
		return stepErr(ctx, "take the migration lock", err)
	}
	version, exists, err := s.inspect(ctx, tx)
	if err != nil {
		return err
	}
	if version > SchemaVersion {
		return newerError(version)
	}
	if version == SchemaVersion {
		return nil // nothing to do; the transaction only held the lock
	}
	if !exists {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA `+quoteIdent(s.schema)); err != nil {
			return stepErr(ctx, "create the schema", err)
		}
	}
	if version == 0 {
		if _, err := tx.Exec(ctx, s.q.expand(`CREATE TABLE {s}.schema_version (
			version     integer PRIMARY KEY,
			app         text NOT NULL,
			description text NOT NULL,
			applied_at  timestamptz NOT NULL DEFAULT now()
		)`)); err != nil {
			return stepErr(ctx, "create schema_version", err)
		}
	}
	var applied []migration
	for _, m := range migrations() {
		if m.version <= version {
			continue
		}
		for _, stmt := range m.statements {
			if _, err := tx.Exec(ctx, s.q.expand(stmt)); err != nil {
				return stepErr(ctx, fmt.Sprintf("migrate to version %d", m.version), err)
			}
		}
		if _, err := tx.Exec(ctx, s.q.expand(`INSERT INTO {s}.schema_version (version, app, description) VALUES ($1, $2, $3)`),
			m.version, appMarker, m.description); err != nil {
			return stepErr(ctx, fmt.Sprintf("record version %d", m.version), err)
		}
		applied = append(applied, m)
	}
	if err := tx.Commit(ctx); err != nil {
		return stepErr(ctx, "commit the migration", err)
	}
	for _, m := range applied {
		s.log.Info("pgstore: migrated", "schema", s.schema, "version", m.version, "description", m.description)
	}
	return nil
}

// check verifies, without writing, that the schema is a store at
// SchemaVersion.
func (s *Store) check(ctx context.Context) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return connectError(ctx, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	version, _, err := s.inspect(ctx, tx)
	switch {
	case err != nil:
		return err
	case version > SchemaVersion:
		return newerError(version)
	case version < SchemaVersion:
		return fmt.Errorf("%w: schema %q is at version %d, this code needs %d; call Store.Migrate or open without SkipMigrate",
			ErrMigrationNeeded, s.schema, version, SchemaVersion)
	}
	return nil
}

func newerError(version int) error {
	return fmt.Errorf("%w: the schema is at version %d, this code knows versions up to %d; upgrade the library (nothing was written)",
		ErrNewerSchema, version, SchemaVersion)
}

// stepErr says which step of a migration or check failed, and why.
func stepErr(ctx context.Context, step string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s: %w (%v)", step, cerr, err)
	}
	return fmt.Errorf("%s: %w", step, classify(err))
}

// connectError says that the server could not be reached.
func connectError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("connect to PostgreSQL: %w (%v)", ctx.Err(), err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		err = classify(err) // a refused login: ErrPermissionDenied
	}
	return fmt.Errorf("connect to PostgreSQL: %w", err)
}

// inspect returns the schema's version (0 when it has no store yet) and
// whether the schema exists. A schema holding other tables, or a version
// table of another application, gives ErrForeignSchema.
func (s *Store) inspect(ctx context.Context, tx pgx.Tx) (version int, exists bool, err error) {
	rows, err := tx.Query(ctx, `
		SELECT c.relname::text
		FROM pg_catalog.pg_namespace n
		LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
		WHERE n.nspname = $1
		ORDER BY 1`, s.schema)
	if err != nil {
		return 0, false, stepErr(ctx, "inspect schema", err)
	}
	var tables []string
	for rows.Next() {
		exists = true
		var name *string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, false, stepErr(ctx, "inspect schema", err)
		}
		if name != nil {
			tables = append(tables, *name)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, false, stepErr(ctx, "inspect schema", err)
	}
	if len(tables) == 0 {
		return 0, exists, nil
	}
	if !slices.Contains(tables, "schema_version") {
		return 0, exists, foreign(s.schema, tables)
	}
	var apps []string
	err = tx.QueryRow(ctx, s.q.expand(`SELECT coalesce(max(version), 0), coalesce(array_agg(DISTINCT app), '{}') FROM {s}.schema_version`)).Scan(&version, &apps)
	if err != nil {
		var pe interface{ SQLState() string }
		if errors.As(err, &pe) && strings.HasPrefix(pe.SQLState(), "42") { // a schema_version of another shape
			return 0, exists, foreign(s.schema, tables)
		}
		return 0, exists, stepErr(ctx, "inspect schema", err)
	}
	if len(apps) != 1 || apps[0] != appMarker {
		return 0, exists, fmt.Errorf("%w: schema %q has a schema_version table of another application (%s)", ErrForeignSchema, s.schema, strings.Join(apps, ", "))
	}
	return version, exists, nil
}

func foreign(schema string, tables []string) error {
	shown := tables
	if len(shown) > 5 {
		shown = append(slices.Clone(shown[:5]), fmt.Sprintf("and %d more", len(tables)-5))
	}
	return fmt.Errorf("%w: schema %q holds tables that are not ours (%s); choose another Options.Schema (nothing was written)",
		ErrForeignSchema, schema, strings.Join(shown, ", "))
}
