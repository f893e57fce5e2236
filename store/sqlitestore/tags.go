package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"slices"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// tagPath names an object's column, or the object, in errors.
func tagPath(key []byte, column string) string {
	p, err := decodeKey(key)
	if err != nil {
		return ""
	}
	if column != "" {
		p = p.Child(column)
	}
	return p.String()
}

// editTags reads the object's tags, lets edit change them, and writes the
// change to the object's row and the tags table.
func editTags(ctx context.Context, q *txn, op string, id hierarchy.ID, edit func(r *objRow, tags []tagRec) ([]tagRec, error)) error {
	r, err := loadByID(ctx, q, id, true)
	if errors.Is(err, sql.ErrNoRows) {
		return fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
	}
	if err != nil {
		return err
	}
	orig, err := decodeTags(r.tags, nil)
	if err != nil {
		return err
	}
	final, err := edit(&r, slices.Clone(orig))
	if err != nil {
		return err
	}
	var d tagRows
	d.diff(int64(r.depth), r.pkey, orig, final)
	if d.empty() {
		return nil
	}
	if _, err := q.exec(`UPDATE objects SET tags = ? WHERE depth = ? AND pkey = ?`, encodeTags(final), r.depth, r.pkey); err != nil {
		return err
	}
	return d.write(q)
}

// AddTag puts a tag on an object or column. ErrNotFound if the object (or
// the column) does not exist; ErrAlreadyExists if the tag, by source and
// name, is there; ErrInvalidInput for an empty name or unknown source.
func (s *Store) AddTag(ctx context.Context, ref store.TagRef) error {
	const op = "sqlitestore.AddTag"
	if err := store.ValidateTagRef(op, ref); err != nil {
		return err
	}
	t := tagRec{col: ref.Column, src: ref.Tag.Source, name: ref.Tag.Name, value: ref.Tag.Value}
	return s.write(ctx, op, ref.Object.String(), func(q *txn) error {
		return editTags(ctx, q, op, ref.Object, func(r *objRow, tags []tagRec) ([]tagRec, error) {
			if t.col != "" {
				names, err := columnNames(r.cols)
				if err != nil {
					return nil, err
				}
				if !slices.Contains(names, t.col) {
					return nil, fail(op, tagPath(r.pkey, t.col), connections.ErrNotFound, "no column %q", t.col)
				}
			}
			if _, found := slices.BinarySearchFunc(tags, t, cmpTag); found {
				return nil, fail(op, tagPath(r.pkey, t.col), connections.ErrAlreadyExists, "%s tag %q is there", t.src, t.name)
			}
			return putTag(tags, t), nil
		})
	})
}

// RemoveTag removes a tag, matched by object, column, source and name.
// ErrNotFound if it is not there.
func (s *Store) RemoveTag(ctx context.Context, ref store.TagRef) error {
	const op = "sqlitestore.RemoveTag"
	t := tagRec{col: ref.Column, src: ref.Tag.Source, name: ref.Tag.Name}
	return s.write(ctx, op, ref.Object.String(), func(q *txn) error {
		return editTags(ctx, q, op, ref.Object, func(r *objRow, tags []tagRec) ([]tagRec, error) {
			tags, found := dropTag(tags, t)
			if !found {
				return nil, fail(op, tagPath(r.pkey, t.col), connections.ErrNotFound, "no %s tag %q", t.src, t.name)
			}
			return tags, nil
		})
	})
}

// tagCursor is FindByTag's cursor: the position (path key, column,
// source) of the last hit returned.
type tagCursor struct {
	key []byte
	col string
	src int64
}

func (c tagCursor) encode() string {
	b := binary.AppendUvarint(nil, uint64(len(c.key)))
	b = append(b, c.key...)
	b = appendString(b, c.col)
	b = binary.AppendUvarint(b, uint64(c.src))
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeTagCursor(s string) (tagCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return tagCursor{}, false
	}
	d := decoder{b: b}
	c := tagCursor{key: d.bytes(), col: d.string(), src: int64(d.uvarint())}
	if d.err != nil || len(d.b) != 0 || len(c.key) == 0 {
		return tagCursor{}, false
	}
	if _, err := decodeKey(c.key); err != nil {
		return tagCursor{}, false
	}
	return c, true
}

// FindByTag returns up to page.Size() tagged objects and columns in path
// order (an object's own tags before its columns', columns by name, then
// by source), starting after the opaque cursor page.After, and the cursor
// of the next page ("" after the last). It reads one range of the tags
// table, which is kept in that order for each tag name.
func (s *Store) FindByTag(ctx context.Context, tq store.TagQuery, page store.Page) ([]store.TagHit, string, error) {
	const op = "sqlitestore.FindByTag"
	if err := store.ValidateTagQuery(op, tq); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, "", connections.Wrap(op, tq.Connection, cerr)
		}
		return nil, "", err
	}
	query := `SELECT t.pkey, t.col, t.src, t.value, o.id FROM tags t
		JOIN objects o ON o.depth = t.depth AND o.pkey = t.pkey
		WHERE t.name = ?`
	args := []any{tq.Name}
	if tq.Connection != "" {
		k := pathKey(hierarchy.Path{tq.Connection})
		query += ` AND t.pkey >= ? AND t.pkey < ?`
		args = append(args, k, keyEnd(k))
	}
	if page.After != "" {
		c, ok := decodeTagCursor(page.After)
		if !ok {
			if err := ctx.Err(); err != nil {
				return nil, "", connections.Wrap(op, tq.Connection, err)
			}
			return nil, "", fail(op, tq.Connection, connections.ErrInvalidInput, "malformed cursor %q", page.After)
		}
		query += ` AND (t.pkey, t.col, t.src) > (?, ?, ?)`
		args = append(args, c.key, c.col, c.src)
	}
	if tq.Value != "" {
		query += ` AND t.value = ?`
		args = append(args, tq.Value)
	}
	if tq.Source != nil {
		query += ` AND t.src = ?`
		args = append(args, int64(*tq.Source))
	}
	size := page.Size()
	query += ` ORDER BY t.pkey, t.col, t.src LIMIT ?`
	args = append(args, size+1)

	var (
		out  []store.TagHit
		next string
	)
	err := s.read(ctx, op, tq.Connection, func(q *txn) error {
		rows, err := q.query(query, args...)
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		var last tagCursor
		for rows.Next() {
			var (
				c     tagCursor
				value string
				id    []byte
			)
			if err := rows.Scan(&c.key, &c.col, &c.src, &value, &id); err != nil {
				return err
			}
			if len(out) == size {
				next = last.encode()
				break
			}
			p, err := decodeKey(c.key)
			if err != nil {
				return err
			}
			h := store.TagHit{Path: p, Column: c.col, Tag: hierarchy.Tag{Name: tq.Name, Value: value, Source: hierarchy.TagSource(c.src)}}
			copy(h.Object[:], id)
			out = append(out, h)
			last = c
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}
