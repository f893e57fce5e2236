package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// Rows per multi-row INSERT: one statement binds rows×columns parameters,
// well below SQLite's limit of 32766.
const (
	objRowsPerInsert = 64
	tagRowsPerInsert = 128
)

// Apply applies a change set atomically, in one write transaction:
//
//  1. the change set's shape is checked and its rows encoded before the
//     transaction begins;
//  2. in the transaction, the container and every child the change set
//     names are read (the children it adds are not: they are known) and
//     checked;
//  3. then written: new children with multi-row INSERTs, updated and
//     marked children with one UPDATE each (a marked container's subtree
//     with one UPDATE per level), tags, requests, and the container's
//     counts and fingerprint.
//
// Any failure rolls everything back. Besides the errors the contract
// names, an Add whose Path or Ancestors do not put it directly under
// Container, a malformed column list or tag, or an ID given twice gives
// ErrInvalidInput; a tag or request on an object that is not a child of
// Container, or a tag on a column the object does not have, gives
// ErrConflict.
func (s *Store) Apply(ctx context.Context, cs *store.ChangeSet) error {
	const op = "sqlitestore.Apply"
	if err := ctx.Err(); err != nil {
		return connections.Wrap(op, "", err)
	}
	if err := store.ValidateChangeSet(op, cs); err != nil {
		return err
	}
	p := prepare(cs, s.stamp(cs.At))
	return s.write(ctx, op, cs.Connection, func(q *txn) error {
		return p.run(q.ctx, q)
	})
}

// plan is a change set checked for shape, with what can be computed
// before the transaction.
type plan struct {
	cs      *store.ChangeSet
	at      int64 // microseconds
	addCols [][]byte
	upCols  [][]byte
	upNames [][]string // column names after each update
}

// prepare encodes the columns of a change set ValidateChangeSet passed.
func prepare(cs *store.ChangeSet, at time.Time) *plan {
	p := &plan{cs: cs, at: at.UnixMicro()}
	p.addCols = make([][]byte, len(cs.Add))
	for i := range cs.Add {
		p.addCols[i] = encodeColumns(cs.Add[i].Columns)
	}
	p.upCols = make([][]byte, len(cs.Update))
	p.upNames = make([][]string, len(cs.Update))
	for i := range cs.Update {
		o := &cs.Update[i]
		p.upCols[i] = encodeColumns(o.Columns)
		p.upNames[i] = make([]string, len(o.Columns))
		for j, c := range o.Columns {
			p.upNames[i][j] = c.Name
		}
	}
	return p
}

// child is a child of the container that the change set names: added by
// it, or stored.
type child struct {
	add      int // index in cs.Add, or -1
	key      []byte
	state    hierarchy.State
	cols     []string // column names, after the change set's update; nil for an add (see addCols)
	addCols  []hierarchy.Column
	tags     []tagRec // tags, as the change set leaves them
	origTags []tagRec // tags stored before
	tagsSet  bool     // tags changed
	update   int      // index in cs.Update, or -1
}

func (c *child) hasColumn(name string) bool {
	if c.add >= 0 {
		return slices.ContainsFunc(c.addCols, func(col hierarchy.Column) bool { return col.Name == name })
	}
	return slices.Contains(c.cols, name)
}

// applier runs one plan in a write transaction.
type applier struct {
	*plan
	q       *txn
	ctrRow  objRow
	ctrPath hierarchy.Path
	where   string
	kids    map[hierarchy.ID]*child // nil: not a child
	order   []*child                // the children in kids, adds first
}

func (a *applier) keep(id hierarchy.ID, c *child) {
	a.kids[id] = c
	if c != nil {
		a.order = append(a.order, c)
	}
}

