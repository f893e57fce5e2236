package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// CreateConnection stores c, at revision 1, and its host object, in one
// statement. The
// host must have Path{c.Key} and ID c.HostID (ErrInvalidInput otherwise);
// a taken key or host ID gives ErrAlreadyExists. Zero times are set to
// now.
func (s *Store) CreateConnection(ctx context.Context, c store.Connection, host hierarchy.Object) error {
	const op = "pgstore.CreateConnection"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateConnection(op, c, host); err != nil {
		return err
	}
	now := time.Now()
	c.CreatedAt = stampOr(c.CreatedAt, now)
	c.UpdatedAt = stampOr(c.UpdatedAt, c.CreatedAt)
	created := stampOr(host.CreatedAt, c.CreatedAt)
	updated := stampOr(host.UpdatedAt, created)
	config, settings, err := encodeConnection(c)
	if err != nil {
		return fail(op, c.Key, connections.ErrInvalidInput, "%v", err)
	}
	_, err = s.pool.Exec(ctx, s.q.expand(`WITH c AS (
			INSERT INTO {s}.connections (key, host_id, display_name, technology, config, settings, status, created_by, created_at, updated_at, last_sync, revision)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)
		)
		INSERT INTO {s}.objects (id, depth, name, type, comment, state, enable, new_children, fingerprint, created_at, updated_at, deleted_at)
		VALUES ($2, 1, $1, $12, $13, $14, $15, $16, $17, $18, $19, $20)`),
		c.Key, c.HostID, c.DisplayName, c.Technology, config, settings, string(c.Status), c.CreatedBy,
		c.CreatedAt, c.UpdatedAt, nullTime(c.LastSync),
		host.Type, host.Comment, int16(host.State), int16(host.Enable), int16(host.NewChildren), int64(host.Fingerprint),
		created, updated, nullTime(host.DeletedAt))
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			if pe.ConstraintName == "connections_pkey" {
				return fail(op, c.Key, connections.ErrAlreadyExists, "connection key %q is taken", c.Key)
			}
			return fail(op, c.Key, connections.ErrAlreadyExists, "object ID %s is taken", c.HostID)
		}
		return dbErr(ctx, op, c.Key, err)
	}
	return nil
}

func encodeConnection(c store.Connection) (config, settings []byte, err error) {
	if len(c.Config) > 0 {
		if config, err = json.Marshal(c.Config); err != nil {
			return nil, nil, err
		}
	}
	settings, err = json.Marshal(c.Settings)
	return config, settings, err
}

const connCols = `key, host_id, display_name, technology, config, settings, status, created_by, created_at, updated_at, last_sync, revision`

// scanConnection reads a row of connCols.
func scanConnection(row pgx.Row) (store.Connection, error) {
	var (
		c                store.Connection
		config, settings []byte
		status           string
		last             pgtype.Timestamptz
	)
	if err := row.Scan(&c.Key, &c.HostID, &c.DisplayName, &c.Technology, &config, &settings, &status, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt, &last, &c.Revision); err != nil {
		return c, err
	}
	c.Status = store.ConnectionStatus(status)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if last.Valid {
		c.LastSync = last.Time.UTC()
	}
	if len(config) > 0 {
		if err := json.Unmarshal(config, &c.Config); err != nil {
			return c, err
		}
	}
	if err := json.Unmarshal(settings, &c.Settings); err != nil {
		return c, err
	}
	return c, nil
}

// Connection returns the connection with the key, or ErrNotFound.
func (s *Store) Connection(ctx context.Context, key string) (store.Connection, error) {
	const op = "pgstore.Connection"
	if err := ctxErr(ctx, op); err != nil {
		return store.Connection{}, err
	}
	c, err := scanConnection(s.pool.QueryRow(ctx, s.q.expand(`SELECT `+connCols+` FROM {s}.connections WHERE key = $1`), key))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Connection{}, fail(op, key, connections.ErrNotFound, "no connection %q", key)
	}
	if err != nil {
		return store.Connection{}, dbErr(ctx, op, key, err)
	}
	return c, nil
}

