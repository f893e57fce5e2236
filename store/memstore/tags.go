package memstore

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/cursor"
	"github.com/govkit/connections/store"
)

// hitKey identifies one tag of a given name: on node n itself (col 0) or
// on its column named col, from source src.
type hitKey struct {
	n   *node
	col uint32
	src hierarchy.TagSource
}

// posting indexes every tag of one name in one connection, so FindByTag
// never scans objects. It lists the tags' keys and, like kids, keeps them
// sorted lazily (in path order): readers bring sorted up to date under mu
// while holding the store's read lock; writers touch only pending, n and
// stale. Whether a listed key is still a tag, and its value, is read from
// its node's tags, which are the truth: a key removed stays listed until
// the list is next brought up to date, and a tag whose value changes
// needs no change here. So a tag costs the index a key, not a map entry
// (a million tables each carry the connection tag).
type posting struct {
	name uint32 // the tag name
	n    int    // tags of this name

	mu      sync.Mutex
	sorted  []hitKey // path order; may hold removed keys while stale > 0
	pending []hitKey // added since sorted was built; may hold removed keys
	stale   int      // removed since sorted was built
}

// get returns the value of the tag k, and whether it is there.
func (p *posting) get(k hitKey) (uint32, bool) {
	if k.n.gone {
		return 0, false
	}
	for _, t := range k.n.tags {
		if t.col == k.col && t.name == p.name && t.src == k.src {
			return t.value, true
		}
	}
	return 0, false
}

// add lists the tag k, just put on its node.
func (p *posting) add(k hitKey) {
	p.n++
	if len(p.pending) >= 2*p.n+1024 {
		// Mostly keys of tags removed since, with no read to drop them.
		p.pending = slices.DeleteFunc(p.pending, func(k hitKey) bool { _, ok := p.get(k); return !ok })
	}
	p.pending = append(p.pending, k)
}

// remove counts the tag k out, just removed from its node.
func (p *posting) remove(hitKey) {
	p.n--
	p.stale++
}

func cmpHits(a, b hitKey, strs []string) int {
	if c := cmpNodes(a.n, b.n); c != 0 {
		return c
	}
	if c := strings.Compare(strs[a.col], strs[b.col]); c != 0 {
		return c
	}
	return cmp.Compare(a.src, b.src)
}

// ordered returns the keys in path order, an object's own tags before its
// columns', columns by name, then by source. The caller holds the store
// lock and must not use the result after releasing it. Like
// kids.ordered, it sorts only what was added since the last call and
// merges it in by binary search, dropping keys no longer tags.
func (p *posting) ordered(strs []string) []hitKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pending) == 0 && p.stale == 0 {
		return p.sorted
	}
	present := func(k hitKey) bool { _, ok := p.get(k); return ok }
	add := slices.DeleteFunc(p.pending, func(k hitKey) bool { return !present(k) })
	old := p.sorted
	if p.stale > 0 {
		old = filter(old, present)
	}
	slices.SortFunc(add, func(a, b hitKey) int { return cmpHits(a, b, strs) })
	out := make([]hitKey, 0, len(old)+len(add))
	for _, k := range add {
		i, found := slices.BinarySearchFunc(old, k, func(a, b hitKey) int { return cmpHits(a, b, strs) })
		out = append(out, old[:i]...)
		old = old[i:]
		// A key removed and added again is in both lists; a key added
		// twice is in add twice: keep one.
		if found || (len(out) > 0 && out[len(out)-1] == k) {
			continue
		}
		out = append(out, k)
	}
	out = append(out, old...)
	p.sorted, p.pending, p.stale = out, nil, 0
	return out
}

// putTag puts a tag on n (col 0) or its column. If the tag is there, it
// reports true, and with upsert replaces its value. A new list of n's tags
// comes from arena when it is not nil. The caller holds mu.
func (s *Store) putTag(cn *conn, n *node, col, name, value uint32, src hierarchy.TagSource, upsert bool, arena *tagArena) (existed bool) {
	p := cn.tags[name]
	for i, t := range n.tags {
		if t.col == col && t.name == name && t.src == src {
			if upsert && t.value != value {
				nt := slices.Clone(n.tags)
				nt[i].value = value
				n.tags = nt
			}
			return true
		}
	}
	nt := arena.alloc(len(n.tags) + 1)
	copy(nt, n.tags)
	nt[len(n.tags)] = tagRec{col: col, name: name, value: value, src: src}
	n.tags = nt
	if p == nil {
		p = &posting{name: name}
		cn.tags[name] = p
	}
	p.add(hitKey{n, col, src})
	return false
}

