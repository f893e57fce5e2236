package pgstore

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// plan is a change set checked for shape and encoded, before the
// transaction starts.
type plan struct {
	cs       *store.ChangeSet
	at       time.Time
	addCols  [][]byte // encoded columns of each Add
	upCols   [][]byte // encoded columns of each Update
	upSorted [][]hierarchy.Column
	added    map[hierarchy.ID]int // Add index by ID
	refs     []hierarchy.ID       // stored children the change set names
	colRefs  bool                 // whether a column tag names a stored child
}

// Apply applies a change set in one transaction: all of it or nothing,
// also if the process dies or the connection is lost part way.
//
// It takes a shared advisory lock on each of the container's ancestors
// (top down; DeleteObject takes the exclusive one) and then the
// container's row lock, so Applies on one container run one after the
// other while Applies on different containers run in parallel. The change
// set is checked against the locked state in the same round trip; then
// new children and their tags are written with COPY (binary, encoded
// here), and the rest with one batch of set-based statements (arrays
// unnested on the server), never a statement per row. A transaction
// PostgreSQL aborts to break a deadlock is run again.
//
// Besides the errors the contract names, a malformed object, column list
// or tag, or an ID given twice, gives ErrInvalidInput, and so does a value
// PostgreSQL cannot store (a NUL byte or invalid UTF-8 in a name); a tag
// or request on an object that is not a child of Container, or a tag on a
// column the object will not have, gives ErrConflict. A lost connection
// gives an error saying so, and nothing is written, unless it was lost
// during the commit itself, when the error says that the outcome is
// unknown.
func (s *Store) Apply(ctx context.Context, cs *store.ChangeSet) error {
	const op = "pgstore.Apply"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateChangeSet(op, cs); err != nil {
		return err
	}
	p := prepare(cs)
	return s.inTx(ctx, op, cs.Connection, func(tx pgx.Tx) error { return s.apply(ctx, tx, p) })
}

// prepare encodes a change set ValidateChangeSet passed and lists the
// stored children it names.
func prepare(cs *store.ChangeSet) *plan {
	p := &plan{cs: cs, at: cs.At, added: make(map[hierarchy.ID]int, len(cs.Add))}
	if p.at.IsZero() {
		p.at = time.Now()
	}
	size := 0
	for i := range cs.Add {
		p.added[cs.Add[i].ID] = i
		size += encodedSize(cs.Add[i].Columns)
	}
	for i := range cs.Update {
		size += encodedSize(cs.Update[i].Columns)
	}

	// Encode columns into one slab.
	slab := make([]byte, 0, size)
	encode := func(cols []hierarchy.Column) ([]byte, []hierarchy.Column) {
		if len(cols) == 0 {
			return nil, nil
		}
		byPosition := func(a, b hierarchy.Column) int { return a.Position - b.Position }
		if !slices.IsSortedFunc(cols, byPosition) {
			cols = slices.Clone(cols)
			slices.SortStableFunc(cols, byPosition)
		}
		n := len(slab)
		slab = encodeColumns(slab, cols)
		return slab[n:len(slab):len(slab)], cols
	}
	p.addCols = make([][]byte, len(cs.Add))
	for i := range cs.Add {
		p.addCols[i], _ = encode(cs.Add[i].Columns)
	}
	p.upCols = make([][]byte, len(cs.Update))
	p.upSorted = make([][]hierarchy.Column, len(cs.Update))
	for i := range cs.Update {
		p.upCols[i], p.upSorted[i] = encode(cs.Update[i].Columns)
	}

	// The stored children the change set names: updated, marked deleted,
	// tagged, untagged or asked about.
	seen := make(map[hierarchy.ID]struct{})
	ref := func(id hierarchy.ID) {
		if _, ok := p.added[id]; ok {
			return
		}
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			p.refs = append(p.refs, id)
		}
	}
	for i := range cs.Update {
		ref(cs.Update[i].ID)
	}
	for _, id := range cs.MarkDeleted {
		ref(id)
	}
	for _, refs := range [][]store.TagRef{cs.AddTags, cs.RemoveTags} {
		for _, r := range refs {
			ref(r.Object)
		}
	}
	for _, t := range cs.AddTags {
		if _, ok := p.added[t.Object]; !ok && t.Column != "" {
			p.colRefs = true
		}
	}
	for i := range cs.Requests {
		ref(cs.Requests[i].Object)
	}
	return p
}

