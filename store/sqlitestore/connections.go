package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

const connCols = `key, host, display_name, technology, config, settings, status, created_by, created_at, updated_at, last_sync, revision`

func scanConnection(sc scanner) (store.Connection, error) {
	var (
		c                         store.Connection
		host                      []byte
		config                    sql.NullString
		settings                  string
		created, updated, lastRun sql.NullInt64
	)
	err := sc.Scan(&c.Key, &host, &c.DisplayName, &c.Technology, &config, &settings, &c.Status, &c.CreatedBy, &created, &updated, &lastRun, &c.Revision)
	if err != nil {
		return c, err
	}
	copy(c.HostID[:], host)
	if config.Valid {
		if err := json.Unmarshal([]byte(config.String), &c.Config); err != nil {
			return c, err
		}
	}
	if err := json.Unmarshal([]byte(settings), &c.Settings); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt, c.LastSync = fromMicros(created), fromMicros(updated), fromMicros(lastRun)
	return c, nil
}

// connArgs returns the values of c for config, settings and the times.
func connArgs(c store.Connection) (config any, settings string, err error) {
	if len(c.Config) > 0 {
		b, err := json.Marshal(c.Config)
		if err != nil {
			return nil, "", err
		}
		config = string(b)
	}
	b, err := json.Marshal(c.Settings)
	return config, string(b), err
}

