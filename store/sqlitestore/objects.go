package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// objBase lists the columns of an object row every read takes (state and
// the two settings packed in one value: the driver's cost is per column);
// objDetail adds the column and tag lists.
const (
	objBase   = `depth, pkey, id, type, comment, state | (enable << 2) | (new_children << 4), fingerprint, created_at, updated_at, deleted_at, n_children, n_descendants`
	objDetail = objBase + `, columns, tags`
)

// objRow is one row of the objects table.
type objRow struct {
	depth                     int
	pkey                      []byte
	id                        hierarchy.ID
	typ, comment              string
	flags                     int64 // state | enable<<2 | new_children<<4
	fp                        int64
	created, updated, deleted sql.NullInt64
	nkids, ndesc              int64
	cols, tags                []byte
}

type scanner interface{ Scan(dest ...any) error }

// scanObj reads a row selected with objBase, or objDetail if detail.
func scanObj(sc scanner, r *objRow, detail bool) error {
	var id []byte
	dest := []any{&r.depth, &r.pkey, &id, &r.typ, &r.comment, &r.flags, &r.fp,
		&r.created, &r.updated, &r.deleted, &r.nkids, &r.ndesc}
	if detail {
		dest = append(dest, &r.cols, &r.tags)
	}
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	if len(id) != len(r.id) {
		return fmt.Errorf("object row has an ID of %d bytes: %w", len(id), errBadKey)
	}
	copy(r.id[:], id)
	return nil
}

func (r *objRow) state() hierarchy.State     { return hierarchy.State(r.flags & 3) }
func (r *objRow) enable() hierarchy.Setting  { return hierarchy.Setting(r.flags >> 2 & 3) }
func (r *objRow) newKids() hierarchy.Setting { return hierarchy.Setting(r.flags >> 4 & 3) }

// object turns r into an Object with the given path and ancestors; with
// detail, columns and tags are filled (colBuf, if it has room, backs the
// columns).
func (r *objRow) object(path hierarchy.Path, anc [hierarchy.MaxDepth - 1]hierarchy.ID, detail bool, intern map[string]string, colBuf *[]hierarchy.Column) (hierarchy.Object, error) {
	o := hierarchy.Object{
		ID: r.id, Ancestors: anc, Path: path, Type: r.typ, Comment: r.comment,
		State: r.state(), Enable: r.enable(), NewChildren: r.newKids(),
		Fingerprint: hierarchy.Fingerprint(r.fp),
		CreatedAt:   fromMicros(r.created), UpdatedAt: fromMicros(r.updated), DeletedAt: fromMicros(r.deleted),
	}
	if !detail {
		return o, nil
	}
	if len(r.cols) > 0 {
		var err error
		if colBuf != nil {
			n := len(*colBuf)
			*colBuf, err = decodeColumns(r.cols, *colBuf, intern)
			o.Columns = (*colBuf)[n:len(*colBuf):len(*colBuf)]
		} else {
			o.Columns, err = decodeColumns(r.cols, nil, intern)
		}
		if err != nil {
			return o, err
		}
	}
	tags, err := decodeTags(r.tags, intern)
	if err != nil {
		return o, err
	}
	fillTags(&o, tags)
	return o, nil
}

// loadByID reads the row of the object with the ID; sql.ErrNoRows if there
// is none.
func loadByID(ctx context.Context, q *txn, id hierarchy.ID, detail bool) (objRow, error) {
	query := sqlObjByID
	if detail {
		query = sqlObjByIDDetail
	}
	var r objRow
	err := scanObj(q.row(query, id[:]), &r, detail)
	return r, err
}

// loadByKey reads the row of the object at a path key.
func loadByKey(ctx context.Context, q *txn, depth int, key []byte, detail bool) (objRow, error) {
	query := sqlObjByKey
	if detail {
		query = sqlObjByKeyFull
	}
	var r objRow
	err := scanObj(q.row(query, int64(depth), key), &r, detail)
	return r, err
}

// ancestors returns the IDs of the objects above the object at path,
// host first, as Object.Ancestors holds them.
func ancestors(ctx context.Context, q *txn, path hierarchy.Path) ([hierarchy.MaxDepth - 1]hierarchy.ID, error) {
	var anc [hierarchy.MaxDepth - 1]hierarchy.ID
	var key []byte
	for i := 0; i < len(path)-1 && i < len(anc); i++ {
		key = appendSegment(key, path[i])
		var id []byte
		if err := q.row(sqlIDByKey, int64(i+1), key).Scan(&id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return anc, fmt.Errorf("the ancestor %s of %s is missing: %w", hierarchy.Path(path[:i+1]), path, errBadKey)
			}
			return anc, err
		}
		copy(anc[i][:], id)
	}
	return anc, nil
}