// stored is a stored child the change set names.
type stored struct {
	name  string
	depth int16
	cols  []byte // encoded, read when needed
}

// apply runs in the transaction.
func (s *Store) apply(ctx context.Context, tx pgx.Tx, p *plan) error {
	const op = "pgstore.Apply"
	cs := p.cs

	// One round trip: lock the ancestors (shared) and the container,
	// read the stored children the change set names, and look for names
	// the added children would take (only if the container has children).
	// The container's count of children and fingerprint are updated as it
	// is locked; a failed check rolls that back.
	b := &pgx.Batch{}
	s.queueLockAncestors(b, cs.Container)
	if len(cs.Add) > 0 || cs.Fingerprint != 0 {
		b.Queue(s.q.expand(`UPDATE {s}.objects o SET children = children + $2,
				fingerprint = CASE WHEN $3::bigint <> 0 THEN $3::bigint ELSE fingerprint END
			WHERE o.id = $1 RETURNING `+containerColsSub), cs.Container, int64(len(cs.Add)), int64(cs.Fingerprint))
	} else {
		b.Queue(s.q.expand(`SELECT `+containerColsSub+` FROM {s}.objects o WHERE o.id = $1 FOR NO KEY UPDATE`), cs.Container)
	}
	if len(p.refs) > 0 {
		cols := `NULL::bytea`
		if len(cs.Update) > 0 || p.colRefs {
			cols = `o.columns`
		}
		b.Queue(s.q.expand(`SELECT o.id, o.name, o.depth, `+cols+` FROM {s}.objects o WHERE o.id = ANY($1) AND o.parent_id = $2`), p.refs, cs.Container)
	}
	if len(cs.Add) > 0 {
		names := make([]string, len(cs.Add))
		for i := range cs.Add {
			names[i] = cs.Add[i].Name()
		}
		// The children count was just raised by len(names).
		b.Queue(s.q.expand(`SELECT o.name, o.id, o.state FROM {s}.objects o
			WHERE o.parent_id = $1 AND o.name = ANY($2) AND EXISTS (SELECT 1 FROM {s}.objects c WHERE c.id = $1 AND c.children > $3)
			ORDER BY o.name LIMIT 1`), cs.Container, names, int64(len(names)))
	}
	br := tx.SendBatch(ctx, b)
	ctr, found, err := s.readChecks(br, p)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if ctr.path[0] != cs.Connection {
		return fail(op, ctr.path.String(), connections.ErrInvalidInput, "container %s belongs to connection %q, not %q", cs.Container, ctr.path[0], cs.Connection)
	}
	if err := p.check(ctr, found); err != nil {
		return err
	}
	return s.write(ctx, tx, p, ctr, found)
}

// readChecks reads the results of apply's first batch, up to the
// container update.
func (s *Store) readChecks(br pgx.BatchResults, p *plan) (*container, map[hierarchy.ID]stored, error) {
	const op = "pgstore.Apply"
	cs := p.cs
	if err := drain(br); err != nil {
		return nil, nil, err
	}
	ctr := &container{id: cs.Container}
	if err := br.QueryRow().Scan(ctr.dest()...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil, fail(op, cs.Connection, connections.ErrConflict, "container %s no longer exists", cs.Container)
		}
		return nil, nil, err
	}
	if err := ctr.finish(); err != nil {
		return nil, nil, err
	}
	where := ctr.path.String()
	found := make(map[hierarchy.ID]stored, len(p.refs))
	if len(p.refs) > 0 {
		rows, err := br.Query()
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var (
				id hierarchy.ID
				st stored
			)
			if err := rows.Scan(&id, &st.name, &st.depth, &st.cols); err != nil {
				rows.Close()
				return nil, nil, err
			}
			found[id] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	if len(cs.Add) > 0 {
		var (
			name  string
			id    hierarchy.ID
			state int16
		)
		err := br.QueryRow().Scan(&name, &id, &state)
		if err == nil {
			return nil, nil, fail(op, ctr.path.Child(name).String(), connections.ErrAlreadyExists,
				"name %q is taken under %s by object %s (%s)", name, where, id, hierarchy.State(state))
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, nil, err
		}
	}
	return ctr, found, nil
}

