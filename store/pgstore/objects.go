package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// objCols are the columns of an object row as objRow scans them.
const objCols = `o.id, o.host_id, o.db_id, o.schema_id, o.fingerprint, o.created_at, o.updated_at, o.deleted_at,
	o.depth, o.state, o.enable, o.new_children, o.name, o.type, o.comment`

// tagCols are the columns of a tag joined to an object row (NULL when
// the object has none).
const tagCols = `t.col, t.source, t.name, t.value`

// descendants returns, for each object of $1, the number of objects
// below it: its children, plus the children of its children for a host
// or database, plus, for a host, those of its schemas (a schema's
// children are tables, which have none). Child counts are read only
// from containers, each level through the parent index (correlated
// subqueries always look their rows up by parent, whatever the
// statistics).
const descendants = `SELECT o.id, (o.children
		+ CASE WHEN o.depth <= 2 THEN coalesce((SELECT sum(k.children) FROM {s}.objects k WHERE k.parent_id = o.id), 0) ELSE 0 END
		+ CASE WHEN o.depth = 1 THEN coalesce((SELECT sum(j.children) FROM {s}.objects j
			WHERE j.parent_id = ANY(ARRAY(SELECT k.id FROM {s}.objects k WHERE k.parent_id = o.id))), 0) ELSE 0 END)::bigint
	FROM {s}.objects o WHERE o.id = ANY($1)`

// tagJoin joins an object's tags (alias t) to the object row o. The
// subquery is a fence (OFFSET 0), so that PostgreSQL looks the tags of
// each object up in tags_object whatever its statistics say, instead of
// scanning every tag to hash-join them.
const tagJoin = `LEFT JOIN LATERAL (SELECT t.col, t.source, t.name, t.value FROM {s}.tags t
		WHERE t.object_id = o.id ORDER BY t.col, t.source, t.name OFFSET 0) t ON true`

// objRow is one object row as read.
type objRow struct {
	id                        hierarchy.ID
	host, db, schema          pgtype.UUID
	fp                        int64
	created, updated          time.Time
	deleted                   pgtype.Timestamptz
	depth, state, enable, kid int16
	name, typ, comment        string
	cols                      []byte
}

func (r *objRow) dest(extra ...any) []any {
	return append([]any{&r.id, &r.host, &r.db, &r.schema, &r.fp, &r.created, &r.updated, &r.deleted,
		&r.depth, &r.state, &r.enable, &r.kid, &r.name, &r.typ, &r.comment}, extra...)
}

// object returns the object r holds, with the path given (kept) and
// columns decoded when r has them.
func (r *objRow) object(path hierarchy.Path) (hierarchy.Object, error) {
	o := hierarchy.Object{
		ID: r.id, Path: path, Type: r.typ, Comment: r.comment,
		State: hierarchy.State(r.state), Enable: hierarchy.Setting(r.enable), NewChildren: hierarchy.Setting(r.kid),
		Fingerprint: hierarchy.Fingerprint(uint64(r.fp)),
		CreatedAt:   r.created.UTC(), UpdatedAt: r.updated.UTC(),
	}
	if r.deleted.Valid {
		o.DeletedAt = r.deleted.Time.UTC()
	}
	for i, a := range []pgtype.UUID{r.host, r.db, r.schema} {
		if a.Valid {
			o.Ancestors[i] = a.Bytes
		}
	}
	if len(r.cols) > 0 {
		cols, err := decodeColumns(r.cols)
		if err != nil {
			return o, fmt.Errorf("object %s: %w", r.id, err)
		}
		o.Columns = cols
	}
	return o, nil
}

// tagRow is a tag joined to an object row.
type tagRow struct {
	col, name, value pgtype.Text
	source           pgtype.Int2
}

func (t *tagRow) dest() []any { return []any{&t.col, &t.source, &t.name, &t.value} }

// attach puts the tag on o or on its column; a row without a tag (the
// outer join found none) does nothing.
func (t *tagRow) attach(o *hierarchy.Object) {
	if !t.name.Valid {
		return
	}
	tag := hierarchy.Tag{Name: t.name.String, Value: t.value.String, Source: hierarchy.TagSource(t.source.Int16)}
	if t.col.String == "" {
		o.Tags = append(o.Tags, tag)
		return
	}
	for i := range o.Columns {
		if o.Columns[i].Name == t.col.String {
			o.Columns[i].Tags = append(o.Columns[i].Tags, tag)
			return
		}
	}
}

