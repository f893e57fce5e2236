package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

// timeNow stamps writes that carry no time of their own.
func timeNow() time.Time { return time.Now() }

const policyCols = `name, description, target_tags, active, updated_at, updated_by`

func scanPolicy(row pgx.Row) (store.Policy, error) {
	var (
		p    store.Policy
		tags []string
	)
	if err := row.Scan(&p.Name, &p.Description, &tags, &p.Active, &p.UpdatedAt, &p.UpdatedBy); err != nil {
		return p, err
	}
	if len(tags) > 0 {
		p.TargetTags = tags
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	return p, nil
}

// Policy returns the named policy, or ErrNotFound.
func (s *Store) Policy(ctx context.Context, name string) (store.Policy, error) {
	const op = "pgstore.Policy"
	if err := ctxErr(ctx, op); err != nil {
		return store.Policy{}, err
	}
	p, err := scanPolicy(s.pool.QueryRow(ctx, s.q.expand(`SELECT `+policyCols+` FROM {s}.policies WHERE name = $1`), name))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Policy{}, fail(op, name, connections.ErrNotFound, "no policy %q", name)
	}
	if err != nil {
		return store.Policy{}, dbErr(ctx, op, name, err)
	}
	return p, nil
}

// Policies returns every policy, ordered by name (byte order).
func (s *Store) Policies(ctx context.Context) ([]store.Policy, error) {
	const op = "pgstore.Policies"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, s.q.expand(`SELECT `+policyCols+` FROM {s}.policies ORDER BY name`))
	if err != nil {
		return nil, dbErr(ctx, op, "", err)
	}
	defer rows.Close()
	var out []store.Policy
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, dbErr(ctx, op, "", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(ctx, op, "", err)
	}
	return out, nil
}

// PutPolicy creates or replaces the named policy. An empty name gives
// ErrInvalidInput; a zero UpdatedAt is set to now.
func (s *Store) PutPolicy(ctx context.Context, p store.Policy) error {
	return s.putPolicy(ctx, "pgstore.PutPolicy", p, `DO UPDATE SET description = EXCLUDED.description, target_tags = EXCLUDED.target_tags,
			active = EXCLUDED.active, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`)
}

// CreatePolicy stores a policy of a new name; a stored name gives
// ErrAlreadyExists. An empty name gives ErrInvalidInput; a zero UpdatedAt
// is set to now.
func (s *Store) CreatePolicy(ctx context.Context, p store.Policy) error {
	return s.putPolicy(ctx, "pgstore.CreatePolicy", p, `DO NOTHING`)
}

// putPolicy inserts p, doing onConflict when the name is taken.
func (s *Store) putPolicy(ctx context.Context, op string, p store.Policy, onConflict string) error {
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if p.Name == "" {
		return fail(op, "", connections.ErrInvalidInput, "empty policy name")
	}
	var tags any
	if len(p.TargetTags) > 0 {
		tags = p.TargetTags
	}
	tag, err := s.pool.Exec(ctx, s.q.expand(`INSERT INTO {s}.policies (`+policyCols+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (name) `+onConflict),
		p.Name, p.Description, tags, p.Active, stampOr(p.UpdatedAt, timeNow()), p.UpdatedBy)
	if err != nil {
		return dbErr(ctx, op, p.Name, err)
	}
	if tag.RowsAffected() == 0 {
		return fail(op, p.Name, connections.ErrAlreadyExists, "policy %q exists", p.Name)
	}
	return nil
}
