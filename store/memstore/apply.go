package memstore

import (
	"context"
	"slices"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// plan is a change set checked for shape and turned into records, before
// the store lock is taken.
type plan struct {
	cs      *store.ChangeSet
	at      int64
	adds    []node // new children, not yet linked
	ups     []update
	addTags []tagOp
	delTags []tagOp
	reqs    []*reqRec
}

type update struct {
	id    hierarchy.ID
	fp    hierarchy.Fingerprint
	path  hierarchy.Path // as given; checked when not nil
	typ   uint32
	cmt   string
	cols  []colRec
	state hierarchy.State
}

type tagOp struct {
	obj     hierarchy.ID
	n       *node // the object, found by check
	colName string
	col     uint32
	name    uint32
	value   uint32
	src     hierarchy.TagSource
	same    bool // col, name and value are those of the operation before
}

// Apply applies a change set atomically. The change set is checked and
// its records built first; then, under the lock, it is checked against the
// store, and only if every element passes is anything written.
//
// Besides the errors the contract names, an Add whose Path or Ancestors do
// not put it directly under Container, a malformed column list or tag, or
// an ID given twice gives ErrInvalidInput; a tag or request on an object
// that is not a child of Container, or a tag on a column the object does
// not have, gives ErrConflict.
func (s *Store) Apply(ctx context.Context, cs *store.ChangeSet) error {
	const op = "memstore.Apply"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateChangeSet(op, cs); err != nil {
		return err
	}
	p, err := s.prepare(cs)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// A cancellation that came while waiting for the lock still writes
	// nothing.
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	c, err := s.check(p)
	if err != nil {
		return err
	}
	s.commit(p, c)
	return nil
}

// prepare builds the records of a change set ValidateChangeSet passed.
func (s *Store) prepare(cs *store.ChangeSet) (*plan, error) {
	const op = "memstore.Apply"
	p := &plan{cs: cs, at: toNanos(s.stamp(cs.At))}
	where := cs.Connection
	ncols := 0
	for i := range cs.Add {
		ncols += len(cs.Add[i].Columns)
	}
	for i := range cs.Update {
		ncols += len(cs.Update[i].Columns)
	}

	// Build the records, interning their strings in one batch.
	slab := make([]colRec, ncols)
	p.adds = make([]node, len(cs.Add))
	p.ups = make([]update, len(cs.Update))
	p.addTags = make([]tagOp, len(cs.AddTags))
	p.delTags = make([]tagOp, len(cs.RemoveTags))
	b := s.strs.begin()
	for i := range cs.Add {
		o := &cs.Add[i]
		n := &p.adds[i]
		*n = node{
			id: o.ID, name: o.Name(), comment: o.Comment, depth: uint8(len(o.Path)),
			state: o.State, enable: o.Enable, newKids: o.NewChildren,
			created: p.at, updated: p.at, fp: o.Fingerprint,
		}
		if !o.CreatedAt.IsZero() {
			n.created = o.CreatedAt.UnixNano()
		}
		if o.State == hierarchy.DeletedRemotely {
			n.deleted = p.at
			if !o.DeletedAt.IsZero() {
				n.deleted = o.DeletedAt.UnixNano()
			}
		}
		b.set(&n.typ, o.Type)
		n.cols, slab = fillColumns(b, o.Columns, slab)
	}
	for i := range cs.Update {
		o := &cs.Update[i]
		u := &p.ups[i]
		*u = update{id: o.ID, fp: o.Fingerprint, path: o.Path, cmt: o.Comment, state: o.State}
		b.set(&u.typ, o.Type)
		u.cols, slab = fillColumns(b, o.Columns, slab)
	}
	makeTagOps(b, cs.AddTags, p.addTags)
	makeTagOps(b, cs.RemoveTags, p.delTags)
	if !b.finish() {
		return nil, fail(op, where, connections.ErrLimitExceeded, "string table full")
	}
	finishTagOps(p.addTags)
	finishTagOps(p.delTags)
	for i := range cs.Requests {
		p.reqs = append(p.reqs, newReqRec(&cs.Requests[i], cs.Connection, p.at))
	}
	return p, nil
}

// makeTagOps fills ops from refs; b sets the interned fields (new strings
// at finish), so ops must be the operations' final location. A ref whose
// column and tag are those of the ref before it (sync puts the same
// connection tag on every table it adds) is marked to copy that one's
// fields once b has finished: see finishTagOps.
func makeTagOps(b *batch, refs []store.TagRef, ops []tagOp) {
	for i := range refs {
		r, op := &refs[i], &ops[i]
		*op = tagOp{obj: r.Object, colName: r.Column, src: r.Tag.Source}
		if i > 0 {
			q := &refs[i-1]
			if r.Column == q.Column && r.Tag.Name == q.Tag.Name && r.Tag.Value == q.Tag.Value {
				op.same = true
				continue
			}
		}
		b.set(&op.col, r.Column)
		b.set(&op.name, r.Tag.Name)
		b.set(&op.value, r.Tag.Value)
	}
}

// finishTagOps copies the interned fields of the operations makeTagOps
// marked from the ones before them.
func finishTagOps(ops []tagOp) {
	for i := range ops {
		if op := &ops[i]; op.same {
			q := &ops[i-1]
			op.col, op.name, op.value = q.col, q.name, q.value
		}
	}
}

// fillColumns turns cols into records, in position order, backed by the
// front of slab, and returns them and the rest of slab. The records must
// not move before b finishes, as b writes interned indexes into them.
func fillColumns(b *batch, cols []hierarchy.Column, slab []colRec) ([]colRec, []colRec) {
	if len(cols) == 0 {
		return nil, slab
	}
	for i := 1; i < len(cols); i++ {
		if cols[i].Position < cols[i-1].Position {
			cols = slices.Clone(cols)
			slices.SortStableFunc(cols, func(a, b hierarchy.Column) int { return a.Position - b.Position })
			break
		}
	}
	out := slab[:len(cols):len(cols)]
	for i := range cols {
		c := &cols[i]
		r := &out[i]
		b.set(&r.name, c.Name)
		b.set(&r.typ, c.Type)
		b.set(&r.comment, c.Comment)
		r.pos = uint32(c.Position)
		if c.Nullable {
			r.pos |= nullableBit
		}
	}
	return out, slab[len(cols):]
}

// checked is what check found, for commit.
type checked struct {
	cn        *conn
	container *node
	ups       []*node
	marks     []*node
}

// check verifies p against the store; the caller holds mu for writing.
func (s *Store) check(p *plan) (*checked, error) {
	const op = "memstore.Apply"
	cs := p.cs
	ctr := s.ids.get(cs.Container)
	if ctr == nil {
		return nil, fail(op, cs.Connection, connections.ErrConflict, "container %s no longer exists", cs.Container)
	}
	ctrPath := ctr.path()
	where := ctrPath.String()
	if ctrPath[0] != cs.Connection {
		return nil, fail(op, where, connections.ErrInvalidInput, "container %s belongs to connection %q, not %q", cs.Container, ctrPath[0], cs.Connection)
	}
	c := &checked{cn: s.conns[cs.Connection], container: ctr}
	if len(p.adds) > 0 {
		if int(ctr.depth) >= hierarchy.MaxDepth {
			return nil, fail(op, where, connections.ErrInvalidInput, "a table has no children to add")
		}
		want := ctr.ancestors()
		want[ctr.depth-1] = ctr.id
		for i := range p.adds {
			n := &p.adds[i]
			o := &cs.Add[i]
			if len(o.Path) != int(ctr.depth)+1 || !slices.Equal(o.Path[:ctr.depth], ctrPath) {
				return nil, fail(op, o.Path.String(), connections.ErrInvalidInput, "added object's path is not directly under the container %s", where)
			}
			if o.Ancestors != want {
				return nil, fail(op, o.Path.String(), connections.ErrInvalidInput, "added object's Ancestors do not match the container %s", where)
			}
			if s.ids.has(n.id) {
				return nil, fail(op, o.Path.String(), connections.ErrAlreadyExists, "object ID %s is taken", n.id)
			}
			if ctr.kids != nil {
				if old := ctr.kids.byName[n.name]; old != nil {
					return nil, fail(op, o.Path.String(), connections.ErrAlreadyExists, "name %q is taken under %s by object %s (%s)", n.name, where, old.id, old.state)
				}
			}
		}
	}
	c.ups = make([]*node, len(p.ups))
	for i := range p.ups {
		u := &p.ups[i]
		n := s.ids.get(u.id)
		if n == nil || n.parent != ctr {
			return nil, fail(op, where, connections.ErrConflict, "updated object %s (%s) is not a child of the container", u.id, u.path.String())
		}
		if u.path != nil && !slices.Equal(u.path, n.path()) {
			return nil, fail(op, where, connections.ErrInvalidInput, "updated object %s has path %q, stored as %q", u.id, u.path.String(), n.path().String())
		}
		if len(u.cols) > 0 && int(n.depth) != hierarchy.MaxDepth {
			return nil, fail(op, n.path().String(), connections.ErrInvalidInput, "updated %s has columns; only tables do", hierarchy.KindOfDepth(int(n.depth)))
		}
		c.ups[i] = n
	}
	c.marks = make([]*node, len(cs.MarkDeleted))
	for i, id := range cs.MarkDeleted {
		n := s.ids.get(id)
		if n == nil || n.parent != ctr {
			return nil, fail(op, where, connections.ErrConflict, "object %s to mark deleted is not a child of the container", id)
		}
		c.marks[i] = n
	}
	if len(p.addTags)+len(p.delTags)+len(p.reqs) == 0 {
		return c, nil
	}

	// Tags and requests name children: stored, updated or added.
	// child returns a child as it will be after the change set: its node
	// and columns, and false if id is no child of the container. The
	// adds were checked above not to be stored.
	upIdx := make(map[*node]int, len(c.ups))
	for i, n := range c.ups {
		upIdx[n] = i
	}
	adds := addFinder{adds: p.adds}
	child := func(id hierarchy.ID) (*node, []colRec, bool) {
		if i, ok := adds.find(id); ok {
			return &p.adds[i], p.adds[i].cols, true
		}
		if n := s.ids.get(id); n != nil {
			if n.parent != ctr {
				return nil, nil, false
			}
			if i, ok := upIdx[n]; ok {
				return n, p.ups[i].cols, true
			}
			return n, n.cols, true
		}
		return nil, nil, false
	}
	for i := range p.addTags {
		t := &p.addTags[i]
		n, cols, ok := child(t.obj)
		if !ok {
			return nil, fail(op, where, connections.ErrConflict, "tag %q is for object %s, which is not a child of the container", p.cs.AddTags[i].Tag.Name, t.obj)
		}
		if t.col != 0 && !hasColumn(cols, t.col) {
			return nil, fail(op, where, connections.ErrConflict, "tag %q is for column %q, which object %s does not have", p.cs.AddTags[i].Tag.Name, t.colName, t.obj)
		}
		t.n = n
	}
	for i := range p.delTags {
		t := &p.delTags[i]
		n, _, ok := child(t.obj)
		if !ok {
			return nil, fail(op, where, connections.ErrConflict, "tag %q to remove is on object %s, which is not a child of the container", p.cs.RemoveTags[i].Tag.Name, t.obj)
		}
		t.n = n
	}
	for _, r := range p.reqs {
		if _, taken := s.reqs[r.r.ID]; taken {
			return nil, fail(op, where, connections.ErrAlreadyExists, "request ID %s is taken", r.r.ID)
		}
		if _, _, ok := child(r.r.Object); !ok {
			return nil, fail(op, where, connections.ErrConflict, "request %s is for object %s, which is not a child of the container", r.r.ID, r.r.Object)
		}
	}
	return c, nil
}

// addFinder finds added objects by ID. Sync lists an added object's tags
// right after those of the object added before it, so it looks first
// where the last search ended, and builds an index only when that fails.
type addFinder struct {
	adds []node
	next int
	idx  map[hierarchy.ID]int
}

func (f *addFinder) find(id hierarchy.ID) (int, bool) {
	if len(f.adds) == 0 {
		return 0, false
	}
	for _, i := range [2]int{f.next - 1, f.next} {
		if i >= 0 && i < len(f.adds) && f.adds[i].id == id {
			f.next = i + 1
			return i, true
		}
	}
	if f.idx == nil {
		f.idx = make(map[hierarchy.ID]int, len(f.adds))
		for i := range f.adds {
			f.idx[f.adds[i].id] = i
		}
	}
	i, ok := f.idx[id]
	if ok {
		f.next = i + 1
	}
	return i, ok
}

func hasColumn(cols []colRec, name uint32) bool {
	for _, c := range cols {
		if c.name == name {
			return true
		}
	}
	return false
}

// commit writes a checked plan; the caller holds mu for writing.
func (s *Store) commit(p *plan, c *checked) {
	ctr, cn, at := c.container, c.cn, p.at
	if n := len(p.adds); n > 0 {
		if ctr.kids == nil {
			ctr.kids = newKids(n)
		}
		s.ids.reserve(p.adds[0].id, p.adds[n-1].id, n)
		for i := range p.adds {
			nd := &p.adds[i]
			nd.parent = ctr
			s.ids.put(nd.id, nd)
			ctr.kids.add(nd)
		}
		for a := ctr; a != nil; a = a.parent {
			a.ndesc += uint32(n)
		}
	}
	for i, n := range c.ups {
		u := &p.ups[i]
		n.typ, n.comment, n.updated = u.typ, u.cmt, at
		if len(n.tags) > 0 {
			s.dropColumnTags(cn, n, u.cols)
		}
		n.cols = u.cols
		if u.fp != 0 {
			n.fp = u.fp
		}
		switch {
		case u.state == hierarchy.Active && n.state != hierarchy.Active:
			n.state, n.deleted = hierarchy.Active, 0
		case u.state == hierarchy.DeletedRemotely && n.state == hierarchy.Active:
			n.state, n.deleted, n.fp = hierarchy.DeletedRemotely, at, 0
		}
	}
	for _, n := range c.marks {
		walk(n, func(m *node) {
			if m.state == hierarchy.Active {
				m.state, m.deleted, m.updated = hierarchy.DeletedRemotely, at, at
			}
			m.fp = 0
		})
	}
	for i := range p.delTags {
		t := &p.delTags[i]
		s.removeTag(cn, t.n, t.col, t.name, t.src)
	}
	arena := tagArena{want: len(p.addTags)}
	for i := range p.addTags {
		t := &p.addTags[i]
		s.putTag(cn, t.n, t.col, t.name, t.value, t.src, true, &arena)
	}
	for _, r := range p.reqs {
		r.n = s.ids.get(r.r.Object)
		s.reqs[r.r.ID] = r
		cn.reqs[r.r.ID] = r
	}
	if len(p.reqs) > 0 {
		s.reqOrder.invalidate()
	}
	if p.cs.Fingerprint != 0 {
		ctr.fp = p.cs.Fingerprint
	}
}

// UpdateSettings changes an object's enable settings (B8, B9).
// ResetDescendants sets the own Enable setting of every object below to
// Inherit. An invalid setting gives ErrInvalidInput.
func (s *Store) UpdateSettings(ctx context.Context, id hierarchy.ID, u store.SettingsUpdate) error {
	const op = "memstore.UpdateSettings"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateSettingsUpdate(op, id, u); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ids.get(id)
	if n == nil {
		return fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
	}
	if u.Enable != nil {
		n.enable = *u.Enable
	}
	if u.NewChildren != nil {
		n.newKids = *u.NewChildren
	}
	if u.ResetDescendants && n.kids != nil {
		for _, k := range n.kids.byName {
			walk(k, func(m *node) { m.enable = hierarchy.Inherit })
		}
	}
	return nil
}

// DeleteObject deletes a database, schema or table and everything under
// it, with their tags, grants and requests, and clears the fingerprints of
// its ancestors. It returns how many objects were deleted.
func (s *Store) DeleteObject(ctx context.Context, id hierarchy.ID) (int64, error) {
	const op = "memstore.DeleteObject"
	if err := ctxErr(ctx, op); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ids.get(id)
	if n == nil {
		return 0, fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
	}
	if n.parent == nil {
		return 0, fail(op, n.name, connections.ErrInvalidInput, "%s is a host; delete the connection instead", id)
	}
	cn := s.connOf(n)
	count := uint32(0)
	walk(n, func(m *node) {
		for _, t := range m.tags {
			if p := cn.tags[t.name]; p != nil {
				p.remove(hitKey{m, t.col, t.src})
				if p.n == 0 {
					delete(cn.tags, t.name)
				}
			}
		}
		m.gone = true
		s.ids.del(m.id)
		count++
	})
	n.parent.kids.remove(n)
	for a := n.parent; a != nil; a = a.parent {
		a.ndesc -= count
		a.fp = 0
	}
	for k := range cn.grants {
		if !s.ids.has(k.obj) {
			delete(cn.grants, k)
		}
	}
	dropped := false
	for rid, r := range cn.reqs {
		if r.n == nil || r.n.gone {
			delete(cn.reqs, rid)
			delete(s.reqs, rid)
			dropped = true
		}
	}
	if dropped {
		s.reqOrder.invalidate()
	}
	return int64(count), nil
}
