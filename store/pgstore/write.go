package pgstore

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// UpdateSettings changes an object's enable settings (B8, B9), in one
// transaction. ResetDescendants sets the own Enable setting of every
// object below to Inherit with one set-based statement. An invalid
// setting gives ErrInvalidInput.
func (s *Store) UpdateSettings(ctx context.Context, id hierarchy.ID, u store.SettingsUpdate) error {
	const op = "pgstore.UpdateSettings"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateSettingsUpdate(op, id, u); err != nil {
		return err
	}
	var enable, kids any
	if u.Enable != nil {
		enable = int16(*u.Enable)
	}
	if u.NewChildren != nil {
		kids = int16(*u.NewChildren)
	}
	return s.inTx(ctx, op, id.String(), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, s.q.expand(`UPDATE {s}.objects SET enable = coalesce($2, enable), new_children = coalesce($3, new_children) WHERE id = $1`),
			id, enable, kids)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
		}
		if !u.ResetDescendants {
			return nil
		}
		var depth int16
		if err := tx.QueryRow(ctx, s.q.expand(`SELECT depth FROM {s}.objects WHERE id = $1`), id).Scan(&depth); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for level := 1; level < subtreeLevels(depth); level++ {
			b.Queue(s.q.expand(`UPDATE {s}.objects SET enable = 0 WHERE `+levelCond(level)+` AND enable <> 0`), []hierarchy.ID{id})
		}
		if b.Len() == 0 {
			return nil
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

// DeleteObject deletes a database, schema or table and everything under
// it, with their tags, grants and requests, and clears the fingerprints
// of its ancestors, in one transaction of set-based statements (nothing
// of the subtree is loaded into memory). It returns how many objects were
// deleted.
func (s *Store) DeleteObject(ctx context.Context, id hierarchy.ID) (int64, error) {
	const op = "pgstore.DeleteObject"
	if err := ctxErr(ctx, op); err != nil {
		return 0, err
	}
	var n int64
	err := s.inTx(ctx, op, id.String(), func(tx pgx.Tx) error {
		o := container{id: id}
		err := tx.QueryRow(ctx, s.q.expand(parentQuery), id).Scan(o.dest()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
		}
		if err != nil {
			return err
		}
		if err := o.finish(); err != nil {
			return err
		}
		if o.depth == 1 {
			return fail(op, o.path.String(), connections.ErrInvalidInput, "%s is a host; delete the connection instead", id)
		}
		// Lock top down: the ancestors (whose counts and fingerprints
		// change), then the object, exclusively against Applies and tags
		// below it (see queueLockAncestors).
		lineage := o.lineage()
		if _, err := tx.Exec(ctx, s.q.expand(`SELECT 1 FROM {s}.objects WHERE id = ANY($1) ORDER BY depth FOR NO KEY UPDATE`), lineage); err != nil {
			return err
		}
		if err := s.lockExclusive(ctx, tx, id); err != nil {
			return err
		}
		var still bool
		if err := tx.QueryRow(ctx, s.q.expand(`SELECT true FROM {s}.objects WHERE id = $1 FOR UPDATE`), id).Scan(&still); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fail(op, o.path.String(), connections.ErrNotFound, "no object with ID %s", id)
			}
			return err
		}
		b := &pgx.Batch{}
		for _, q := range s.queueDeleteSubtree(b, []hierarchy.ID{id}, o.depth, true) {
			q.Exec(func(tag pgconn.CommandTag) error {
				n += tag.RowsAffected()
				return nil
			})
		}
		parent := lineage[len(lineage)-1]
		b.Queue(s.q.expand(`UPDATE {s}.objects SET fingerprint = 0,
				children = children - CASE WHEN id = $2 THEN 1 ELSE 0 END
			WHERE id = ANY($1)`), lineage, parent)
		n = 0
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