func (p *plan) run(ctx context.Context, q *txn) error {
	const op = "sqlitestore.Apply"
	cs := p.cs
	a := &applier{plan: p, q: q, kids: make(map[hierarchy.ID]*child, len(cs.Add)+len(cs.Update)+len(cs.MarkDeleted))}
	r, err := loadByID(ctx, q, cs.Container, false)
	if errors.Is(err, sql.ErrNoRows) {
		return fail(op, cs.Connection, connections.ErrConflict, "container %s no longer exists", cs.Container)
	}
	if err != nil {
		return err
	}
	a.ctrRow = r
	if a.ctrPath, err = decodeKey(r.pkey); err != nil {
		return err
	}
	a.where = a.ctrPath.String()
	if a.ctrPath[0] != cs.Connection {
		return fail(op, a.where, connections.ErrInvalidInput, "container %s belongs to connection %q, not %q", cs.Container, a.ctrPath[0], cs.Connection)
	}
	if err := a.checkAdds(ctx); err != nil {
		return err
	}
	if err := a.checkUpdates(ctx); err != nil {
		return err
	}
	marks := make([]*child, len(cs.MarkDeleted))
	for i, id := range cs.MarkDeleted {
		c, err := a.child(ctx, id)
		if err != nil {
			return err
		}
		if c == nil || c.add >= 0 {
			return fail(op, a.where, connections.ErrConflict, "object %s to mark deleted is not a child of the container", id)
		}
		marks[i] = c
	}
	if err := a.applyTags(ctx); err != nil {
		return err
	}
	reqKeys := make([][]byte, len(cs.Requests))
	for i := range cs.Requests {
		r := &cs.Requests[i]
		c, err := a.child(ctx, r.Object)
		if err != nil {
			return err
		}
		if c == nil {
			return fail(op, a.where, connections.ErrConflict, "request %s is for object %s, which is not a child of the container", r.ID, r.Object)
		}
		reqKeys[i] = c.key
	}

	// Everything is checked: write.
	if err := a.insertAdds(ctx); err != nil {
		return err
	}
	if err := a.writeUpdates(); err != nil {
		return err
	}
	for _, c := range marks {
		if err := markDeleted(ctx, q, len(a.ctrPath)+1, c.key, p.at); err != nil {
			return err
		}
	}
	if err := a.writeTags(); err != nil {
		return err
	}
	for i := range cs.Requests {
		if err := insertRequest(ctx, q, &cs.Requests[i], cs.Connection, reqKeys[i], p.at); err != nil {
			if isUnique(err) {
				return fail(op, a.where, connections.ErrAlreadyExists, "request ID %s is taken", cs.Requests[i].ID)
			}
			return err
		}
	}
	return a.writeContainer(ctx)
}

// checkAdds checks that every Add goes directly under the container and
// records the new children.
func (a *applier) checkAdds(ctx context.Context) error {
	const op = "sqlitestore.Apply"
	cs := a.cs
	if len(cs.Add) == 0 {
		return nil
	}
	d := len(a.ctrPath)
	if d >= hierarchy.MaxDepth {
		return fail(op, a.where, connections.ErrInvalidInput, "a table has no children to add")
	}
	want, err := ancestors(ctx, a.q, a.ctrPath)
	if err != nil {
		return err
	}
	want[d-1] = a.ctrRow.id
	kids := make([]child, len(cs.Add))
	for i := range cs.Add {
		o := &cs.Add[i]
		if len(o.Path) != d+1 || !slices.Equal(o.Path[:d], a.ctrPath) {
			return fail(op, o.Path.String(), connections.ErrInvalidInput, "added object's path is not directly under the container %s", a.where)
		}
		if o.Ancestors != want {
			return fail(op, o.Path.String(), connections.ErrInvalidInput, "added object's Ancestors do not match the container %s", a.where)
		}
		c := &kids[i]
		*c = child{add: i, update: -1, key: childKey(a.ctrRow.pkey, o.Name()), state: o.State, addCols: o.Columns}
		a.keep(o.ID, c)
	}
	return nil
}

