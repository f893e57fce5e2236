package memstore

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/govkit/connections/hierarchy"
)

// node is the stored form of one object. It is kept compact because a
// large platform has millions of them: strings that repeat are indexes
// into the store's strtab, times are Unix nanoseconds, and columns and tags
// are slices of pointer-free records.
//
// Fields id, parent, name and depth never change after the node is
// published, so they may be read without the store lock. Slices cols and
// tags are copy-on-write: a writer replaces them and never changes an
// element of a published slice, so a reader may keep the slice header it
// read under the lock and use it after unlocking. Every other field is
// guarded by the store's mutex.
type node struct {
	id      hierarchy.ID
	parent  *node
	name    string
	comment string
	fp      hierarchy.Fingerprint
	created int64
	updated int64
	deleted int64
	cols    []colRec
	tags    []tagRec
	kids    *kids // nil until the first child
	typ     uint32
	ndesc   uint32 // objects below, not columns
	depth   uint8  // len(path): 1 host .. 4 table
	state   hierarchy.State
	enable  hierarchy.Setting
	newKids hierarchy.Setting
	gone    bool // removed from the store
}

// colRec is one column. pos keeps the position in its low 31 bits and
// Nullable in the top bit.
type colRec struct {
	name, typ, comment uint32
	pos                uint32
}

const nullableBit = 1 << 31

func (c colRec) position() int  { return int(c.pos &^ nullableBit) }
func (c colRec) nullable() bool { return c.pos&nullableBit != 0 }

// tagRec is one tag on the node (col 0) or on its column named col.
type tagRec struct {
	col, name, value uint32
	src              hierarchy.TagSource
}

// kids indexes a node's children by name and keeps a lazily sorted list of
// them. Writers hold the store's write lock and only touch byName,
// pending, stale and rebuild; readers hold the read lock and mu while they
// bring sorted up to date, merging pending in and dropping removed nodes.
type kids struct {
	byName map[string]*node

	mu      sync.Mutex
	sorted  []*node // by name; may hold removed nodes while stale > 0
	pending []*node // added since sorted was built, unsorted
	stale   int     // removed since sorted was built
	// rebuild is set, and pending dropped, once more children were added
	// since sorted was built than it holds (a new container, a first
	// sync): sorting them all again from byName then costs about what
	// merging pending in would, and pending need not be kept.
	rebuild bool
}

func newKids(hint int) *kids { return &kids{byName: make(map[string]*node, hint)} }

func (k *kids) add(n *node) {
	k.byName[n.name] = n
	if k.rebuild {
		return
	}
	if len(k.pending) >= len(k.sorted) {
		k.pending, k.rebuild = nil, true
		return
	}
	k.pending = append(k.pending, n)
}

func (k *kids) remove(n *node) {
	delete(k.byName, n.name)
	k.stale++
}

// ordered returns the children sorted by name. The caller holds the store
// lock (read or write) and must not use the result after releasing it.
//
// After a change it sorts only the children added since, and merges them
// in by binary search, so a page read after a small change to a huge
// container costs a copy of the list, not a sort.
func (k *kids) ordered() []*node {
	k.mu.Lock()
	defer k.mu.Unlock()
	byName := func(a, b *node) int { return strings.Compare(a.name, b.name) }
	if k.rebuild {
		out := make([]*node, 0, len(k.byName))
		for _, n := range k.byName {
			out = append(out, n)
		}
		slices.SortFunc(out, byName)
		k.sorted, k.pending, k.stale, k.rebuild = out, nil, 0, false
		return out
	}
	if len(k.pending) == 0 && k.stale == 0 {
		return k.sorted
	}
	live := func(n *node) bool { return !n.gone }
	add := k.pending
	old := k.sorted
	if k.stale > 0 {
		add = slices.DeleteFunc(add, func(n *node) bool { return n.gone })
		old = filter(old, live)
	}
	slices.SortFunc(add, byName)
	// A new slice: other readers may still be walking the old one.
	out := make([]*node, 0, len(old)+len(add))
	for _, n := range add {
		i, _ := slices.BinarySearchFunc(old, n.name, func(m *node, name string) int { return strings.Compare(m.name, name) })
		out = append(out, old[:i]...)
		out = append(out, n)
		old = old[i:]
	}
	out = append(out, old...)
	k.sorted, k.pending, k.stale = out, nil, 0
	return out
}