// pathOf builds the path of an object of depth d named name from the
// names of its ancestors.
func pathOf(d int16, name string, anc ...pgtype.Text) (hierarchy.Path, error) {
	if d < 1 || int(d) > hierarchy.MaxDepth {
		return nil, fmt.Errorf("pgstore: stored object %q has depth %d", name, d)
	}
	p := make(hierarchy.Path, d)
	for i := range int(d) - 1 {
		if !anc[i].Valid {
			return nil, fmt.Errorf("pgstore: stored object %q misses its ancestor at depth %d", name, i+1)
		}
		p[i] = anc[i].String
	}
	p[d-1] = name
	return p, nil
}

// containerCols select an object's path and lineage (alias o, with its
// ancestors h, d and s joined).
const containerCols = `o.depth, o.name, h.name, d.name, s.name, o.host_id, o.db_id, o.schema_id`

// containerColsSub select the same as containerCols with subqueries, for
// statements on the object alone (UPDATE ... RETURNING, FOR UPDATE).
const containerColsSub = `o.depth, o.name,
	(SELECT h.name FROM {s}.objects h WHERE h.id = o.host_id),
	(SELECT d.name FROM {s}.objects d WHERE d.id = o.db_id),
	(SELECT s.name FROM {s}.objects s WHERE s.id = o.schema_id),
	o.host_id, o.db_id, o.schema_id`

const containerFrom = `{s}.objects o
	LEFT JOIN {s}.objects h ON h.id = o.host_id
	LEFT JOIN {s}.objects d ON d.id = o.db_id
	LEFT JOIN {s}.objects s ON s.id = o.schema_id`

// container is an object's path and lineage.
type container struct {
	id     hierarchy.ID
	depth  int16
	name   string
	anames [3]pgtype.Text
	anc    [3]pgtype.UUID
	path   hierarchy.Path
}

func (c *container) dest() []any {
	return []any{&c.depth, &c.name, &c.anames[0], &c.anames[1], &c.anames[2], &c.anc[0], &c.anc[1], &c.anc[2]}
}

// finish builds path after a scan.
func (c *container) finish() error {
	p, err := pathOf(c.depth, c.name, c.anames[:]...)
	c.path = p
	return err
}

// ancestors returns the object's Ancestors.
func (c *container) ancestors() [hierarchy.MaxDepth - 1]hierarchy.ID {
	var a [hierarchy.MaxDepth - 1]hierarchy.ID
	for i, u := range c.anc {
		if u.Valid {
			a[i] = u.Bytes
		}
	}
	return a
}

// childAncestors returns the Ancestors of the object's children.
func (c *container) childAncestors() [hierarchy.MaxDepth - 1]hierarchy.ID {
	a := c.ancestors()
	if int(c.depth) <= len(a) {
		a[c.depth-1] = c.id
	}
	return a
}

// lineage returns the IDs of the object's ancestors, top down.
func (c *container) lineage() []hierarchy.ID {
	var out []hierarchy.ID
	for _, u := range c.anc {
		if u.Valid {
			out = append(out, u.Bytes)
		}
	}
	return out
}

// Object returns the object with the ID, with columns and tags.
func (s *Store) Object(ctx context.Context, id hierarchy.ID) (hierarchy.Object, error) {
	const op = "pgstore.Object"
	if err := ctxErr(ctx, op); err != nil {
		return hierarchy.Object{}, err
	}
	q := s.q.expand(`SELECT ` + objCols + `, o.columns, h.name, d.name, s.name, ` + tagCols + `
		FROM ` + containerFrom + ` ` + tagJoin + `
		WHERE o.id = $1`)
	o, found, err := s.readOne(ctx, q, nil, id)
	if err != nil {
		return hierarchy.Object{}, dbErr(ctx, op, id.String(), err)
	}
	if !found {
		return hierarchy.Object{}, fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
	}
	return o, nil
}

// readOne reads one object with its tags from q, whose rows are objCols,
// columns, the three ancestor names (unless path is given) and tagCols.
func (s *Store) readOne(ctx context.Context, q string, path hierarchy.Path, args ...any) (hierarchy.Object, bool, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return hierarchy.Object{}, false, err
	}
	defer rows.Close()
	var (
		r     objRow
		t     tagRow
		names [3]pgtype.Text
		o     hierarchy.Object
		found bool
	)
	dest := r.dest(&r.cols)
	if path == nil {
		dest = append(dest, &names[0], &names[1], &names[2])
	}
	dest = append(dest, t.dest()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return hierarchy.Object{}, false, err
		}
		if !found {
			found = true
			p := path
			if p == nil {
				if p, err = pathOf(r.depth, r.name, names[:]...); err != nil {
					return hierarchy.Object{}, false, err
				}
			}
			if o, err = r.object(p); err != nil {
				return hierarchy.Object{}, false, err
			}
		}
		t.attach(&o)
	}
	return o, found, rows.Err()
}

