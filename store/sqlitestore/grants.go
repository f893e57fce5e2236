package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// objectKey returns the depth and path key of the object with the ID.
func objectKey(ctx context.Context, q *txn, op string, id hierarchy.ID) (int, []byte, hierarchy.Path, error) {
	var (
		depth int
		key   []byte
	)
	err := q.row(`SELECT depth, pkey FROM objects WHERE id = ?`, id[:]).Scan(&depth, &key)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil, fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
	}
	if err != nil {
		return 0, nil, nil, err
	}
	p, err := decodeKey(key)
	return depth, key, p, err
}

// AddGrant stores a grant. ErrNotFound if the object does not exist;
// ErrAlreadyExists if the same subject already has the role there;
// ErrInvalidInput if the grant is malformed or names another connection
// than the object's. An empty Connection is filled in, a zero GrantedAt
// set to now.
func (s *Store) AddGrant(ctx context.Context, g store.Grant) error {
	const op = "sqlitestore.AddGrant"
	if err := store.ValidateGrant(op, g); err != nil {
		return err
	}
	g.GrantedAt = s.stamp(g.GrantedAt)
	return s.write(ctx, op, g.Object.String(), func(q *txn) error {
		_, key, path, err := objectKey(ctx, q, op, g.Object)
		if err != nil {
			return err
		}
		if g.Connection != "" && g.Connection != path[0] {
			return fail(op, path.String(), connections.ErrInvalidInput, "grant names connection %q; the object is in %q", g.Connection, path[0])
		}
		_, err = q.exec(`INSERT INTO grants (object, subject_kind, subject, role, connection, opkey, granted_by, granted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			g.Object[:], int64(g.Subject.Kind), g.Subject.Name, string(g.Role), path[0], key, g.GrantedBy, toMicros(g.GrantedAt))
		if isUnique(err) {
			return fail(op, path.String(), connections.ErrAlreadyExists, "%s %q already has role %s", g.Subject.Kind, g.Subject.Name, g.Role)
		}
		return err
	})
}

// RemoveGrant removes the grant of g.Role to g.Subject on g.Object.
// ErrNotFound if there is none.
func (s *Store) RemoveGrant(ctx context.Context, g store.Grant) error {
	const op = "sqlitestore.RemoveGrant"
	return s.write(ctx, op, g.Object.String(), func(q *txn) error {
		_, _, path, err := objectKey(ctx, q, op, g.Object)
		if err != nil {
			return err
		}
		res, err := q.exec(`DELETE FROM grants WHERE object = ? AND subject_kind = ? AND subject = ? AND role = ?`,
			g.Object[:], int64(g.Subject.Kind), g.Subject.Name, string(g.Role))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return fail(op, path.String(), connections.ErrNotFound, "%s %q has no role %s here", g.Subject.Kind, g.Subject.Name, g.Role)
		}
		return nil
	})
}

// maxInList caps the IDs one statement binds in an IN list.
const maxInList = 4096

// Grants returns the grants the filter selects, ordered by object (ID
// byte order), subject kind, subject name and role.
func (s *Store) Grants(ctx context.Context, f store.GrantFilter) ([]store.Grant, error) {
	const op = "sqlitestore.Grants"
	var out []store.Grant
	err := s.read(ctx, op, f.Connection, func(q *txn) error {
		objs := f.Objects
		for first := true; first || len(objs) > 0; first = false {
			chunk := objs[:min(len(objs), maxInList)]
			objs = objs[len(chunk):]
			if err := grantsQuery(ctx, q, f, chunk, &out); err != nil {
				return err
			}
		}
		return nil
	})
	if len(f.Objects) > maxInList {
		slices.SortFunc(out, store.CompareGrants)
	}
	return out, err
}

// grantsQuery appends to out the grants f selects on the objects (any
// object if there are none).
func grantsQuery(ctx context.Context, q *txn, f store.GrantFilter, objects []hierarchy.ID, out *[]store.Grant) error {
	query := `SELECT object, subject_kind, subject, role, connection, granted_by, granted_at FROM grants WHERE 1`
	var args []any
	if f.Connection != "" {
		query += ` AND connection = ?`
		args = append(args, f.Connection)
	}
	if len(objects) > 0 {
		query += ` AND object IN (?` + strings.Repeat(",?", len(objects)-1) + `)`
		for _, id := range objects {
			args = append(args, id[:])
		}
	}
	if f.Subject != nil {
		query += ` AND subject_kind = ? AND subject = ?`
		args = append(args, int64(f.Subject.Kind), f.Subject.Name)
	}
	query += ` ORDER BY object, subject_kind, subject, role`
	rows, err := q.queryOnce(query, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var (
			g    store.Grant
			obj  []byte
			kind int64
			role string
			at   sql.NullInt64
		)
		if err := rows.Scan(&obj, &kind, &g.Subject.Name, &role, &g.Connection, &g.GrantedBy, &at); err != nil {
			return err
		}
		copy(g.Object[:], obj)
		g.Subject.Kind, g.Role, g.GrantedAt = store.SubjectKind(kind), store.Role(role), fromMicros(at)
		*out = append(*out, g)
	}
	return rows.Err()
}