// CreateConnection stores c, at revision 1, and its host object. The host must have
// Path{c.Key} and ID c.HostID (ErrInvalidInput otherwise); a taken key or
// host ID gives ErrAlreadyExists.
func (s *Store) CreateConnection(ctx context.Context, c store.Connection, host hierarchy.Object) error {
	const op = "sqlitestore.CreateConnection"
	if err := store.ValidateConnection(op, c, host); err != nil {
		return err
	}
	now := s.now()
	c.CreatedAt = stampOr(c.CreatedAt, now)
	c.UpdatedAt = stampOr(c.UpdatedAt, c.CreatedAt)
	hostCreated := stampOr(host.CreatedAt, c.CreatedAt)
	hostUpdated := stampOr(host.UpdatedAt, hostCreated)
	config, settings, err := connArgs(c)
	if err != nil {
		return fail(op, c.Key, connections.ErrInvalidInput, "%v", err)
	}
	return s.write(ctx, op, c.Key, func(q *txn) error {
		var n int
		if err := q.row(`SELECT count(*) FROM connections WHERE key = ?`, c.Key).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fail(op, c.Key, connections.ErrAlreadyExists, "connection key %q is taken", c.Key)
		}
		if _, err := q.exec(`INSERT INTO connections (`+connCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,1)`,
			c.Key, c.HostID[:], c.DisplayName, c.Technology, config, settings, string(c.Status), c.CreatedBy,
			toMicros(c.CreatedAt), toMicros(c.UpdatedAt), toMicros(c.LastSync)); err != nil {
			return err
		}
		_, err := q.exec(`INSERT INTO objects (depth, pkey, id, type, comment, state, enable, new_children, fingerprint,
			created_at, updated_at, deleted_at, n_children, n_descendants) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`,
			pathKey(host.Path), host.ID[:], host.Type, host.Comment, int64(host.State), int64(host.Enable), int64(host.NewChildren),
			int64(host.Fingerprint), toMicros(hostCreated), toMicros(hostUpdated), toMicros(host.DeletedAt))
		if isUnique(err) {
			// The key is free (checked above), so the host ID is taken, or a
			// host object outlived its connection.
			return fail(op, c.Key, connections.ErrAlreadyExists, "object ID %s, or the host path %q, is taken", host.ID, c.Key)
		}
		return err
	})
}

// Connection returns the connection with the key, or ErrNotFound.
func (s *Store) Connection(ctx context.Context, key string) (store.Connection, error) {
	const op = "sqlitestore.Connection"
	var c store.Connection
	err := s.read(ctx, op, key, func(q *txn) error {
		var err error
		c, err = scanConnection(q.row(`SELECT `+connCols+` FROM connections WHERE key = ?`, key))
		if errors.Is(err, sql.ErrNoRows) {
			return fail(op, key, connections.ErrNotFound, "no connection %q", key)
		}
		return err
	})
	return c, err
}

// Connections returns every connection, ordered by key.
func (s *Store) Connections(ctx context.Context) ([]store.Connection, error) {
	const op = "sqlitestore.Connections"
	var out []store.Connection
	err := s.read(ctx, op, "", func(q *txn) error {
		rows, err := q.query(`SELECT ` + connCols + ` FROM connections ORDER BY key`)
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			c, err := scanConnection(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateConnection replaces the stored connection with c's key if its
// revision is c.Revision (ErrConflict otherwise) and makes it
// c.Revision+1; Key, HostID and CreatedAt are kept. A zero UpdatedAt is
// set to now.
func (s *Store) UpdateConnection(ctx context.Context, c store.Connection) error {
	const op = "sqlitestore.UpdateConnection"
	c.UpdatedAt = stampOr(c.UpdatedAt, s.now())
	return s.write(ctx, op, c.Key, func(q *txn) error { return updateConnection(q, op, c) })
}

// ModifyConnection reads the connection with the key (ErrNotFound if
// there is none), calls change on it and stores the result at the next
// revision, in one write transaction: change must not call the store. An
// error from change is returned as is and nothing is written. Key, HostID
// and CreatedAt are kept; a zero UpdatedAt is set to now.
func (s *Store) ModifyConnection(ctx context.Context, key string, change func(c *store.Connection) error) (store.Connection, error) {
	const op = "sqlitestore.ModifyConnection"
	var (
		out       store.Connection
		changeErr error
	)
	err := s.write(ctx, op, key, func(q *txn) error {
		c, err := scanConnection(q.row(`SELECT `+connCols+` FROM connections WHERE key = ?`, key))
		if errors.Is(err, sql.ErrNoRows) {
			return fail(op, key, connections.ErrNotFound, "no connection %q", key)
		}
		if err != nil {
			return err
		}
		if c, changeErr = store.ChangeConnection(c, change, s.now()); changeErr != nil {
			return changeErr // rolls back
		}
		if err := updateConnection(q, op, c); err != nil {
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

// updateConnection writes c over the stored connection of its key if that
// is at c.Revision, and moves it to the next revision.
func updateConnection(q *txn, op string, c store.Connection) error {
	config, settings, err := connArgs(c)
	if err != nil {
		return fail(op, c.Key, connections.ErrInvalidInput, "%v", err)
	}
	res, err := q.exec(`UPDATE connections SET display_name = ?, technology = ?, config = ?, settings = ?,
		status = ?, created_by = ?, updated_at = ?, last_sync = ?, revision = revision + 1 WHERE key = ? AND revision = ?`,
		c.DisplayName, c.Technology, config, settings, string(c.Status), c.CreatedBy,
		toMicros(c.UpdatedAt), toMicros(c.LastSync), c.Key, c.Revision)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var rev int64
	err = q.row(`SELECT revision FROM connections WHERE key = ?`, c.Key).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return fail(op, c.Key, connections.ErrNotFound, "no connection %q", c.Key)
	}
	if err != nil {
		return err
	}
	return fail(op, c.Key, connections.ErrConflict, "connection %q is at revision %d, the update was made to revision %d (read it again)", c.Key, rev, c.Revision)
}

// DeleteConnection deletes the connection and everything under it, in one
// transaction that works a schema at a time (see DeleteObject): memory
// holds one schema's tag names at most, whatever the connection's size.
func (s *Store) DeleteConnection(ctx context.Context, key string) error {
	const op = "sqlitestore.DeleteConnection"
	return s.write(ctx, op, key, func(q *txn) error {
		var n int
		if err := q.row(`SELECT count(*) FROM connections WHERE key = ?`, key).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fail(op, key, connections.ErrNotFound, "no connection %q", key)
		}
		deleted, err := deleteSubtree(ctx, q, 1, pathKey(hierarchy.Path{key}))
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM grants WHERE connection = ?`,
			`DELETE FROM requests WHERE connection = ?`,
			`DELETE FROM connections WHERE key = ?`,
		} {
			if _, err := q.exec(stmt, key); err != nil {
				return err
			}
		}
		s.log.Debug("sqlitestore: deleted connection", "connection", key, "objects", deleted)
		return nil
	})
}

func stampOr(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}