// Lookup returns the object at the path (one to four segments), with
// columns and tags. A malformed path gives ErrInvalidInput.
func (s *Store) Lookup(ctx context.Context, path hierarchy.Path) (hierarchy.Object, error) {
	const op = "pgstore.Lookup"
	if err := ctxErr(ctx, op); err != nil {
		return hierarchy.Object{}, err
	}
	if err := store.ValidateObjectPath(op, path); err != nil {
		return hierarchy.Object{}, err
	}
	var from string
	switch len(path) {
	case 1:
		from = `{s}.connections k JOIN {s}.objects o ON o.id = k.host_id`
	case 2:
		from = `{s}.connections k JOIN {s}.objects o ON o.parent_id = k.host_id AND o.name = $2`
	case 3:
		from = `{s}.connections k JOIN {s}.objects d ON d.parent_id = k.host_id AND d.name = $2
			JOIN {s}.objects o ON o.parent_id = d.id AND o.name = $3`
	default:
		from = `{s}.connections k JOIN {s}.objects d ON d.parent_id = k.host_id AND d.name = $2
			JOIN {s}.objects sc ON sc.parent_id = d.id AND sc.name = $3
			JOIN {s}.objects o ON o.parent_id = sc.id AND o.name = $4`
	}
	q := s.q.expand(`SELECT ` + objCols + `, o.columns, ` + tagCols + ` FROM ` + from + ` ` + tagJoin + `
		WHERE k.key = $1`)
	args := make([]any, len(path))
	for i, seg := range path {
		args[i] = seg
	}
	o, found, err := s.readOne(ctx, q, slices.Clone(path), args...)
	if err != nil {
		return hierarchy.Object{}, dbErr(ctx, op, path.String(), err)
	}
	if !found {
		return hierarchy.Object{}, fail(op, path.String(), connections.ErrNotFound, "no object at this path")
	}
	return o, nil
}

// parentQuery reads an object's path and lineage.
const parentQuery = `SELECT ` + containerCols + ` FROM ` + containerFrom + ` WHERE o.id = $1`

// Children returns up to page.Size() direct children of parent, active or
// deleted, ordered by name (byte order), starting after the name
// page.After, and the cursor of the next page ("" after the last). Child
// counts are kept on each container; descendants are summed over the
// containers below a child, never over its tables.
func (s *Store) Children(ctx context.Context, parent hierarchy.ID, page store.Page) ([]store.Child, string, error) {
	const op = "pgstore.Children"
	if err := ctxErr(ctx, op); err != nil {
		return nil, "", err
	}
	size := page.Size()
	b := &pgx.Batch{}
	b.Queue(s.q.expand(parentQuery), parent)
	b.Queue(s.q.expand(`SELECT `+objCols+`, o.children
		FROM {s}.objects o WHERE o.parent_id = $1 AND o.name > $2 ORDER BY o.name LIMIT $3`), parent, page.After, size+1)
	out, p, err := s.readChildren(ctx, op, parent, s.pool.SendBatch(ctx, b))
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > size {
		out = out[:size]
		next = out[size-1].Name()
	}
	// The children of a host are databases, whose descendants include
	// their schemas' tables; below, a child's descendants are its
	// children (a schema's tables), or none (a table).
	if p.depth == 1 && len(out) > 0 {
		ids := make([]hierarchy.ID, len(out))
		for i := range out {
			ids[i] = out[i].ID
		}
		n, err := s.descendants(ctx, ids)
		if err != nil {
			return nil, "", dbErr(ctx, op, p.path.String(), err)
		}
		for i := range out {
			out[i].Descendants = n[out[i].ID]
		}
	}
	return out, next, nil
}