// tagArena hands out the tag lists of many objects from a few shared
// arrays, for a change set that tags many objects (a first sync puts the
// connection tag on every table). A list never grows in place: tags are
// copy-on-write, and each list is capped.
type tagArena struct {
	free []tagRec
	want int // records still expected, to size the next array
}

// alloc returns a zeroed list of n records; a nil arena allocates it alone.
func (a *tagArena) alloc(n int) []tagRec {
	if a == nil || n > 8 {
		return make([]tagRec, n)
	}
	if len(a.free) < n {
		a.free = make([]tagRec, max(n, min(a.want, 1024)))
	}
	l := a.free[:n:n]
	a.free = a.free[n:]
	a.want = max(a.want-n, 0)
	return l
}

// removeTag removes a tag from n or its column and reports whether it was
// there. The caller holds mu.
func (s *Store) removeTag(cn *conn, n *node, col, name uint32, src hierarchy.TagSource) bool {
	i := slices.IndexFunc(n.tags, func(t tagRec) bool { return t.col == col && t.name == name && t.src == src })
	if i < 0 {
		return false
	}
	nt := make([]tagRec, 0, len(n.tags)-1)
	nt = append(nt, n.tags[:i]...)
	n.tags = append(nt, n.tags[i+1:]...)
	if len(n.tags) == 0 {
		n.tags = nil
	}
	if p := cn.tags[name]; p != nil {
		p.remove(hitKey{n, col, src})
		if p.n == 0 {
			delete(cn.tags, name)
		}
	}
	return true
}

// dropColumnTags removes the tags of n's columns that cols does not have.
// The caller holds mu.
func (s *Store) dropColumnTags(cn *conn, n *node, cols []colRec) {
	var drop []tagRec
	for _, t := range n.tags {
		if t.col != 0 && !hasColumn(cols, t.col) {
			drop = append(drop, t)
		}
	}
	for _, t := range drop {
		s.removeTag(cn, n, t.col, t.name, t.src)
	}
}