// child returns the child of the container with the ID, reading it if the
// change set does not add it, or nil if there is no such child.
func (a *applier) child(ctx context.Context, id hierarchy.ID) (*child, error) {
	if c, ok := a.kids[id]; ok {
		return c, nil
	}
	var (
		depth      int
		key        []byte
		state      int64
		cols, tags []byte
	)
	err := a.q.row(sqlChild, id[:]).Scan(&depth, &key, &state, &cols, &tags)
	if errors.Is(err, sql.ErrNoRows) {
		a.keep(id, nil)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// A child is one level down and its key extends the container's.
	if depth != len(a.ctrPath)+1 || !isChildKey(key, a.ctrRow.pkey) {
		a.keep(id, nil)
		return nil, nil
	}
	c := &child{add: -1, update: -1, key: key, state: hierarchy.State(state)}
	if c.cols, err = columnNames(cols); err != nil {
		return nil, err
	}
	if c.origTags, err = decodeTags(tags, nil); err != nil {
		return nil, err
	}
	c.tags = slices.Clone(c.origTags)
	a.keep(id, c)
	return c, nil
}

// isChildKey reports whether k is the key of a direct child of the object
// with key parent.
func isChildKey(k, parent []byte) bool {
	if len(k) <= len(parent) || string(k[:len(parent)]) != string(parent) {
		return false
	}
	_, rest, err := nextSegment(k[len(parent):])
	return err == nil && len(rest) == 0
}

func (a *applier) checkUpdates(ctx context.Context) error {
	const op = "sqlitestore.Apply"
	for i := range a.cs.Update {
		o := &a.cs.Update[i]
		c, err := a.child(ctx, o.ID)
		if err != nil {
			return err
		}
		if c == nil || c.add >= 0 {
			return fail(op, a.where, connections.ErrConflict, "updated object %s (%s) is not a child of the container", o.ID, o.Path.String())
		}
		if o.Path != nil && string(pathKey(o.Path)) != string(c.key) {
			stored, _ := decodeKey(c.key)
			return fail(op, a.where, connections.ErrInvalidInput, "updated object %s has path %q, stored as %q", o.ID, o.Path.String(), stored.String())
		}
		if len(o.Columns) > 0 && len(a.ctrPath)+1 != hierarchy.MaxDepth {
			stored, _ := decodeKey(c.key)
			return fail(op, stored.String(), connections.ErrInvalidInput, "updated %s has columns; only tables do", hierarchy.KindOfDepth(len(a.ctrPath)+1))
		}
		c.update = i
		c.cols = a.upNames[i]
		// Removing a column removes its tags.
		kept := c.tags[:0:0]
		for _, t := range c.tags {
			if t.col == "" || c.hasColumn(t.col) {
				kept = append(kept, t)
			}
		}
		if len(kept) != len(c.tags) {
			c.tags, c.tagsSet = kept, true
		}
	}
	return nil
}

// applyTags checks the change set's tag changes and applies them to the
// children's tag lists: removals first, then additions.
func (a *applier) applyTags(ctx context.Context) error {
	const op = "sqlitestore.Apply"
	cs := a.cs
	for _, r := range cs.RemoveTags {
		c, err := a.child(ctx, r.Object)
		if err != nil {
			return err
		}
		if c == nil {
			return fail(op, a.where, connections.ErrConflict, "tag %q to remove is on object %s, which is not a child of the container", r.Tag.Name, r.Object)
		}
		var found bool
		if c.tags, found = dropTag(c.tags, tagRec{col: r.Column, src: r.Tag.Source, name: r.Tag.Name}); found {
			c.tagsSet = true
		}
	}
	for _, r := range cs.AddTags {
		c, err := a.child(ctx, r.Object)
		if err != nil {
			return err
		}
		if c == nil {
			return fail(op, a.where, connections.ErrConflict, "tag %q is for object %s, which is not a child of the container", r.Tag.Name, r.Object)
		}
		if r.Column != "" && !c.hasColumn(r.Column) {
			return fail(op, a.where, connections.ErrConflict, "tag %q is for column %q, which object %s does not have", r.Tag.Name, r.Column, r.Object)
		}
		c.tags = putTag(c.tags, tagRec{col: r.Column, src: r.Tag.Source, name: r.Tag.Name, value: r.Tag.Value})
		c.tagsSet = true
	}
	return nil
}

// insertAdds inserts the new children with multi-row INSERTs, in the
// shared form when the rows of a statement share their common values.
func (a *applier) insertAdds(ctx context.Context) error {
	cs := a.cs
	if len(cs.Add) == 0 {
		return nil
	}
	depth := any(int64(len(a.ctrPath) + 1))
	at := any(a.at) // boxed once
	rows := make([]addRow, len(cs.Add))
	var prev *child
	for i := range cs.Add {
		o := &cs.Add[i]
		c := a.kids[o.ID]
		r := &rows[i]
		r.shared = [objShared]any{depth, at, int64(o.State), int64(o.Enable), int64(o.NewChildren), at, nil, nil}
		if !o.CreatedAt.IsZero() && o.CreatedAt.UnixMicro() != a.at {
			r.shared[5] = o.CreatedAt.UnixMicro()
		}
		if o.State == hierarchy.DeletedRemotely {
			r.shared[6] = at
			if !o.DeletedAt.IsZero() {
				r.shared[6] = o.DeletedAt.UnixMicro()
			}
		}
		if c.tagsSet {
			// A sync gives every new table the same tags: a list equal
			// to the one before is encoded once.
			if prev != nil && prev.tagsSet && slices.Equal(prev.tags, c.tags) {
				r.tags = rows[i-1].tags
			} else {
				r.tags = encodeTags(c.tags)
			}
			r.shared[7] = r.tags
		}
		prev = c
	}
	args := make([]any, 0, objInsertCols*min(len(cs.Add), objRowsPerInsert))
	for start := 0; start < len(cs.Add); {
		n := chunk(len(cs.Add)-start, objRowsPerInsert)
		shared := sameShared(rows[start : start+n])
		args = args[:0]
		if shared {
			args = append(args, rows[start].shared[:]...)
		}
		for i := start; i < start+n; i++ {
			o := &cs.Add[i]
			key, id, typ, comment, fp, cols := a.kids[o.ID].key, o.ID[:], o.Type, o.Comment, int64(o.Fingerprint), a.addCols[i]
			if shared {
				args = append(args, key, id, typ, comment, fp, cols)
				continue
			}
			sh := &rows[i].shared
			args = append(args, sh[0], key, id, typ, comment, sh[2], sh[3], sh[4], fp, sh[5], sh[1], sh[6], cols, sh[7])
		}
		query := insertObjectsSQLs[n]
		if shared {
			query = insertObjectsSharedSQLs[n]
		}
		if _, err := a.q.exec(query, args...); err != nil {
			if isUnique(err) {
				return a.explainTaken(ctx, err)
			}
			return err
		}
		start += n
	}
	return nil
}

// addRow holds the values of a new object's row that the rows of a
// change set usually share, in the order of objSharedColNames (tags last,
// as a []byte or nil), and its encoded tags.
type addRow struct {
	shared [objShared]any
	tags   []byte
}

// sameShared reports whether rows share their common values.
func sameShared(rows []addRow) bool {
	first := &rows[0]
	for i := 1; i < len(rows); i++ {
		r := &rows[i]
		for j := range objShared - 1 {
			if r.shared[j] != first.shared[j] {
				return false
			}
		}
		if (r.tags == nil) != (first.tags == nil) || !bytes.Equal(r.tags, first.tags) {
			return false
		}
	}
	return true
}

// The columns an INSERT of new objects sets, in the order of the full
// form and of the shared form (the objShared values rows usually share,
// then the objOwn values of each row); the counts start at zero.
const (
	objInsertColNames = "depth, pkey, id, type, comment, state, enable, new_children, fingerprint, created_at, updated_at, deleted_at, columns, tags, n_children, n_descendants"
	objInsertValues   = "?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,0"
	objInsertCols     = 14
	objSharedColNames = "depth, updated_at, state, enable, new_children, created_at, deleted_at, tags, pkey, id, type, comment, fingerprint, columns, n_children, n_descendants"
	objShared         = 8
	objOwn            = 6
)

// chunk returns how many of n rows the next multi-row statement takes: up
// to max, and a power of two, so that a handful of statements, each
// prepared once, serve every size.
func chunk(n, max int) int {
	if n >= max {
		return max
	}
	c := 1
	for c*2 <= n {
		c *= 2
	}
	return c
}

// explainTaken finds which Add took a name or ID that is taken. The
// transaction holds the rows the change set inserted before the failure
// (INSERT OR FAIL keeps those of the failed statement too): an Add whose
// name is held by its own ID is one of them.
func (a *applier) explainTaken(ctx context.Context, cause error) error {
	const op = "sqlitestore.Apply"
	depth := len(a.ctrPath) + 1
	for i := range a.cs.Add {
		o := &a.cs.Add[i]
		var id []byte
		err := a.q.row(`SELECT id FROM objects WHERE depth = ? AND pkey = ?`, depth, a.kids[o.ID].key).Scan(&id)
		if err == nil && string(id) != string(o.ID[:]) {
			var old hierarchy.ID
			copy(old[:], id)
			return fail(op, o.Path.String(), connections.ErrAlreadyExists, "name %q is taken under %s by object %s", o.Name(), a.where, old)
		}
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			continue
		}
		var n int
		if err := a.q.row(`SELECT count(*) FROM objects WHERE id = ?`, o.ID[:]).Scan(&n); err == nil && n > 0 {
			return fail(op, o.Path.String(), connections.ErrAlreadyExists, "object ID %s is taken", o.ID)
		}
	}
	return fail(op, a.where, connections.ErrAlreadyExists, "an added name or ID is taken: %v", cause)
}