// readObject reads a whole object (with columns and tags) by ID or, when
// path is not nil, by path.
func readObject(ctx context.Context, q *txn, id hierarchy.ID, path hierarchy.Path) (hierarchy.Object, error) {
	var (
		r   objRow
		err error
	)
	if path != nil {
		r, err = loadByKey(ctx, q, len(path), pathKey(path), true)
	} else {
		r, err = loadByID(ctx, q, id, true)
	}
	if err != nil {
		return hierarchy.Object{}, err
	}
	p, err := decodeKey(r.pkey)
	if err != nil {
		return hierarchy.Object{}, err
	}
	anc, err := ancestors(ctx, q, p)
	if err != nil {
		return hierarchy.Object{}, err
	}
	return r.object(p, anc, true, nil, nil)
}

// Object returns the object with the ID, with columns and tags.
func (s *Store) Object(ctx context.Context, id hierarchy.ID) (hierarchy.Object, error) {
	const op = "sqlitestore.Object"
	var o hierarchy.Object
	err := s.read(ctx, op, id.String(), func(q *txn) error {
		var err error
		o, err = readObject(ctx, q, id, nil)
		if errors.Is(err, sql.ErrNoRows) {
			return fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
		}
		return err
	})
	return o, err
}

// Lookup returns the object at the path (one to four segments), with
// columns and tags. A malformed path gives ErrInvalidInput.
func (s *Store) Lookup(ctx context.Context, path hierarchy.Path) (hierarchy.Object, error) {
	const op = "sqlitestore.Lookup"
	if err := ctx.Err(); err != nil {
		return hierarchy.Object{}, connections.Wrap(op, path.String(), err)
	}
	if err := store.ValidateObjectPath(op, path); err != nil {
		return hierarchy.Object{}, err
	}
	var o hierarchy.Object
	err := s.read(ctx, op, path.String(), func(q *txn) error {
		var err error
		o, err = readObject(ctx, q, hierarchy.ID{}, path)
		if errors.Is(err, sql.ErrNoRows) {
			return fail(op, path.String(), connections.ErrNotFound, "no object at this path")
		}
		return err
	})
	return o, err
}

// container is a parent whose children a read lists.
type container struct {
	row  objRow
	path hierarchy.Path
	anc  [hierarchy.MaxDepth - 1]hierarchy.ID // its children's Ancestors
}

func loadContainer(ctx context.Context, q *txn, op string, id hierarchy.ID) (*container, error) {
	r, err := loadByID(ctx, q, id, false)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
	}
	if err != nil {
		return nil, err
	}
	p, err := decodeKey(r.pkey)
	if err != nil {
		return nil, err
	}
	anc, err := ancestors(ctx, q, p)
	if err != nil {
		return nil, err
	}
	if d := len(p); d <= len(anc) {
		anc[d-1] = r.id
	}
	return &container{row: r, path: p, anc: anc}, nil
}

// childPath returns the path of a child of c whose key is k, sharing no
// memory with other paths.
func (c *container) childPath(k []byte) (hierarchy.Path, error) {
	name, err := lastSegment(k, len(c.row.pkey))
	if err != nil {
		return nil, err
	}
	p := make(hierarchy.Path, len(c.path)+1)
	copy(p, c.path)
	p[len(c.path)] = name
	return p, nil
}

