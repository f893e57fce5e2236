package sqlitestore

import (
	"context"
	"database/sql"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

// AddAdmin makes a.Subject an admin. ErrAlreadyExists if it is one;
// ErrInvalidInput if the subject is not a user or group with a name. A
// zero AddedAt is set to now.
func (s *Store) AddAdmin(ctx context.Context, a store.Admin) error {
	const op = "sqlitestore.AddAdmin"
	if err := store.ValidateAdmin(op, a); err != nil {
		return err
	}
	a.AddedAt = s.stamp(a.AddedAt)
	return s.write(ctx, op, a.Subject.Name, func(q *txn) error {
		_, err := q.exec(`INSERT INTO admins (subject_kind, subject, added_by, added_at) VALUES (?, ?, ?, ?)`,
			int64(a.Subject.Kind), a.Subject.Name, a.AddedBy, toMicros(a.AddedAt))
		if isUnique(err) {
			return fail(op, a.Subject.Name, connections.ErrAlreadyExists, "%s %q is already an admin", a.Subject.Kind, a.Subject.Name)
		}
		return err
	})
}

// RemoveAdmin makes the subject an admin no more. ErrNotFound if it is
// not one; with keepLast, ErrConflict if it is the last one (counted in
// the same write transaction).
func (s *Store) RemoveAdmin(ctx context.Context, sub store.Subject, keepLast bool) error {
	const op = "sqlitestore.RemoveAdmin"
	return s.write(ctx, op, sub.Name, func(q *txn) error {
		res, err := q.exec(`DELETE FROM admins WHERE subject_kind = ? AND subject = ?`, int64(sub.Kind), sub.Name)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return fail(op, sub.Name, connections.ErrNotFound, "%s %q is not an admin", sub.Kind, sub.Name)
		}
		if !keepLast {
			return nil
		}
		var left int
		if err := q.row(`SELECT count(*) FROM admins`).Scan(&left); err != nil {
			return err
		}
		if left == 0 { // rolled back with the transaction
			return fail(op, sub.Name, connections.ErrConflict, "%s %q is the last admin", sub.Kind, sub.Name)
		}
		return nil
	})
}

// Admins returns every admin, ordered by subject kind and name.
func (s *Store) Admins(ctx context.Context) ([]store.Admin, error) {
	const op = "sqlitestore.Admins"
	var out []store.Admin
	err := s.read(ctx, op, "", func(q *txn) error {
		rows, err := q.query(`SELECT subject_kind, subject, added_by, added_at FROM admins ORDER BY subject_kind, subject`)
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			var (
				a    store.Admin
				kind int64
				at   sql.NullInt64
			)
			if err := rows.Scan(&kind, &a.Subject.Name, &a.AddedBy, &at); err != nil {
				return err
			}
			a.Subject.Kind, a.AddedAt = store.SubjectKind(kind), fromMicros(at)
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}