// insertSQL returns a multi-row INSERT OR FAIL of n rows of values (such
// as "?,?,0").
func insertSQL(table, cols, values string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT OR FAIL INTO ")
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(cols)
	b.WriteString(") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		b.WriteString(values)
		b.WriteByte(')')
	}
	return b.String()
}

// writeUpdates rewrites the updated children, and the tag lists of the
// children whose tags changed.
func (a *applier) writeUpdates() error {
	cs := a.cs
	depth := int64(len(a.ctrPath) + 1)
	for i := range cs.Update {
		o := &cs.Update[i]
		c := a.kids[o.ID]
		// change: 0 none, 1 reactivated, 2 newly deleted.
		state, change := c.state, 0
		switch {
		case o.State == hierarchy.Active && c.state != hierarchy.Active:
			state, change = hierarchy.Active, 1
		case o.State == hierarchy.DeletedRemotely && c.state == hierarchy.Active:
			state, change = hierarchy.DeletedRemotely, 2
		}
		if _, err := a.q.exec(sqlUpdateObject,
			a.at, depth, change, int64(o.Fingerprint), o.Type, o.Comment, a.upCols[i],
			encodeTags(c.tags), int64(state), c.key); err != nil {
			return err
		}
	}
	for _, c := range a.order {
		if c.add >= 0 || c.update >= 0 || !c.tagsSet {
			continue
		}
		if _, err := a.q.exec(sqlUpdateTags, encodeTags(c.tags), depth, c.key); err != nil {
			return err
		}
	}
	return nil
}