// Children returns up to page.Size() direct children of parent, active or
// deleted, ordered by name (byte order), starting after the name
// page.After, and the cursor of the next page ("" after the last).
func (s *Store) Children(ctx context.Context, parent hierarchy.ID, page store.Page) ([]store.Child, string, error) {
	const op = "sqlitestore.Children"
	var (
		out  []store.Child
		next string
	)
	size := page.Size()
	err := s.read(ctx, op, parent.String(), func(q *txn) error {
		c, err := loadContainer(ctx, q, op, parent)
		if err != nil {
			return err
		}
		from := c.row.pkey
		if page.After != "" {
			from = childKey(c.row.pkey, page.After)
		}
		rows, err := q.query(sqlChildren, int64(c.row.depth+1), from, keyEnd(c.row.pkey), int64(size+1))
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			var r objRow
			if err := scanObj(rows, &r, false); err != nil {
				return err
			}
			if len(out) == size {
				next = out[size-1].Name()
				break
			}
			p, err := c.childPath(r.pkey)
			if err != nil {
				return err
			}
			o, _ := r.object(p, c.anc, false, nil, nil)
			out = append(out, store.Child{Object: o, Children: r.nkids, Descendants: r.ndesc})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// ChildSummaries returns every direct child of parent, active or deleted,
// in brief, ordered by name: one index range, five fields a row. Sync
// reads it to tell which children of a changed listing it must read in
// full.
func (s *Store) ChildSummaries(ctx context.Context, parent hierarchy.ID) ([]store.ChildSummary, error) {
	const op = "sqlitestore.ChildSummaries"
	var out []store.ChildSummary
	err := s.read(ctx, op, parent.String(), func(q *txn) error {
		p, err := loadByID(ctx, q, parent, false)
		if errors.Is(err, sql.ErrNoRows) {
			return fail(op, parent.String(), connections.ErrNotFound, "no object with ID %s", parent)
		}
		if err != nil || p.nkids == 0 {
			return err
		}
		key := p.pkey
		rows, err := q.query(sqlSummaries, int64(p.depth+1), key, keyEnd(key))
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		out = make([]store.ChildSummary, 0, p.nkids)
		var (
			pkey, id []byte
			state    int64
			fp       int64
			typ      string
		)
		for rows.Next() {
			if err := rows.Scan(&pkey, &id, &typ, &state, &fp); err != nil {
				return err
			}
			name, err := lastSegment(pkey, len(key))
			if err != nil {
				return err
			}
			if len(id) != len(hierarchy.ID{}) {
				return fmt.Errorf("object row has an ID of %d bytes: %w", len(id), errBadKey)
			}
			c := store.ChildSummary{Name: name, Type: typ, State: hierarchy.State(state), Fingerprint: hierarchy.Fingerprint(fp)}
			copy(c.ID[:], id)
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Snapshot returns every direct child of parent, active or deleted, with
// columns and tags, ordered by name: one index range, a row per child.
func (s *Store) Snapshot(ctx context.Context, parent hierarchy.ID) ([]hierarchy.Object, error) {
	const op = "sqlitestore.Snapshot"
	var out []hierarchy.Object
	err := s.read(ctx, op, parent.String(), func(q *txn) error {
		c, err := loadContainer(ctx, q, op, parent)
		if err != nil {
			return err
		}
		if c.row.nkids == 0 {
			return nil
		}
		rows, err := q.query(sqlSnapshot, int64(c.row.depth+1), c.row.pkey, keyEnd(c.row.pkey))
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		out = make([]hierarchy.Object, 0, c.row.nkids)
		intern := map[string]string{}
		var colBuf []hierarchy.Column
		for rows.Next() {
			var r objRow
			if err := scanObj(rows, &r, true); err != nil {
				return err
			}
			p, err := c.childPath(r.pkey)
			if err != nil {
				return err
			}
			if cap(colBuf)-len(colBuf) < 64 {
				colBuf = make([]hierarchy.Column, 0, 1024)
			}
			o, err := r.object(p, c.anc, true, intern, &colBuf)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CountDescendants returns the number of objects below id, a count kept
// up to date by every write.
func (s *Store) CountDescendants(ctx context.Context, id hierarchy.ID) (int64, error) {
	const op = "sqlitestore.CountDescendants"
	var n int64
	err := s.read(ctx, op, id.String(), func(q *txn) error {
		err := q.row(sqlDescendants, id[:]).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
		}
		return err
	})
	return n, err
}

// UpdateSettings changes an object's enable settings (B8, B9).
// ResetDescendants sets the own Enable setting of every object below to
// Inherit, with one UPDATE per level. An invalid setting gives
// ErrInvalidInput.
func (s *Store) UpdateSettings(ctx context.Context, id hierarchy.ID, u store.SettingsUpdate) error {
	const op = "sqlitestore.UpdateSettings"
	if err := store.ValidateSettingsUpdate(op, id, u); err != nil {
		return err
	}
	return s.write(ctx, op, id.String(), func(q *txn) error {
		r, err := loadByID(ctx, q, id, false)
		if errors.Is(err, sql.ErrNoRows) {
			return fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
		}
		if err != nil {
			return err
		}
		enable, newKids := r.enable(), r.newKids()
		if u.Enable != nil {
			enable = *u.Enable
		}
		if u.NewChildren != nil {
			newKids = *u.NewChildren
		}
		if _, err := q.exec(`UPDATE objects SET enable = ?, new_children = ? WHERE depth = ? AND pkey = ?`,
			int64(enable), int64(newKids), int64(r.depth), r.pkey); err != nil {
			return err
		}
		if !u.ResetDescendants {
			return nil
		}
		end := keyEnd(r.pkey)
		for d := r.depth + 1; d <= hierarchy.MaxDepth; d++ {
			if _, err := q.exec(`UPDATE objects SET enable = 0
				WHERE depth = ? AND pkey > ? AND pkey < ? AND enable <> 0`, d, r.pkey, end); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteObject deletes a database, schema or table and everything under
// it, with their tags, grants and requests, and clears the fingerprints of
// its ancestors. It returns how many objects were deleted. It works a
// schema at a time and never holds the subtree in memory; it is one
// transaction.
func (s *Store) DeleteObject(ctx context.Context, id hierarchy.ID) (int64, error) {
	const op = "sqlitestore.DeleteObject"
	var count int64
	err := s.write(ctx, op, id.String(), func(q *txn) error {
		r, err := loadByID(ctx, q, id, false)
		if errors.Is(err, sql.ErrNoRows) {
			return fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
		}
		if err != nil {
			return err
		}
		path, err := decodeKey(r.pkey)
		if err != nil {
			return err
		}
		if r.depth <= 1 {
			return fail(op, path.String(), connections.ErrInvalidInput, "%s is a host; delete the connection instead", id)
		}
		if count, err = deleteSubtree(ctx, q, r.depth, r.pkey); err != nil {
			return err
		}
		// The parent loses a child; every ancestor loses count descendants
		// and its fingerprint, so that the next sync looks again.
		var key []byte
		for d := 1; d < r.depth; d++ {
			key = appendSegment(key, path[d-1])
			kids := 0
			if d == r.depth-1 {
				kids = 1
			}
			if _, err := q.exec(`UPDATE objects SET n_children = n_children - ?, n_descendants = n_descendants - ?, fingerprint = 0
				WHERE depth = ? AND pkey = ?`, kids, count, d, key); err != nil {
				return err
			}
		}
		return nil
	})
	return count, err
}

// deleteSubtree deletes the object at (depth, key) and everything under
// it, with their tags, grants and requests, and returns how many objects
// it deleted. Tables go a schema at a time, so that memory holds one
// schema's tag names at most, whatever the size of the subtree.
func deleteSubtree(ctx context.Context, q *txn, depth int, key []byte) (int64, error) {
	end := keyEnd(key)
	var count int64
	// deleteRange deletes the objects at depth d with keys in [from, to),
	// and their tags.
	deleteRange := func(d int, from, to []byte) error {
		if err := deleteTagsIn(ctx, q, d, from, to); err != nil {
			return err
		}
		res, err := q.exec(`DELETE FROM objects WHERE depth = ? AND pkey >= ? AND pkey < ?`, d, from, to)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		count += n
		return err
	}
	if depth < hierarchy.MaxDepth-1 {
		// Tables, a schema at a time.
		after := key
		for {
			var schemas [][]byte
			rows, err := q.query(`SELECT pkey FROM objects WHERE depth = ? AND pkey > ? AND pkey < ? ORDER BY depth, pkey LIMIT 256`,
				hierarchy.MaxDepth-1, after, end)
			if err != nil {
				return 0, err
			}
			for rows.Next() {
				var k []byte
				if err := rows.Scan(&k); err != nil {
					_ = rows.Close()
					return 0, err
				}
				schemas = append(schemas, k)
			}
			if err := rows.Close(); err != nil {
				return 0, err
			}
			for _, sk := range schemas {
				if err := deleteRange(hierarchy.MaxDepth, sk, keyEnd(sk)); err != nil {
					return 0, err
				}
			}
			if len(schemas) < 256 {
				break
			}
			after = schemas[len(schemas)-1]
		}
	}
	for d := hierarchy.MaxDepth; d > depth; d-- {
		if err := deleteRange(d, key, end); err != nil {
			return 0, err
		}
	}
	if err := deleteRange(depth, key, end); err != nil {
		return 0, err
	}
	for _, stmt := range []string{
		`DELETE FROM grants WHERE opkey >= ? AND opkey < ?`,
		`DELETE FROM requests WHERE opkey >= ? AND opkey < ?`,
	} {
		if _, err := q.exec(stmt, key, end); err != nil {
			return 0, err
		}
	}
	return count, nil
}

// deleteTagsIn deletes from the tags table the tags of the objects at
// depth d with keys in [from, to), as their rows list them: one range
// delete per tag name (a connection's system tag is one name per schema).
func deleteTagsIn(ctx context.Context, q *txn, d int, from, to []byte) error {
	rows, err := q.query(`SELECT tags FROM objects WHERE depth = ? AND pkey >= ? AND pkey < ? AND tags IS NOT NULL`, d, from, to)
	if err != nil {
		return err
	}
	names := map[string]struct{}{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			_ = rows.Close()
			return err
		}
		tags, err := decodeTags(b, nil)
		if err != nil {
			_ = rows.Close()
			return err
		}
		for _, t := range tags {
			names[t.name] = struct{}{}
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for name := range names {
		if _, err := q.exec(`DELETE FROM tags WHERE name = ? AND pkey >= ? AND pkey < ? AND depth = ?`, name, from, to, d); err != nil {
			return err
		}
	}
	return nil
}