// ChildSummaries returns every direct child of parent, active or deleted,
// in brief, ordered by name (byte order): one round trip, five fields a
// row. Sync reads it to tell which children of a changed listing it must
// read in full.
func (s *Store) ChildSummaries(ctx context.Context, parent hierarchy.ID) ([]store.ChildSummary, error) {
	const op = "pgstore.ChildSummaries"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	b.Queue(s.q.expand(`SELECT children FROM {s}.objects WHERE id = $1`), parent)
	b.Queue(s.q.expand(`SELECT id, name, type, state, fingerprint FROM {s}.objects WHERE parent_id = $1 ORDER BY name`), parent)
	br := s.pool.SendBatch(ctx, b)
	defer func() { _ = br.Close() }()
	var n int64
	if err := br.QueryRow().Scan(&n); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fail(op, parent.String(), connections.ErrNotFound, "no object with ID %s", parent)
		}
		return nil, dbErr(ctx, op, parent.String(), err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, dbErr(ctx, op, parent.String(), err)
	}
	defer rows.Close()
	out := make([]store.ChildSummary, 0, n)
	for rows.Next() {
		var (
			c     store.ChildSummary
			state int16
			fp    int64
		)
		if err := rows.Scan(&c.ID, &c.Name, &c.Type, &state, &fp); err != nil {
			return nil, dbErr(ctx, op, parent.String(), err)
		}
		c.State, c.Fingerprint = hierarchy.State(state), hierarchy.Fingerprint(fp)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(ctx, op, parent.String(), err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// readChildren reads the parent and children queued by Children.
func (s *Store) readChildren(ctx context.Context, op string, parent hierarchy.ID, br pgx.BatchResults) ([]store.Child, *container, error) {
	defer br.Close()
	p := &container{id: parent}
	if err := br.QueryRow().Scan(p.dest()...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil, fail(op, parent.String(), connections.ErrNotFound, "no object with ID %s", parent)
		}
		return nil, nil, dbErr(ctx, op, parent.String(), err)
	}
	if err := p.finish(); err != nil {
		return nil, nil, dbErr(ctx, op, parent.String(), err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, nil, dbErr(ctx, op, p.path.String(), err)
	}
	defer rows.Close()
	var (
		out  []store.Child
		r    objRow
		kids int64
	)
	dest := r.dest(&kids)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, dbErr(ctx, op, p.path.String(), err)
		}
		o, err := r.object(childPath(p.path, r.name))
		if err != nil {
			return nil, nil, dbErr(ctx, op, p.path.String(), err)
		}
		out = append(out, store.Child{Object: o, Children: kids, Descendants: kids})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, dbErr(ctx, op, p.path.String(), err)
	}
	return out, p, nil
}

// descendants returns the number of objects below each of ids.
func (s *Store) descendants(ctx context.Context, ids []hierarchy.ID) (map[hierarchy.ID]int64, error) {
	rows, err := s.pool.Query(ctx, s.q.expand(descendants), ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[hierarchy.ID]int64, len(ids))
	for rows.Next() {
		var (
			id hierarchy.ID
			n  int64
		)
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// childPath returns parent's path extended by name, in a new array.
func childPath(parent hierarchy.Path, name string) hierarchy.Path {
	p := make(hierarchy.Path, len(parent)+1)
	copy(p, parent)
	p[len(parent)] = name
	return p
}

// Snapshot returns every direct child of parent, active or deleted, with
// columns and tags, ordered by name. Objects and tags are read by one
// statement, so the snapshot is consistent.
func (s *Store) Snapshot(ctx context.Context, parent hierarchy.ID) ([]hierarchy.Object, error) {
	const op = "pgstore.Snapshot"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	b.Queue(s.q.expand(parentQuery), parent)
	b.Queue(s.q.expand(`SELECT `+objCols+`, o.columns, `+tagCols+`
		FROM {s}.objects o `+tagJoin+`
		WHERE o.parent_id = $1
		ORDER BY o.name`), parent)
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	p := container{id: parent}
	if err := br.QueryRow().Scan(p.dest()...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fail(op, parent.String(), connections.ErrNotFound, "no object with ID %s", parent)
		}
		return nil, dbErr(ctx, op, parent.String(), err)
	}
	if err := p.finish(); err != nil {
		return nil, dbErr(ctx, op, parent.String(), err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, dbErr(ctx, op, p.path.String(), err)
	}
	defer rows.Close()
	var (
		out  []hierarchy.Object
		r    objRow
		t    tagRow
		last hierarchy.ID
	)
	dest := append(r.dest(&r.cols), t.dest()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, dbErr(ctx, op, p.path.String(), err)
		}
		if len(out) == 0 || r.id != last {
			o, err := r.object(childPath(p.path, r.name))
			if err != nil {
				return nil, dbErr(ctx, op, p.path.String(), err)
			}
			out = append(out, o)
			last = r.id
		}
		t.attach(&out[len(out)-1])
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(ctx, op, p.path.String(), err)
	}
	return out, nil
}

// CountDescendants returns the number of objects below id, active or
// deleted: the child counts of id and of the containers below it.
func (s *Store) CountDescendants(ctx context.Context, id hierarchy.ID) (int64, error) {
	const op = "pgstore.CountDescendants"
	if err := ctxErr(ctx, op); err != nil {
		return 0, err
	}
	n, err := s.descendants(ctx, []hierarchy.ID{id})
	if err != nil {
		return 0, dbErr(ctx, op, id.String(), err)
	}
	c, ok := n[id]
	if !ok {
		return 0, fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
	}
	return c, nil
}