// Connections returns every connection, ordered by key (byte order).
func (s *Store) Connections(ctx context.Context) ([]store.Connection, error) {
	const op = "pgstore.Connections"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, s.q.expand(`SELECT `+connCols+` FROM {s}.connections ORDER BY key`))
	if err != nil {
		return nil, dbErr(ctx, op, "", err)
	}
	defer rows.Close()
	var out []store.Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, dbErr(ctx, op, "", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(ctx, op, "", err)
	}
	return out, nil
}

// UpdateConnection replaces the stored connection with c's key if its
// revision is c.Revision (ErrConflict otherwise) and makes it
// c.Revision+1, in one statement; Key, HostID and CreatedAt are kept. A
// zero UpdatedAt is set to now.
func (s *Store) UpdateConnection(ctx context.Context, c store.Connection) error {
	const op = "pgstore.UpdateConnection"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	c.UpdatedAt = stampOr(c.UpdatedAt, time.Now())
	return dbErr(ctx, op, c.Key, s.updateConnection(ctx, s.pool, op, c))
}

// ModifyConnection reads the connection with the key (ErrNotFound if
// there is none) with its row locked, calls change on it and stores the
// result at the next revision, in one transaction: change must not call
// the store, and is called again if PostgreSQL aborts the transaction to
// break a deadlock. An error from change is returned as is and nothing is
// written. Key, HostID and CreatedAt are kept; a zero UpdatedAt is set to
// now.
func (s *Store) ModifyConnection(ctx context.Context, key string, change func(c *store.Connection) error) (store.Connection, error) {
	const op = "pgstore.ModifyConnection"
	if err := ctxErr(ctx, op); err != nil {
		return store.Connection{}, err
	}
	var (
		out       store.Connection
		changeErr error
	)
	err := s.inTx(ctx, op, key, func(tx pgx.Tx) error {
		c, err := scanConnection(tx.QueryRow(ctx, s.q.expand(`SELECT `+connCols+` FROM {s}.connections WHERE key = $1 FOR UPDATE`), key))
		if errors.Is(err, pgx.ErrNoRows) {
			return fail(op, key, connections.ErrNotFound, "no connection %q", key)
		}
		if err != nil {
			return err
		}
		if c, changeErr = store.ChangeConnection(c, change, time.Now()); changeErr != nil {
			return changeErr // rolls back
		}
		if err := s.updateConnection(ctx, tx, op, c); err != nil {
			return err
		}
		c.Revision++
		out = c
		return nil
	})
	if changeErr != nil {
		return store.Connection{}, changeErr
	}
	if err != nil {
		return store.Connection{}, err
	}
	return out, nil
}

// rowQuerier is a pool or a transaction.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// updateConnection writes c over the stored connection of its key if that
// is at c.Revision, and moves it to the next revision, in one statement.
func (s *Store) updateConnection(ctx context.Context, q rowQuerier, op string, c store.Connection) error {
	config, settings, err := encodeConnection(c)
	if err != nil {
		return fail(op, c.Key, connections.ErrInvalidInput, "%v", err)
	}
	// The outer SELECT sees the row as it was before the UPDATE: its
	// revision tells a stale update from a missing connection.
	var (
		updated int
		rev     pgtype.Int8
	)
	err = q.QueryRow(ctx, s.q.expand(`WITH u AS (
			UPDATE {s}.connections SET display_name = $2, technology = $3, config = $4, settings = $5,
				status = $6, created_by = $7, updated_at = $8, last_sync = $9, revision = revision + 1
			WHERE key = $1 AND revision = $10
			RETURNING 1
		)
		SELECT (SELECT count(*) FROM u), (SELECT revision FROM {s}.connections WHERE key = $1)`),
		c.Key, c.DisplayName, c.Technology, config, settings, string(c.Status), c.CreatedBy, c.UpdatedAt, nullTime(c.LastSync), c.Revision).
		Scan(&updated, &rev)
	switch {
	case err != nil:
		return err
	case updated == 1:
		return nil
	case !rev.Valid:
		return fail(op, c.Key, connections.ErrNotFound, "no connection %q", c.Key)
	}
	return fail(op, c.Key, connections.ErrConflict, "connection %q is at revision %d, the update was made to revision %d (read it again)", c.Key, rev.Int64, c.Revision)
}