// markDeleted marks the object at (depth, key) and every active object
// under it deleted remotely at at, and clears their fingerprints: one
// UPDATE per level.
func markDeleted(ctx context.Context, q *txn, depth int, key []byte, at int64) error {
	end := keyEnd(key)
	for d := int64(depth); d <= int64(hierarchy.MaxDepth); d++ {
		_, err := q.exec(sqlMarkDeleted, at, d, key, end)
		if err != nil {
			return err
		}
	}
	return nil
}

// writeTags brings the tags table in step with the children's tag lists.
func (a *applier) writeTags() error {
	depth := int64(len(a.ctrPath) + 1)
	var d tagRows
	for _, c := range a.order {
		if c.tagsSet {
			d.diff(depth, c.key, c.origTags, c.tags)
		}
	}
	return d.write(a.q)
}

// tagRows are the changes to the tags table that bring it in step with
// objects' tag lists.
type tagRows struct {
	gone []any // keys (name, pkey, col, src) of rows to delete
	puts []any // new rows (name, pkey, col, src, depth, value)
	sets []any // new values of rows (value, name, pkey, col, src)
}

// diff adds the changes that take the tag rows of the object at (depth,
// key) from the list orig to the list final (both sorted with cmpTag).
// The tags table has a row for each tag of orig and none for those that
// are not in it.
func (d *tagRows) diff(depth int64, key []byte, orig, final []tagRec) {
	i, j := 0, 0
	for i < len(orig) || j < len(final) {
		var c int
		switch {
		case i == len(orig):
			c = 1
		case j == len(final):
			c = -1
		default:
			c = cmpTag(orig[i], final[j])
		}
		switch {
		case c < 0:
			t := orig[i]
			d.gone = append(d.gone, t.name, key, t.col, int64(t.src))
			i++
		case c > 0:
			t := final[j]
			d.puts = append(d.puts, t.name, key, t.col, int64(t.src), depth, t.value)
			j++
		default:
			if orig[i].value != final[j].value {
				t := final[j]
				d.sets = append(d.sets, t.value, t.name, key, t.col, int64(t.src))
			}
			i++
			j++
		}
	}
}

