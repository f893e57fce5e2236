package pgstore

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/cursor"
	"github.com/govkit/connections/store"
)

// lockObject locks the object for adding something to it: a shared
// advisory lock on each ancestor (see queueLockAncestors) and the object
// FOR SHARE (so that neither DeleteObject nor Apply changes it
// meanwhile). It returns the object's path and lineage, and its encoded
// columns, or ok false if it does not exist.
func (s *Store) lockObject(ctx context.Context, tx pgx.Tx, id hierarchy.ID) (o container, cols []byte, ok bool, err error) {
	o.id = id
	b := &pgx.Batch{}
	s.queueLockAncestors(b, id)
	b.Queue(s.q.expand(`SELECT `+containerColsSub+`, o.columns FROM {s}.objects o WHERE o.id = $1 FOR SHARE`), id)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if err := drain(br); err != nil {
		return o, nil, false, err
	}
	err = br.QueryRow().Scan(append(o.dest(), &cols)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, nil, false, nil
	}
	if err != nil {
		return o, nil, false, err
	}
	if err := o.finish(); err != nil {
		return o, nil, false, err
	}
	return o, cols, true, br.Close()
}

// AddTag puts a tag on an object or column. ErrNotFound if the object (or
// the column) does not exist; ErrAlreadyExists if the tag, by source and
// name, is there; ErrInvalidInput for an empty name or unknown source.
func (s *Store) AddTag(ctx context.Context, ref store.TagRef) error {
	const op = "pgstore.AddTag"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateTagRef(op, ref); err != nil {
		return err
	}
	return s.inTx(ctx, op, ref.Object.String(), func(tx pgx.Tx) error {
		o, cols, ok, err := s.lockObject(ctx, tx, ref.Object)
		if err != nil {
			return err
		}
		if !ok {
			return fail(op, ref.Object.String(), connections.ErrNotFound, "no object with ID %s", ref.Object)
		}
		if ref.Column != "" {
			if has, _ := hasColumn(cols, ref.Column); !has {
				return fail(op, o.path.Child(ref.Column).String(), connections.ErrNotFound, "no column %q", ref.Column)
			}
		}
		tag, err := tx.Exec(ctx, s.q.expand(`INSERT INTO {s}.tags (object_id, col, source, name, value, path_key) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (name, path_key, col, source) DO NOTHING`),
			ref.Object, ref.Column, int16(ref.Tag.Source), ref.Tag.Name, ref.Tag.Value, appendPathKey(nil, o.path))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fail(op, tagPath(o.path, ref.Column), connections.ErrAlreadyExists, "%s tag %q is there", ref.Tag.Source, ref.Tag.Name)
		}
		return nil
	})
}

func tagPath(p hierarchy.Path, column string) string {
	if column != "" {
		p = p.Child(column)
	}
	return p.String()
}

// RemoveTag removes a tag, matched by object, column, source and name.
// ErrNotFound if it is not there.
func (s *Store) RemoveTag(ctx context.Context, ref store.TagRef) error {
	const op = "pgstore.RemoveTag"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	var one int
	err := s.pool.QueryRow(ctx, s.q.expand(`DELETE FROM {s}.tags WHERE object_id = $1 AND col = $2 AND source = $3 AND name = $4 RETURNING 1`),
		ref.Object, ref.Column, int16(ref.Tag.Source), ref.Tag.Name).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		if err := s.pool.QueryRow(ctx, s.q.expand(`SELECT 1 FROM {s}.objects WHERE id = $1`), ref.Object).Scan(&one); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fail(op, ref.Object.String(), connections.ErrNotFound, "no object with ID %s", ref.Object)
			}
			return dbErr(ctx, op, ref.Object.String(), err)
		}
		return fail(op, ref.Object.String()+" "+ref.Column, connections.ErrNotFound, "no %s tag %q", ref.Tag.Source, ref.Tag.Name)
	}
	if err != nil {
		return dbErr(ctx, op, ref.Object.String(), err)
	}
	return nil
}

// tagCursor is the decoded form of FindByTag's opaque cursor: the
// position of the last hit returned.
type tagCursor struct {
	P []byte `json:"p"` // path key
	C string `json:"c,omitempty"`
	S int16  `json:"s"`
}

// FindByTag returns up to page.Size() tagged objects and columns in path
// order (an object's own tags before its columns', columns by name, then
// by source), starting after the opaque cursor page.After, and the cursor
// of the next page ("" after the last). It reads an index of tags by
// name and path, so a page costs the same however deep it is.
func (s *Store) FindByTag(ctx context.Context, q store.TagQuery, page store.Page) ([]store.TagHit, string, error) {
	const op = "pgstore.FindByTag"
	if err := ctxErr(ctx, op); err != nil {
		return nil, "", err
	}
	if err := store.ValidateTagQuery(op, q); err != nil {
		return nil, "", err
	}
	cur, err := cursor.Parse(op, q.Connection, page.After, func(c *tagCursor) bool { return len(c.P) > 0 })
	if err != nil {
		return nil, "", err
	}
	size := page.Size()
	var sb strings.Builder
	sb.WriteString(`SELECT t.object_id, t.path_key, t.col, t.source, t.value FROM {s}.tags t WHERE t.name = $1`)
	args := []any{q.Name}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.Connection != "" {
		lo, hi := connectionRange(q.Connection)
		sb.WriteString(` AND t.path_key >= ` + arg(lo) + ` AND t.path_key < ` + arg(hi))
	}
	if q.Value != "" {
		sb.WriteString(` AND t.value = ` + arg(q.Value))
	}
	if q.Source != nil {
		sb.WriteString(` AND t.source = ` + arg(int16(*q.Source)))
	}
	if cur != nil {
		sb.WriteString(` AND (t.path_key, t.col, t.source) > (` + arg(cur.P) + `::bytea, ` + arg(cur.C) + `::text, ` + arg(cur.S) + `::int2)`)
	}
	sb.WriteString(` ORDER BY t.path_key, t.col, t.source LIMIT ` + arg(size+1))
	rows, err := s.pool.Query(ctx, s.q.expand(sb.String()), args...)
	if err != nil {
		return nil, "", dbErr(ctx, op, q.Connection, err)
	}
	defer rows.Close()
	var (
		out  []store.TagHit
		keys [][]byte
	)
	for rows.Next() {
		var (
			h   store.TagHit
			src int16
			key []byte
		)
		if err := rows.Scan(&h.Object, &key, &h.Column, &src, &h.Tag.Value); err != nil {
			return nil, "", dbErr(ctx, op, q.Connection, err)
		}
		h.Path = splitPathKey(key)
		h.Tag.Name, h.Tag.Source = q.Name, hierarchy.TagSource(src)
		out = append(out, h)
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, "", dbErr(ctx, op, q.Connection, err)
	}
	next := ""
	if len(out) > size {
		out = out[:size]
		last := out[size-1]
		next = cursor.Encode(tagCursor{P: keys[size-1], C: last.Column, S: int16(last.Tag.Source)})
	}
	return out, next, nil
}
