package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	connections "github.com/govkit/connections"
)

// ApplicationID marks a store file (PRAGMA application_id): the bytes
// "GKCS". A file with another application ID, or with none and tables of
// its own, is not a store and is refused.
const ApplicationID = 0x474b4353

// SchemaVersion is the version of the schema this code writes (PRAGMA
// user_version). A file of a newer version is refused; an older one is
// migrated when it is opened.
const SchemaVersion = 2

// migration is one step of the schema's history: the statements that take
// a file of version-1 to version. Steps run in order, each file once, all
// pending ones in one transaction.
type migration struct {
	version int
	name    string
	stmts   []string
}

// migrations returns every step, oldest first. Add a step at the end and
// raise SchemaVersion to change the schema; never edit a released step.
func migrations() []migration {
	return []migration{
		{version: 1, name: "initial schema", stmts: schemaV1()},
		{version: 2, name: "admins, connection revisions", stmts: []string{
			`CREATE TABLE admins (
			subject_kind INTEGER NOT NULL,
			subject      TEXT NOT NULL,
			added_by     TEXT NOT NULL,
			added_at     INTEGER,
			PRIMARY KEY (subject_kind, subject)
		) WITHOUT ROWID`,
			`ALTER TABLE connections ADD COLUMN revision INTEGER NOT NULL DEFAULT 1`,
		}},
	}
}

// schemaV1 returns the statements of the first schema.
//
// objects holds every object, one row each, keyed by (depth, pkey): pkey
// is the order-preserving encoding of its path (see encode.go), so a
// container's children are one index range, in name order, and so is the
// subtree below any object at each depth. Columns and tags are BLOBs in
// the row (Snapshot reads one row per table); the counts of children and
// descendants are kept up to date by every write, so listing them never
// counts rows.
//
// tags repeats every tag, keyed in FindByTag's order (name, then path,
// column and source); it is the index FindByTag reads.
func schemaV1() []string {
	return []string{
		`CREATE TABLE meta (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	) WITHOUT ROWID`,
		`CREATE TABLE connections (
		key          TEXT PRIMARY KEY,
		host         BLOB NOT NULL,
		display_name TEXT NOT NULL,
		technology   TEXT NOT NULL,
		config       TEXT,
		settings     TEXT NOT NULL,
		status       TEXT NOT NULL,
		created_by   TEXT NOT NULL,
		created_at   INTEGER,
		updated_at   INTEGER,
		last_sync    INTEGER
	) WITHOUT ROWID`,
		`CREATE TABLE objects (
		depth         INTEGER NOT NULL,
		pkey          BLOB NOT NULL,
		id            BLOB NOT NULL,
		type          TEXT NOT NULL,
		comment       TEXT NOT NULL,
		state         INTEGER NOT NULL,
		enable        INTEGER NOT NULL,
		new_children  INTEGER NOT NULL,
		fingerprint   INTEGER NOT NULL,
		created_at    INTEGER,
		updated_at    INTEGER,
		deleted_at    INTEGER,
		n_children    INTEGER NOT NULL,
		n_descendants INTEGER NOT NULL,
		columns       BLOB,
		tags          BLOB
	)`,
		`CREATE UNIQUE INDEX objects_path ON objects (depth, pkey)`,
		`CREATE UNIQUE INDEX objects_id ON objects (id)`,
		`CREATE TABLE tags (
		name  TEXT NOT NULL,
		pkey  BLOB NOT NULL,
		col   TEXT NOT NULL,
		src   INTEGER NOT NULL,
		depth INTEGER NOT NULL,
		value TEXT NOT NULL,
		PRIMARY KEY (name, pkey, col, src)
	) WITHOUT ROWID`,
		`CREATE TABLE grants (
		object       BLOB NOT NULL,
		subject_kind INTEGER NOT NULL,
		subject      TEXT NOT NULL,
		role         TEXT NOT NULL,
		connection   TEXT NOT NULL REFERENCES connections (key),
		opkey        BLOB NOT NULL,
		granted_by   TEXT NOT NULL,
		granted_at   INTEGER,
		PRIMARY KEY (object, subject_kind, subject, role)
	) WITHOUT ROWID`,
		`CREATE INDEX grants_connection ON grants (connection)`,
		`CREATE INDEX grants_opkey ON grants (opkey)`,
		`CREATE TABLE requests (
		id           BLOB PRIMARY KEY,
		connection   TEXT NOT NULL REFERENCES connections (key),
		kind         TEXT NOT NULL,
		object       BLOB NOT NULL,
		opkey        BLOB NOT NULL,
		path         BLOB NOT NULL,
		col          TEXT NOT NULL,
		col_type     TEXT NOT NULL,
		state        TEXT NOT NULL,
		created_at   INTEGER NOT NULL,
		validated_at INTEGER,
		validated_by TEXT NOT NULL
	) WITHOUT ROWID`,
		`CREATE INDEX requests_newest ON requests (created_at, id)`,
		`CREATE INDEX requests_connection ON requests (connection, created_at, id)`,
		`CREATE INDEX requests_opkey ON requests (opkey)`,
		`CREATE TABLE policies (
		name        TEXT PRIMARY KEY,
		description TEXT NOT NULL,
		target_tags TEXT NOT NULL,
		active      INTEGER NOT NULL,
		updated_at  INTEGER,
		updated_by  TEXT NOT NULL
	) WITHOUT ROWID`,
		`CREATE TABLE leases (
		connection TEXT PRIMARY KEY,
		holder     BLOB NOT NULL,
		expires_at INTEGER NOT NULL
	) WITHOUT ROWID`,
	}
}