// drain reads the batch's next result and drops its rows.
func drain(br pgx.BatchResults) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// queueLockAncestors queues the statement that takes a shared advisory
// lock on each ancestor of id, top down. DeleteObject and
// DeleteConnection take the exclusive lock of the object they delete, so
// nothing is added below an object being deleted, and no tuple is
// written to lock an ancestor (parallel Applies under one host would
// otherwise share its row lock through multixacts).
func (s *Store) queueLockAncestors(b *pgx.Batch, id hierarchy.ID) {
	b.Queue(s.q.expand(`SELECT pg_advisory_xact_lock_shared(hashtextextended(u.a::text, $2))
		FROM {s}.objects c, unnest(ARRAY[c.host_id, c.db_id, c.schema_id]) WITH ORDINALITY AS u(a, n)
		WHERE c.id = $1 AND u.a IS NOT NULL ORDER BY u.n`), id, s.lockKey())
}

// lockExclusive takes the exclusive advisory lock of an object about to
// be deleted (see queueLockAncestors).
func (s *Store) lockExclusive(ctx context.Context, tx pgx.Tx, id hierarchy.ID) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1::text, $2))`, id, s.lockKey())
	return err
}

// check verifies the change set against the locked container and the
// stored children it names.
func (p *plan) check(ctr *container, found map[hierarchy.ID]stored) error {
	const op = "pgstore.Apply"
	cs := p.cs
	where := ctr.path.String()
	if len(cs.Add) > 0 {
		if int(ctr.depth) >= hierarchy.MaxDepth {
			return fail(op, where, connections.ErrInvalidInput, "a table has no children to add")
		}
		want := ctr.childAncestors()
		for i := range cs.Add {
			o := &cs.Add[i]
			if len(o.Path) != int(ctr.depth)+1 || !slices.Equal(o.Path[:ctr.depth], ctr.path) {
				return fail(op, o.Path.String(), connections.ErrInvalidInput, "added object's path is not directly under the container %s", where)
			}
			if o.Ancestors != want {
				return fail(op, o.Path.String(), connections.ErrInvalidInput, "added object's Ancestors do not match the container %s", where)
			}
		}
	}
	for i := range cs.Update {
		u := &cs.Update[i]
		n, ok := found[u.ID]
		if !ok {
			return fail(op, where, connections.ErrConflict, "updated object %s (%s) is not a child of the container", u.ID, u.Path.String())
		}
		if u.Path != nil && !slices.Equal(u.Path, childPath(ctr.path, n.name)) {
			return fail(op, where, connections.ErrInvalidInput, "updated object %s has path %q, stored as %q", u.ID, u.Path.String(), childPath(ctr.path, n.name).String())
		}
		if len(u.Columns) > 0 && int(n.depth) != hierarchy.MaxDepth {
			return fail(op, childPath(ctr.path, n.name).String(), connections.ErrInvalidInput, "updated %s has columns; only tables do", hierarchy.KindOfDepth(int(n.depth)))
		}
	}
	for _, id := range cs.MarkDeleted {
		if _, ok := found[id]; !ok {
			return fail(op, where, connections.ErrConflict, "object %s to mark deleted is not a child of the container", id)
		}
	}
	if len(cs.AddTags)+len(cs.RemoveTags)+len(cs.Requests) == 0 {
		return nil
	}
	upIdx := make(map[hierarchy.ID]int, len(cs.Update))
	for i := range cs.Update {
		upIdx[cs.Update[i].ID] = i
	}
	// hasCol reports whether child id will have the column; ok is false
	// when id is no child of the container.
	hasCol := func(id hierarchy.ID, col string) (has, ok bool) {
		if i, added := p.added[id]; added {
			_, has = cs.Add[i].Column(col)
			return has, true
		}
		if i, up := upIdx[id]; up {
			return slices.ContainsFunc(cs.Update[i].Columns, func(c hierarchy.Column) bool { return c.Name == col }), true
		}
		n, child := found[id]
		if !child {
			return false, false
		}
		if col == "" {
			return true, true
		}
		has, _ = hasColumn(n.cols, col)
		return has, true
	}
	for _, t := range cs.AddTags {
		has, ok := hasCol(t.Object, t.Column)
		if !ok {
			return fail(op, where, connections.ErrConflict, "tag %q is for object %s, which is not a child of the container", t.Tag.Name, t.Object)
		}
		if t.Column != "" && !has {
			return fail(op, where, connections.ErrConflict, "tag %q is for column %q, which object %s does not have", t.Tag.Name, t.Column, t.Object)
		}
	}
	for _, t := range cs.RemoveTags {
		if _, ok := hasCol(t.Object, ""); !ok {
			return fail(op, where, connections.ErrConflict, "tag %q to remove is on object %s, which is not a child of the container", t.Tag.Name, t.Object)
		}
	}
	for i := range cs.Requests {
		r := &cs.Requests[i]
		if _, ok := hasCol(r.Object, ""); !ok {
			return fail(op, where, connections.ErrConflict, "request %s is for object %s, which is not a child of the container", r.ID, r.Object)
		}
	}
	return nil
}

// tagKey identifies a tag.
type tagKey struct {
	obj       hierarchy.ID
	col, name string
	src       hierarchy.TagSource
}

// write writes a checked change set in the transaction: COPY for new
// children and their tags, then one batch for the rest.
func (s *Store) write(ctx context.Context, tx pgx.Tx, p *plan, ctr *container, found map[hierarchy.ID]stored) error {
	cs := p.cs
	at := p.at
	if len(cs.Add) > 0 {
		if err := s.copyIn(ctx, tx, "objects", objectCopyCols, addRows(p, cs.Container)); err != nil {
			return err
		}
	}

	// Tags: on new children by COPY (they have none yet, and a tag removed
	// from one is one it does not have); on stored children by upsert.
	// Within the change set, the last value of a tag wins.
	var newTags, oldTags []store.TagRef
	if len(cs.AddTags) > 0 {
		last := make(map[tagKey]int, len(cs.AddTags))
		for i, t := range cs.AddTags {
			last[tagKey{t.Object, t.Column, t.Tag.Name, t.Tag.Source}] = i
		}
		for i, t := range cs.AddTags {
			if last[tagKey{t.Object, t.Column, t.Tag.Name, t.Tag.Source}] != i {
				continue
			}
			if _, ok := p.added[t.Object]; ok {
				newTags = append(newTags, t)
			} else {
				oldTags = append(oldTags, t)
			}
		}
	}
	// Every child's path is the container's and its name.
	ctrKey := appendPathKey(nil, ctr.path)
	childName := func(id hierarchy.ID) string {
		if i, ok := p.added[id]; ok {
			return cs.Add[i].Name()
		}
		return found[id].name
	}
	if len(newTags) > 0 {
		if err := s.copyIn(ctx, tx, "tags", tagCopyCols, tagRows(newTags, ctrKey, childName)); err != nil {
			return err
		}
	}

	b := &pgx.Batch{}
	if n := len(cs.Update); n > 0 {
		ids := make([]hierarchy.ID, n)
		types, comments := make([]string, n), make([]string, n)
		states := make([]int16, n)
		fps := make([]int64, n)
		var dropObj []hierarchy.ID
		var dropCol []string
		for i := range cs.Update {
			u := &cs.Update[i]
			ids[i], types[i], comments[i], states[i], fps[i] = u.ID, u.Type, u.Comment, int16(u.State), int64(u.Fingerprint)
			// Tags of columns the update removes go with them.
			old, err := decodeColumns(found[u.ID].cols)
			if err != nil {
				return err
			}
			for _, c := range old {
				if !slices.ContainsFunc(p.upSorted[i], func(d hierarchy.Column) bool { return d.Name == c.Name }) {
					dropObj, dropCol = append(dropObj, u.ID), append(dropCol, c.Name)
				}
			}
		}
		b.Queue(s.q.expand(`UPDATE {s}.objects o SET type = u.type, comment = u.comment, columns = u.columns, state = u.state, updated_at = $6,
				deleted_at = CASE WHEN u.state = 0 THEN NULL WHEN o.state = 0 THEN $6 ELSE o.deleted_at END,
				fingerprint = CASE WHEN u.state = 1 AND o.state = 0 THEN 0 WHEN u.fp <> 0 THEN u.fp ELSE o.fingerprint END
			FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::int2[], $7::int8[]) AS u(id, type, comment, columns, state, fp)
			WHERE o.id = u.id`), ids, types, comments, p.upCols, states, at, fps)
		if len(dropObj) > 0 {
			b.Queue(s.q.expand(`DELETE FROM {s}.tags t USING unnest($1::uuid[], $2::text[]) AS d(id, col)
				WHERE t.object_id = d.id AND t.col = d.col`), dropObj, dropCol)
		}
	}
	if len(cs.MarkDeleted) > 0 {
		// The children marked and, level by level, every object below.
		for level := range subtreeLevels(ctr.depth + 1) {
			b.Queue(s.q.expand(`UPDATE {s}.objects SET fingerprint = 0,
					deleted_at = CASE WHEN state = 0 THEN $2 ELSE deleted_at END,
					updated_at = CASE WHEN state = 0 THEN $2 ELSE updated_at END,
					state = 1
				WHERE `+levelCond(level)), cs.MarkDeleted, at)
		}
	}
	var del []store.TagRef
	for _, t := range cs.RemoveTags {
		if _, ok := p.added[t.Object]; !ok {
			del = append(del, t)
		}
	}
	if len(del) > 0 {
		obj, col, src, name, _ := tagArrays(del)
		b.Queue(s.q.expand(`DELETE FROM {s}.tags t USING unnest($1::uuid[], $2::text[], $3::int2[], $4::text[]) AS d(id, col, source, name)
			WHERE t.object_id = d.id AND t.col = d.col AND t.source = d.source AND t.name = d.name`), obj, col, src, name)
	}
	if len(oldTags) > 0 {
		obj, col, src, name, value := tagArrays(oldTags)
		keys := make([][]byte, len(oldTags))
		for i, t := range oldTags {
			keys[i] = append(append(slices.Clip(ctrKey), 0), found[t.Object].name...)
		}
		b.Queue(s.q.expand(`INSERT INTO {s}.tags (object_id, col, source, name, value, path_key)
			SELECT * FROM unnest($1::uuid[], $2::text[], $3::int2[], $4::text[], $5::text[], $6::bytea[])
			ON CONFLICT (name, path_key, col, source) DO UPDATE SET value = EXCLUDED.value`),
			obj, col, src, name, value, keys)
	}
	if n := len(cs.Requests); n > 0 {
		anc := ctr.childAncestors()
		ids, objs := make([]hierarchy.ID, n), make([]hierarchy.ID, n)
		created := make([]time.Time, n)
		kinds, states, cols, types := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		validated := make([]pgtype.Timestamptz, n)
		by := make([]string, n)
		paths := make([][]string, n)
		for i := range cs.Requests {
			r := &cs.Requests[i]
			ids[i], objs[i], kinds[i], cols[i], types[i], by[i] = r.ID, r.Object, string(r.Kind), r.Column, r.ColumnType, r.ValidatedBy
			states[i] = string(r.State)
			if states[i] == "" {
				states[i] = string(store.RequestOpen)
			}
			created[i] = stampOr(r.CreatedAt, at)
			if !r.ValidatedAt.IsZero() {
				validated[i] = pgtype.Timestamptz{Time: r.ValidatedAt, Valid: true}
			}
			paths[i] = r.Path
		}
		flat, lo, hi := flatPaths(paths)
		b.Queue(s.q.expand(`INSERT INTO {s}.requests (id, object_id, host_id, db_id, schema_id, created_at, validated_at, connection,
				kind, state, path, col, column_type, validated_by)
			SELECT a.id, a.object_id, $3, $4, $5, a.created_at, a.validated_at, $6, a.kind, a.state, ($7::text[])[a.lo:a.hi], a.col, a.column_type, a.validated_by
			FROM unnest($1::uuid[], $2::uuid[], $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::int4[], $13::int4[], $14::text[], $15::text[], $16::text[])
				AS a(id, object_id, created_at, validated_at, kind, state, lo, hi, col, column_type, validated_by)`),
			ids, objs, nullID(anc[0]), nullID(anc[1]), nullID(anc[2]), cs.Connection, flat,
			created, validated, kinds, states, lo, hi, cols, types, by)
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, b).Close()
}

// flatPaths joins paths into one array; path i is flat[lo[i]:hi[i]] in
// PostgreSQL's 1-based, inclusive slices (empty when lo > hi).
func flatPaths(paths [][]string) (flat []string, lo, hi []int32) {
	lo, hi = make([]int32, len(paths)), make([]int32, len(paths))
	for i, p := range paths {
		lo[i] = int32(len(flat) + 1)
		flat = append(flat, p...)
		hi[i] = int32(len(flat))
	}
	if flat == nil {
		flat = []string{}
	}
	return flat, lo, hi
}

func tagArrays(refs []store.TagRef) (obj []hierarchy.ID, col []string, src []int16, name, value []string) {
	n := len(refs)
	obj, col, src, name, value = make([]hierarchy.ID, n), make([]string, n), make([]int16, n), make([]string, n), make([]string, n)
	for i, t := range refs {
		obj[i], col[i], src[i], name[i], value[i] = t.Object, t.Column, int16(t.Tag.Source), t.Tag.Name, t.Tag.Value
	}
	return
}

// nullID returns nil (NULL) for the zero ID.
func nullID(id hierarchy.ID) any {
	if id.IsZero() {
		return nil
	}
	return id
}

// copyIn writes rows into the table with COPY FROM STDIN (binary), in the
// transaction; next encodes the rows a few at a time (see copyReader).
func (s *Store) copyIn(ctx context.Context, tx pgx.Tx, table, cols string, next func(w *copyWriter) bool) error {
	_, err := tx.Conn().PgConn().CopyFrom(ctx, newCopyReader(next),
		s.q.expand(`COPY {s}.`+table+` (`+cols+`) FROM STDIN (FORMAT binary)`))
	return err
}

const objectCopyCols = `id, parent_id, host_id, db_id, schema_id, fingerprint, children,
	created_at, updated_at, deleted_at, depth, state, enable, new_children, name, type, comment, columns`

// addRows encodes the new children for COPY, a row per call.
func addRows(p *plan, parent hierarchy.ID) func(w *copyWriter) bool {
	i := 0
	return func(w *copyWriter) bool {
		if i == len(p.cs.Add) {
			return false
		}
		o := &p.cs.Add[i]
		w.row(18)
		w.uuid(o.ID)
		w.uuid(parent)
		for a := range 3 {
			if a < len(o.Path)-1 {
				w.uuid(o.Ancestors[a])
			} else {
				w.null()
			}
		}
		w.int8(int64(o.Fingerprint))
		w.int8(0)
		w.time(stampOr(o.CreatedAt, p.at))
		w.time(p.at)
		if o.State == hierarchy.DeletedRemotely {
			w.time(stampOr(o.DeletedAt, p.at))
		} else {
			w.null()
		}
		w.int2(int16(len(o.Path)))
		w.int2(int16(o.State))
		w.int2(int16(o.Enable))
		w.int2(int16(o.NewChildren))
		w.text(o.Path[len(o.Path)-1])
		w.text(o.Type)
		w.text(o.Comment)
		w.bytes(p.addCols[i])
		i++
		return true
	}
}

const tagCopyCols = `object_id, col, source, name, value, path_key`

// tagRows encodes tags of new children for COPY, a row per call; their
// path keys are the container's and the child's name.
func tagRows(tags []store.TagRef, ctrKey []byte, name func(hierarchy.ID) string) func(w *copyWriter) bool {
	i := 0
	return func(w *copyWriter) bool {
		if i == len(tags) {
			return false
		}
		r := &tags[i]
		w.row(6)
		w.uuid(r.Object)
		w.text(r.Column)
		w.int2(int16(r.Tag.Source))
		w.text(r.Tag.Name)
		w.text(r.Tag.Value)
		n := name(r.Object)
		w.buf = binary.BigEndian.AppendUint32(w.buf, uint32(len(ctrKey)+1+len(n)))
		w.buf = append(append(append(w.buf, ctrKey...), 0), n...)
		i++
		return true
	}
}
