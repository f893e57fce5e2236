package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

const policyCols = `name, description, target_tags, active, updated_at, updated_by`

func scanPolicy(sc scanner) (store.Policy, error) {
	var (
		p       store.Policy
		targets string
		active  bool
		at      sql.NullInt64
	)
	if err := sc.Scan(&p.Name, &p.Description, &targets, &active, &at, &p.UpdatedBy); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(targets), &p.TargetTags); err != nil {
		return p, err
	}
	p.Active, p.UpdatedAt = active, fromMicros(at)
	return p, nil
}

// Policy returns the named policy, or ErrNotFound.
func (s *Store) Policy(ctx context.Context, name string) (store.Policy, error) {
	const op = "sqlitestore.Policy"
	var p store.Policy
	err := s.read(ctx, op, name, func(q *txn) error {
		var err error
		p, err = scanPolicy(q.row(`SELECT `+policyCols+` FROM policies WHERE name = ?`, name))
		if errors.Is(err, sql.ErrNoRows) {
			return fail(op, name, connections.ErrNotFound, "no policy %q", name)
		}
		return err
	})
	return p, err
}

// Policies returns every policy, ordered by name.
func (s *Store) Policies(ctx context.Context) ([]store.Policy, error) {
	const op = "sqlitestore.Policies"
	var out []store.Policy
	err := s.read(ctx, op, "", func(q *txn) error {
		rows, err := q.query(`SELECT ` + policyCols + ` FROM policies ORDER BY name`)
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			p, err := scanPolicy(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// PutPolicy creates or replaces the named policy. An empty name gives
// ErrInvalidInput; a zero UpdatedAt is set to now.
func (s *Store) PutPolicy(ctx context.Context, p store.Policy) error {
	return s.putPolicy(ctx, "sqlitestore.PutPolicy", p, `DO UPDATE SET description = excluded.description, target_tags = excluded.target_tags,
			active = excluded.active, updated_at = excluded.updated_at, updated_by = excluded.updated_by`)
}

// CreatePolicy stores a policy of a new name; a stored name gives
// ErrAlreadyExists. An empty name gives ErrInvalidInput; a zero UpdatedAt
// is set to now.
func (s *Store) CreatePolicy(ctx context.Context, p store.Policy) error {
	return s.putPolicy(ctx, "sqlitestore.CreatePolicy", p, `DO NOTHING`)
}

// putPolicy inserts p, doing onConflict when the name is taken.
func (s *Store) putPolicy(ctx context.Context, op string, p store.Policy, onConflict string) error {
	if p.Name == "" {
		return fail(op, "", connections.ErrInvalidInput, "empty policy name")
	}
	p.UpdatedAt = s.stamp(p.UpdatedAt)
	b, err := json.Marshal(p.TargetTags)
	if err != nil {
		return fail(op, p.Name, connections.ErrInvalidInput, "%v", err)
	}
	return s.write(ctx, op, p.Name, func(q *txn) error {
		res, err := q.exec(`INSERT INTO policies (`+policyCols+`) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) `+onConflict,
			p.Name, p.Description, string(b), p.Active, toMicros(p.UpdatedAt), p.UpdatedBy)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		return fail(op, p.Name, connections.ErrAlreadyExists, "policy %q exists", p.Name)
	})
}