// AddTag puts a tag on an object or column. ErrNotFound if the object (or
// the column) does not exist; ErrAlreadyExists if the tag, by source and
// name, is there; ErrInvalidInput for an empty name or unknown source.
func (s *Store) AddTag(ctx context.Context, ref store.TagRef) error {
	const op = "memstore.AddTag"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateTagRef(op, ref); err != nil {
		return err
	}
	var name, value, col uint32
	b := s.strs.begin()
	b.set(&name, ref.Tag.Name)
	b.set(&value, ref.Tag.Value)
	b.set(&col, ref.Column)
	if !b.finish() {
		return fail(op, ref.Object.String(), connections.ErrLimitExceeded, "string table full")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ids.get(ref.Object)
	if n == nil {
		return fail(op, ref.Object.String(), connections.ErrNotFound, "no object with ID %s", ref.Object)
	}
	if col != 0 && !hasColumn(n.cols, col) {
		return fail(op, n.path().Child(ref.Column).String(), connections.ErrNotFound, "no column %q", ref.Column)
	}
	if s.putTag(s.connOf(n), n, col, name, value, ref.Tag.Source, false, nil) {
		return fail(op, tagPath(n, ref.Column), connections.ErrAlreadyExists, "%s tag %q is there", ref.Tag.Source, ref.Tag.Name)
	}
	return nil
}

// RemoveTag removes a tag, matched by object, column, source and name.
// ErrNotFound if it is not there.
func (s *Store) RemoveTag(ctx context.Context, ref store.TagRef) error {
	const op = "memstore.RemoveTag"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	name, ok1 := s.strs.lookup(ref.Tag.Name)
	col, ok2 := s.strs.lookup(ref.Column)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ids.get(ref.Object)
	if n == nil {
		return fail(op, ref.Object.String(), connections.ErrNotFound, "no object with ID %s", ref.Object)
	}
	if !ok1 || !ok2 || !s.removeTag(s.connOf(n), n, col, name, ref.Tag.Source) {
		return fail(op, tagPath(n, ref.Column), connections.ErrNotFound, "no %s tag %q", ref.Tag.Source, ref.Tag.Name)
	}
	return nil
}

func tagPath(n *node, column string) string {
	p := n.path()
	if column != "" {
		p = p.Child(column)
	}
	return p.String()
}

// tagCursor is the decoded form of FindByTag's opaque cursor: the last
// hit returned.
type tagCursor struct {
	P []string `json:"p"`
	C string   `json:"c,omitempty"`
	S uint8    `json:"s"`
}

type foundTag struct {
	k     hitKey
	value uint32
}

// FindByTag returns up to page.Size() tagged objects and columns in path
// order (an object's own tags before its columns', columns by name, then
// by source), starting after the opaque cursor page.After, and the cursor
// of the next page ("" after the last). TagHit.Path is the object's path.
// It reads an index of each tag name; it never scans objects.
func (s *Store) FindByTag(ctx context.Context, q store.TagQuery, page store.Page) ([]store.TagHit, string, error) {
	const op = "memstore.FindByTag"
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
	name, ok := s.strs.lookup(q.Name)
	if !ok {
		return nil, "", nil
	}
	var value uint32
	if q.Value != "" {
		if value, ok = s.strs.lookup(q.Value); !ok {
			return nil, "", nil
		}
	}
	size := page.Size()
	found := make([]foundTag, 0, min(size+1, 1024))

	s.mu.RLock()
	strs := s.strs.strs()
	var keys []string
	if q.Connection != "" {
		keys = []string{q.Connection}
	} else {
		for k, cn := range s.conns {
			if cn.tags[name] != nil {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
	}
	for _, key := range keys {
		if cur != nil && key < cur.P[0] {
			continue
		}
		cn := s.conns[key]
		if cn == nil || cn.tags[name] == nil {
			continue
		}
		p := cn.tags[name]
		list := p.ordered(strs)
		if cur != nil && key == cur.P[0] {
			list = list[sort.Search(len(list), func(i int) bool { return cmpCursor(list[i], cur, strs) > 0 }):]
		}
		for _, k := range list {
			v, ok := p.get(k)
			if !ok || (q.Value != "" && v != value) || (q.Source != nil && k.src != *q.Source) {
				continue
			}
			found = append(found, foundTag{k, v})
			if len(found) > size {
				break
			}
		}
		if len(found) > size {
			break
		}
	}
	s.mu.RUnlock()

	next := ""
	if len(found) > size {
		found = found[:size]
		last := found[size-1].k
		next = cursor.Encode(tagCursor{P: last.n.path(), C: strs[last.col], S: uint8(last.src)})
	}
	if len(found) == 0 {
		return nil, "", nil
	}
	// One backing array for every path, each capped so that appending to
	// one cannot change another.
	depth := 0
	for _, f := range found {
		depth += int(f.k.n.depth)
	}
	segs := make([]string, depth)
	out := make([]store.TagHit, len(found))
	for i, f := range found {
		var l [hierarchy.MaxDepth]*node
		d := f.k.n.lineage(&l)
		p := segs[:d:d]
		segs = segs[d:]
		for j := range d {
			p[j] = l[j].name
		}
		out[i] = store.TagHit{
			Object: f.k.n.id, Path: p, Column: strs[f.k.col],
			Tag: hierarchy.Tag{Name: q.Name, Value: strs[f.value], Source: f.k.src},
		}
	}
	return out, next, nil
}

func cmpCursor(k hitKey, c *tagCursor, strs []string) int {
	if r := cmpNodePath(k.n, c.P); r != 0 {
		return r
	}
	if r := strings.Compare(strs[k.col], c.C); r != 0 {
		return r
	}
	return cmp.Compare(uint8(k.src), c.S)
}
