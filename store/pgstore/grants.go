package pgstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

// AddGrant stores a grant. ErrNotFound if the object does not exist;
// ErrAlreadyExists if the same subject already has the role there;
// ErrInvalidInput if the grant is malformed or names another connection
// than the object's. An empty Connection is filled in, a zero GrantedAt
// set to now.
func (s *Store) AddGrant(ctx context.Context, g store.Grant) error {
	const op = "pgstore.AddGrant"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateGrant(op, g); err != nil {
		return err
	}
	g.GrantedAt = stampOr(g.GrantedAt, timeNow())
	return s.inTx(ctx, op, g.Object.String(), func(tx pgx.Tx) error {
		o, _, ok, err := s.lockObject(ctx, tx, g.Object)
		if err != nil {
			return err
		}
		if !ok {
			return fail(op, g.Object.String(), connections.ErrNotFound, "no object with ID %s", g.Object)
		}
		key := o.path[0]
		if g.Connection != "" && g.Connection != key {
			return fail(op, o.path.String(), connections.ErrInvalidInput, "grant names connection %q; the object is in %q", g.Connection, key)
		}
		tag, err := tx.Exec(ctx, s.q.expand(`INSERT INTO {s}.grants (object_id, subject_kind, subject, role, connection, granted_by, granted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`),
			g.Object, int16(g.Subject.Kind), g.Subject.Name, string(g.Role), key, g.GrantedBy, g.GrantedAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fail(op, o.path.String(), connections.ErrAlreadyExists, "%s %q already has role %s", g.Subject.Kind, g.Subject.Name, g.Role)
		}
		return nil
	})
}

// RemoveGrant removes the grant of g.Role to g.Subject on g.Object.
// ErrNotFound if there is none.
func (s *Store) RemoveGrant(ctx context.Context, g store.Grant) error {
	const op = "pgstore.RemoveGrant"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, s.q.expand(`DELETE FROM {s}.grants WHERE object_id = $1 AND subject_kind = $2 AND subject = $3 AND role = $4`),
		g.Object, int16(g.Subject.Kind), g.Subject.Name, string(g.Role))
	if err != nil {
		return dbErr(ctx, op, g.Object.String(), err)
	}
	if tag.RowsAffected() == 0 {
		return fail(op, g.Object.String(), connections.ErrNotFound, "%s %q has no role %s on object %s", g.Subject.Kind, g.Subject.Name, g.Role, g.Object)
	}
	return nil
}

// Grants returns the grants the filter selects, ordered by object (ID
// byte order), subject kind, subject name and role.
func (s *Store) Grants(ctx context.Context, f store.GrantFilter) ([]store.Grant, error) {
	const op = "pgstore.Grants"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	var sb strings.Builder
	sb.WriteString(`SELECT object_id, subject_kind, subject, role, connection, granted_by, granted_at FROM {s}.grants WHERE true`)
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Connection != "" {
		sb.WriteString(` AND connection = ` + arg(f.Connection))
	}
	if len(f.Objects) > 0 {
		sb.WriteString(` AND object_id = ANY(` + arg(f.Objects) + `)`)
	}
	if f.Subject != nil {
		sb.WriteString(` AND subject_kind = ` + arg(int16(f.Subject.Kind)) + ` AND subject = ` + arg(f.Subject.Name))
	}
	sb.WriteString(` ORDER BY object_id, subject_kind, subject, role`)
	rows, err := s.pool.Query(ctx, s.q.expand(sb.String()), args...)
	if err != nil {
		return nil, dbErr(ctx, op, f.Connection, err)
	}
	defer rows.Close()
	var out []store.Grant
	for rows.Next() {
		var (
			g    store.Grant
			kind int16
			role string
		)
		if err := rows.Scan(&g.Object, &kind, &g.Subject.Name, &role, &g.Connection, &g.GrantedBy, &g.GrantedAt); err != nil {
			return nil, dbErr(ctx, op, f.Connection, err)
		}
		g.Subject.Kind, g.Role, g.GrantedAt = store.SubjectKind(kind), store.Role(role), g.GrantedAt.UTC()
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(ctx, op, f.Connection, err)
	}
	return out, nil
}