// levelCond returns the condition on objects (unaliased) that selects the
// objects level levels below the objects whose IDs are in $1 (level 0:
// those objects). Each level goes through the parent index: an array of
// the level above is built first (ARRAY(...) is computed once), so that
// PostgreSQL looks each parent up in the index whatever its statistics
// say, instead of hash-joining a whole table.
func levelCond(level int) string {
	switch level {
	case 0:
		return `id = ANY($1)`
	case 1:
		return `parent_id = ANY($1)`
	}
	return `parent_id = ANY(ARRAY(SELECT id FROM {s}.objects WHERE ` + levelCond(level-1) + `))`
}

// subtreeLevels returns how many levels an object of depth d spans,
// itself included.
func subtreeLevels(d int16) int { return hierarchy.MaxDepth - int(d) + 1 }

// queueDeleteSubtree queues the statements that delete the objects at
// and below the IDs in ids (all of depth d), deepest level first, with
// their tags and, if grants, their grants and requests. The objects'
// statements report how many rows each deleted.
func (s *Store) queueDeleteSubtree(b *pgx.Batch, ids []hierarchy.ID, d int16, grants bool) (objects []*pgx.QueuedQuery) {
	for level := subtreeLevels(d) - 1; level >= 0; level-- {
		sel := `ANY(ARRAY(SELECT id FROM {s}.objects WHERE ` + levelCond(level) + `))`
		b.Queue(s.q.expand(`DELETE FROM {s}.tags WHERE object_id = `+sel), ids)
		if grants {
			b.Queue(s.q.expand(`DELETE FROM {s}.grants WHERE object_id = `+sel), ids)
			b.Queue(s.q.expand(`DELETE FROM {s}.requests WHERE object_id = `+sel), ids)
		}
		objects = append(objects, b.Queue(s.q.expand(`DELETE FROM {s}.objects WHERE `+levelCond(level)), ids))
	}
	return objects
}

// DeleteConnection deletes the connection and everything under it
// (objects, tags, grants, requests) in one transaction, by set-based
// statements that walk the hierarchy level by level in the database:
// nothing of it is loaded into this process, however large the
// connection.
func (s *Store) DeleteConnection(ctx context.Context, key string) error {
	const op = "pgstore.DeleteConnection"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	return s.inTx(ctx, op, key, func(tx pgx.Tx) error {
		var host hierarchy.ID
		err := tx.QueryRow(ctx, s.q.expand(`SELECT host_id FROM {s}.connections WHERE key = $1 FOR UPDATE`), key).Scan(&host)
		if errors.Is(err, pgx.ErrNoRows) {
			return fail(op, key, connections.ErrNotFound, "no connection %q", key)
		}
		if err != nil {
			return err
		}
		// Nothing is added under the host meanwhile (see
		// queueLockAncestors).
		if err := s.lockExclusive(ctx, tx, host); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, s.q.expand(`SELECT 1 FROM {s}.objects WHERE id = $1 FOR UPDATE`), host); err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(s.q.expand(`DELETE FROM {s}.grants WHERE connection = $1`), key)
		b.Queue(s.q.expand(`DELETE FROM {s}.requests WHERE connection = $1`), key)
		s.queueDeleteSubtree(b, []hierarchy.ID{host}, 1, false) // grants and requests go by connection
		b.Queue(s.q.expand(`DELETE FROM {s}.connections WHERE key = $1`), key)
		return tx.SendBatch(ctx, b).Close()
	})
}

func stampOr(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

// nullTime returns nil (NULL) for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
