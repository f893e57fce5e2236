package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

// AddAdmin makes a.Subject an admin. ErrAlreadyExists if it is one;
// ErrInvalidInput if the subject is not a user or group with a name. A
// zero AddedAt is set to now.
func (s *Store) AddAdmin(ctx context.Context, a store.Admin) error {
	const op = "pgstore.AddAdmin"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateAdmin(op, a); err != nil {
		return err
	}
	a.AddedAt = stampOr(a.AddedAt, timeNow())
	tag, err := s.pool.Exec(ctx, s.q.expand(`INSERT INTO {s}.admins (subject_kind, subject, added_by, added_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`),
		int16(a.Subject.Kind), a.Subject.Name, a.AddedBy, a.AddedAt)
	if err != nil {
		return dbErr(ctx, op, a.Subject.Name, err)
	}
	if tag.RowsAffected() == 0 {
		return fail(op, a.Subject.Name, connections.ErrAlreadyExists, "%s %q is already an admin", a.Subject.Kind, a.Subject.Name)
	}
	return nil
}

// RemoveAdmin makes the subject an admin no more. ErrNotFound if it is
// not one; with keepLast, ErrConflict if it is the last one. With
// keepLast every admin row is locked first, so that concurrent removals
// count what the others left.
func (s *Store) RemoveAdmin(ctx context.Context, sub store.Subject, keepLast bool) error {
	const op = "pgstore.RemoveAdmin"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	return s.inTx(ctx, op, sub.Name, func(tx pgx.Tx) error {
		last := false
		if keepLast {
			var n int
			if err := tx.QueryRow(ctx, s.q.expand(`SELECT count(*) FROM (SELECT 1 FROM {s}.admins FOR UPDATE) a`)).Scan(&n); err != nil {
				return err
			}
			last = n == 1
		}
		tag, err := tx.Exec(ctx, s.q.expand(`DELETE FROM {s}.admins WHERE subject_kind = $1 AND subject = $2`), int16(sub.Kind), sub.Name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fail(op, sub.Name, connections.ErrNotFound, "%s %q is not an admin", sub.Kind, sub.Name)
		}
		if last { // rolled back with the transaction
			return fail(op, sub.Name, connections.ErrConflict, "%s %q is the last admin", sub.Kind, sub.Name)
		}
		return nil
	})
}

// Admins returns every admin, ordered by subject kind and name (byte
// order).
func (s *Store) Admins(ctx context.Context) ([]store.Admin, error) {
	const op = "pgstore.Admins"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, s.q.expand(`SELECT subject_kind, subject, added_by, added_at FROM {s}.admins ORDER BY subject_kind, subject`))
	if err != nil {
		return nil, dbErr(ctx, op, "", err)
	}
	defer rows.Close()
	var out []store.Admin
	for rows.Next() {
		var (
			a    store.Admin
			kind int16
		)
		if err := rows.Scan(&kind, &a.Subject.Name, &a.AddedBy, &a.AddedAt); err != nil {
			return nil, dbErr(ctx, op, "", err)
		}
		a.Subject.Kind, a.AddedAt = store.SubjectKind(kind), a.AddedAt.UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(ctx, op, "", err)
	}
	return out, nil
}