// fileState is what a file says about itself.
type fileState struct {
	appID   int64
	version int
	tables  int
}

func inspect(ctx context.Context, q *sql.Conn) (fileState, error) {
	var st fileState
	if err := q.QueryRowContext(ctx, "PRAGMA application_id").Scan(&st.appID); err != nil {
		return st, err
	}
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&st.version); err != nil {
		return st, err
	}
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&st.tables)
	return st, err
}

// inspectConsistent is inspect in one read transaction, so that its three
// reads see the same state of the file: read one by one, they could see
// another process's first migration half, its tables but not yet its
// application_id, and take the file for a foreign one.
func inspectConsistent(ctx context.Context, c *sql.Conn) (st fileState, err error) {
	if _, err := c.ExecContext(ctx, "BEGIN"); err != nil {
		return st, err
	}
	defer func() {
		if _, cerr := c.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err == nil {
			err = cerr
		}
	}()
	return inspect(ctx, c)
}

// check refuses a file that is not ours or is newer than latest.
func (st fileState) check(op, path string, latest int) error {
	switch {
	case st.appID == ApplicationID && st.version > latest:
		return &connections.Error{Op: op, Path: path, Err: fmt.Errorf("%w: the file has schema version %d, this code knows versions up to %d; open it with a newer version of github.com/govkit/connections", ErrSchemaTooNew, st.version, latest)}
	case st.appID == ApplicationID:
		return nil
	case st.appID != 0:
		return &connections.Error{Op: op, Path: path, Err: fmt.Errorf("%w: the file is an SQLite database of another application (application_id %#x)", ErrForeignFile, st.appID)}
	case st.tables > 0:
		return &connections.Error{Op: op, Path: path, Err: fmt.Errorf("%w: the file is an SQLite database of another application (%d schema objects and no govkit application_id)", ErrForeignFile, st.tables)}
	}
	return nil
}

// init checks the file, puts it in WAL mode and migrates it, then
// prepares the statements. Nothing is written to a file check refuses.
// Processes opening a new file at once find it busy while one of them
// creates it (switching to WAL mode, for one, does not wait for locks):
// those steps are retried while the file stays busy.
func (s *Store) init(ctx context.Context, path string, requireWAL bool) error {
	op := "sqlitestore.Open"
	if !requireWAL {
		op = "sqlitestore.NewWithDB"
	}
	if err := s.retryBusy(ctx, op, func() error { return s.setUp(ctx, op, path, requireWAL) }); err != nil {
		return err
	}
	return mapErr(op, path, s.prepare(ctx))
}

// setUp is init but for the prepared statements.
func (s *Store) setUp(ctx context.Context, op, path string, requireWAL bool) error {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return mapErr(op, path, err)
	}
	defer func() { _ = c.Close() }()
	for _, p := range s.pragmas {
		if _, err := c.ExecContext(ctx, "PRAGMA "+p); err != nil {
			return mapErr(op, path, err)
		}
	}
	steps := migrations()
	latest := steps[len(steps)-1].version
	st, err := inspectConsistent(ctx, c)
	if err != nil {
		return mapErr(op, path, err)
	}
	if err := st.check(op, path, latest); err != nil {
		return err
	}
	var mode string
	if err := c.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return mapErr(op, path, err)
	}
	if mode != "wal" {
		if requireWAL {
			return fail(op, path, connections.ErrUnsupported, "the file cannot be put in WAL mode (journal_mode is %q)", mode)
		}
		s.log.Warn("sqlitestore: the database is not in WAL mode; reads wait for writes", "journal_mode", mode)
	}
	return migrate(ctx, c, op, path, steps, s.log, s.now)
}

// migrate brings the file to the last of steps in one write transaction:
// either every pending step is applied, with the version it reaches, or,
// if one fails, none is.
func migrate(ctx context.Context, c *sql.Conn, op, path string, steps []migration, log *slog.Logger, now func() time.Time) (err error) {
	latest := steps[len(steps)-1].version
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return mapErr(op, path, err)
	}
	defer func() {
		if err != nil {
			_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	// Look again, under the write lock: another process may have
	// initialized or migrated the file since.
	st, err := inspect(ctx, c)
	if err != nil {
		return mapErr(op, path, err)
	}
	if err := st.check(op, path, latest); err != nil {
		return err
	}
	if st.version >= latest && st.appID == ApplicationID {
		_, err = c.ExecContext(ctx, "COMMIT")
		return mapErr(op, path, err)
	}
	for _, m := range steps {
		if m.version <= st.version {
			continue
		}
		for _, stmt := range m.stmts {
			if _, err := c.ExecContext(ctx, stmt); err != nil {
				return mapErr(op, path, fmt.Errorf("migrate the store schema to version %d (%s): %w", m.version, m.name, err))
			}
		}
		// PRAGMA takes no parameters; the version is an int of ours.
		if _, err := c.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
			return mapErr(op, path, err)
		}
		_, err := c.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('schema_version', ?), (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
			strconv.Itoa(m.version), "migrated_to_"+strconv.Itoa(m.version), now().UTC().Format(time.RFC3339))
		if err != nil {
			return mapErr(op, path, err)
		}
		log.Info("sqlitestore: migrated the store schema", "path", path, "version", m.version, "step", m.name)
	}
	if _, err := c.ExecContext(ctx, "PRAGMA application_id = "+strconv.Itoa(ApplicationID)); err != nil {
		return mapErr(op, path, err)
	}
	_, err = c.ExecContext(ctx, "COMMIT")
	return mapErr(op, path, err)
}