// filter returns a new slice of the elements of s that keep reports true
// for.
func filter[T any](s []T, keep func(T) bool) []T {
	out := make([]T, 0, len(s))
	for _, v := range s {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// lineage fills dst with the nodes from the host down to n and returns
// how many there are.
func (n *node) lineage(dst *[hierarchy.MaxDepth]*node) int {
	d := int(n.depth)
	for m := n; m != nil && d > 0; m = m.parent {
		d--
		dst[d] = m
	}
	return int(n.depth)
}

// root returns the host node above n (or n itself).
func (n *node) root() *node {
	for n.parent != nil {
		n = n.parent
	}
	return n
}

// path returns n's path; it reads only immutable fields.
func (n *node) path() hierarchy.Path {
	var l [hierarchy.MaxDepth]*node
	d := n.lineage(&l)
	p := make(hierarchy.Path, d)
	for i := range d {
		p[i] = l[i].name
	}
	return p
}

// ancestors returns the IDs of the nodes above n, host first.
func (n *node) ancestors() [hierarchy.MaxDepth - 1]hierarchy.ID {
	var a [hierarchy.MaxDepth - 1]hierarchy.ID
	for m := n.parent; m != nil; m = m.parent {
		if i := int(m.depth) - 1; i >= 0 && i < len(a) {
			a[i] = m.id
		}
	}
	return a
}

// cmpNodes orders two nodes of one connection by path.
func cmpNodes(a, b *node) int {
	if a == b {
		return 0
	}
	var la, lb [hierarchy.MaxDepth]*node
	da, db := a.lineage(&la), b.lineage(&lb)
	for i := range min(da, db) {
		if la[i] != lb[i] {
			return strings.Compare(la[i].name, lb[i].name)
		}
	}
	return cmp.Compare(da, db)
}

// cmpNodePath orders node n against a path by segments.
func cmpNodePath(n *node, p []string) int {
	var l [hierarchy.MaxDepth]*node
	d := n.lineage(&l)
	for i := range min(d, len(p)) {
		if c := strings.Compare(l[i].name, p[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(d, len(p))
}

// view is a copy of what a read returns of a node, taken under the lock
// and turned into a hierarchy.Object after it is released.
type view struct {
	id      hierarchy.ID
	anc     [hierarchy.MaxDepth - 1]hierarchy.ID
	name    string
	comment string
	fp      hierarchy.Fingerprint
	created int64
	updated int64
	deleted int64
	cols    []colRec
	tags    []tagRec
	typ     uint32
	nkids   int64
	ndesc   int64
	state   hierarchy.State
	enable  hierarchy.Setting
	newKids hierarchy.Setting
}

// snap copies n; the caller holds the store lock.
func snap(n *node) view {
	v := view{
		id: n.id, anc: n.ancestors(), name: n.name, comment: n.comment, fp: n.fp,
		created: n.created, updated: n.updated, deleted: n.deleted,
		cols: n.cols, tags: n.tags, typ: n.typ, ndesc: int64(n.ndesc),
		state: n.state, enable: n.enable, newKids: n.newKids,
	}
	if n.kids != nil {
		v.nkids = int64(len(n.kids.byName))
	}
	return v
}

// object turns v into an Object with the given path (which it keeps). With
// detail, columns and tags are filled; colBuf, if it has room, provides the
// columns' backing array.
func (v *view) object(path hierarchy.Path, strs []string, detail bool, colBuf *[]hierarchy.Column) hierarchy.Object {
	o := hierarchy.Object{
		ID: v.id, Ancestors: v.anc, Path: path, Type: strs[v.typ], Comment: v.comment,
		State: v.state, Enable: v.enable, NewChildren: v.newKids, Fingerprint: v.fp,
		CreatedAt: fromNanos(v.created), UpdatedAt: fromNanos(v.updated), DeletedAt: fromNanos(v.deleted),
	}
	if !detail {
		return o
	}
	if len(v.cols) > 0 {
		var cols []hierarchy.Column
		if colBuf != nil && cap(*colBuf)-len(*colBuf) >= len(v.cols) {
			b := *colBuf
			n := len(b)
			b = b[:n+len(v.cols)]
			cols = b[n:len(b):len(b)]
			*colBuf = b
		} else {
			cols = make([]hierarchy.Column, len(v.cols))
		}
		for i, c := range v.cols {
			cols[i] = hierarchy.Column{
				Name: strs[c.name], Type: strs[c.typ], Comment: strs[c.comment],
				Position: c.position(), Nullable: c.nullable(),
			}
		}
		o.Columns = cols
	}
	for _, t := range v.tags {
		tag := hierarchy.Tag{Name: strs[t.name], Value: strs[t.value], Source: t.src}
		if t.col == 0 {
			o.Tags = append(o.Tags, tag)
			continue
		}
		for i := range v.cols {
			if v.cols[i].name == t.col {
				o.Columns[i].Tags = append(o.Columns[i].Tags, tag)
				break
			}
		}
	}
	return o
}

func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