func (d *tagRows) empty() bool { return len(d.gone)+len(d.puts)+len(d.sets) == 0 }

// write deletes, inserts and updates the rows: new rows with multi-row
// INSERTs, in the shared form when the rows of a statement differ only by
// their key (a sync's connection tag on a schema's tables).
func (d *tagRows) write(q *txn) error {
	for i := 0; i+4 <= len(d.gone); i += 4 {
		if _, err := q.exec(sqlDeleteTag, d.gone[i:i+4]...); err != nil {
			return err
		}
	}
	for i := 0; i+5 <= len(d.sets); i += 5 {
		if _, err := q.exec(sqlSetTagValue, d.sets[i:i+5]...); err != nil {
			return err
		}
	}
	const ncols = 6
	rows := len(d.puts) / ncols
	var args []any
	for start := 0; start < rows; {
		n := chunk(rows-start, tagRowsPerInsert)
		puts := d.puts[start*ncols : (start+n)*ncols]
		query, qargs := insertTagsSQLs[n], puts
		if sameTagShared(puts) {
			// name, col, src, depth, value; then every key.
			args = append(args[:0], puts[0], puts[2], puts[3], puts[4], puts[5])
			for i := 1; i < len(puts); i += ncols {
				args = append(args, puts[i])
			}
			query, qargs = insertTagsSharedSQLs[n], args
		}
		if _, err := q.exec(query, qargs...); err != nil {
			return err
		}
		start += n
	}
	return nil
}

// sameTagShared reports whether the tag rows puts (six values each) share
// their name, column, source, depth and value.
func sameTagShared(puts []any) bool {
	for i := 6; i < len(puts); i += 6 {
		if puts[i] != puts[0] || puts[i+2] != puts[2] || puts[i+3] != puts[3] || puts[i+4] != puts[4] || puts[i+5] != puts[5] {
			return false
		}
	}
	return true
}

// writeContainer records the new children in the counts of the container
// and its ancestors, and the fingerprint on the container.
func (a *applier) writeContainer(ctx context.Context) error {
	n := int64(len(a.cs.Add))
	if n == 0 && a.cs.Fingerprint == 0 {
		return nil
	}
	d := len(a.ctrPath)
	if _, err := a.q.exec(sqlContainer, n, int64(a.cs.Fingerprint), int64(d), a.ctrRow.pkey); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	var key []byte
	for i := 1; i < d; i++ {
		key = appendSegment(key, a.ctrPath[i-1])
		if _, err := a.q.exec(sqlAncestorDesc, n, int64(i), key); err != nil {
			return err
		}
	}
	return nil
}
