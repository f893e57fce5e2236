package sync

import (
	"slices"
	"strings"
	gosync "sync"
	"time"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/tags"
)

// diffInput is one container's remote listing and stored children: what
// diff compares. diff is pure: it reads no store and calls no connector.
type diffInput struct {
	// Connection is the connection key.
	Connection string
	// Container is the host, database or schema whose children are
	// compared: its ID, Path and Ancestors are used.
	Container *hierarchy.Object
	// Listing is what the platform lists, normalized (see normalize). diff
	// sorts it by name in place and may change its tables' Columns.
	Listing []connectors.Table
	// TableFP, when not nil, holds the fingerprint of each listed table
	// (aligned with Listing), recorded on the tables diff adds or updates.
	TableFP []hierarchy.Fingerprint
	// Snapshot is the stored children, as store.Snapshot returns them.
	Snapshot []hierarchy.Object
	// Only, when not empty, restricts the comparison to the child of that
	// name (a sync rooted at it): every other child is left alone.
	Only string
	// Exclude, when not nil, names children never to compare (the internal
	// database, B15): they are neither added nor marked deleted.
	Exclude func(name string) bool
	// TagsOK says platform tags were listed (Tags); then the platform tags
	// of compared tables are made to match. Otherwise they are left alone.
	TagsOK bool
	Tags   []connectors.TagAssignment
	// NewEnable is the Enable setting of new children (B8, B11).
	NewEnable hierarchy.Setting
	// ConnTag, when its Name is not empty, goes on every new child (B19).
	ConnTag hierarchy.Tag
	// Chain holds the own Enable settings of the container and the objects
	// above it, top down, to tell which tables are data sources (B14).
	Chain []hierarchy.Setting
	// Children asks for the children to descend into (host and database
	// levels).
	Children bool
	// At stamps the change set.
	At time.Time
	// Buffers, when not nil, lends arrays for the change set's Add and
	// AddTags, which the caller may take back once the change set is
	// applied and reported.
	Buffers *changeBuffers
}

// changeBuffers are arrays a change set may use for its Add and AddTags,
// and for the IDs and paths of the objects it adds, kept for reuse: a
// first sync fills an Add of a quarter of a megabyte per schema, garbage
// as soon as the store has applied it (stores keep nothing of a change
// set, and the report copies the paths it keeps).
type changeBuffers struct {
	add   []hierarchy.Object
	tags  []store.TagRef
	ids   []hierarchy.ID
	paths []string
}

var changeBufferPool = gosync.Pool{New: func() any { return new(changeBuffers) }}

// getChangeBuffers returns buffers from the pool.
func getChangeBuffers() *changeBuffers { return changeBufferPool.Get().(*changeBuffers) }

// maxPooledAdds bounds the buffers kept: the arrays of a rare huge schema
// are left to the garbage collector.
const maxPooledAdds = 64 << 10

// put clears b, keeping the larger arrays of b and cs, and returns it to
// the pool. cs, its Add and AddTags, must not be used after.
func (b *changeBuffers) put(cs *store.ChangeSet) {
	if cs != nil && cap(cs.Add) > cap(b.add) {
		b.add = cs.Add
	}
	if cs != nil && cap(cs.AddTags) > cap(b.tags) {
		b.tags = cs.AddTags
	}
	if cap(b.add) > maxPooledAdds || cap(b.tags) > maxPooledAdds || cap(b.ids) > maxPooledAdds {
		return
	}
	clear(b.add[:cap(b.add)])
	clear(b.tags[:cap(b.tags)])
	clear(b.paths[:cap(b.paths)])
	b.add, b.tags, b.paths = b.add[:0], b.tags[:0], b.paths[:0]
	changeBufferPool.Put(b)
}

// diffOutput is the change set that brings the store in step with a
// listing, and what it means for the report.
type diffOutput struct {
	// cs is the change set. Its Add are the objects added; the report
	// takes them from there.
	cs          store.ChangeSet
	deleted     []ObjectChange
	reactivated []ObjectChange
	updated     int
	colsAdded   []ColumnChange
	colsDeleted []ColumnChange
	colsChanged []ColumnChange
	conflicts   []Conflict
	// active counts the stored active children in scope, for the
	// fail-safe (B17).
	active int
	// candidates are column changes of known data sources that raise
	// validation requests while a policy targets the New tag (B22).
	candidates []candidate
	// children are the listed children to descend into, once cs is applied.
	children []child
}

// candidate is a column change that may raise a validation request.
type candidate struct {
	table  hierarchy.Object // ID and Path only
	column hierarchy.Column
	kind   store.RequestKind
}

// child is a container to descend into.
type child struct {
	obj hierarchy.Object
	// isNew: created by this sync, so nothing is stored under it.
	isNew bool
	// trusted: its stored fingerprint may let its listing skip the diff.
	// False for new and reactivated containers, whose children the store
	// may still hold as deleted.
	trusted bool
}

func byTableName(a, b connectors.Table) int { return strings.Compare(a.Name, b.Name) }

func byObjectName(a, b hierarchy.Object) int { return strings.Compare(a.Name(), b.Name()) }

// diff compares a listing with the stored children and returns the change
// set, following B11–B16:
//   - a listed child not stored is added, with NewEnable and ConnTag;
//   - a stored active child not listed is marked deleted (the store
//     cascades), one marked deleted that is listed again is reactivated
//     with its settings, grants and tags;
//   - a table whose type, comment or columns differ is updated; the new
//     columns of a known data source (stored before this sync, also when
//     deleted remotely and back now, and enabled) get the New tag and
//     become request candidates, and so do its deleted columns;
//   - platform tags are made to match the listing when TagsOK;
//   - a name listed more than once is a conflict: its stored object is left
//     alone and the rest is compared.
func diff(in *diffInput) *diffOutput {
	out := &diffOutput{cs: store.ChangeSet{Connection: in.Connection, Container: in.Container.ID, At: in.At}}
	listing, fps := in.Listing, in.TableFP
	if !slices.IsSortedFunc(listing, byTableName) {
		if fps != nil {
			idx := make([]int, len(listing))
			for i := range idx {
				idx[i] = i
			}
			slices.SortStableFunc(idx, func(a, b int) int { return byTableName(listing[a], listing[b]) })
			sl, sf := make([]connectors.Table, len(idx)), make([]hierarchy.Fingerprint, len(idx))
			for i, k := range idx {
				sl[i], sf[i] = listing[k], fps[k]
			}
			copy(listing, sl)
			copy(fps, sf)
		} else {
			slices.SortStableFunc(listing, byTableName)
		}
	}
	stored := in.Snapshot
	if !slices.IsSortedFunc(stored, byObjectName) {
		stored = slices.Clone(stored)
		slices.SortStableFunc(stored, byObjectName)
	}
	d := differ{in: in, out: out, chainEnabled: hierarchy.Resolve(false, in.Chain...)}
	var fresh freshChildren
	if n := len(listing) - len(stored); n > 0 && in.Only == "" {
		// Mostly new children (a first sync): size the change set once,
		// and make the new children's IDs and paths in bulk.
		if b := in.Buffers; b != nil && cap(b.add) >= n {
			out.cs.Add = b.add[:0]
		} else {
			out.cs.Add = make([]hierarchy.Object, 0, n)
		}
		if in.ConnTag.Name != "" {
			if b := in.Buffers; b != nil && cap(b.tags) >= n {
				out.cs.AddTags = b.tags[:0]
			} else {
				out.cs.AddTags = make([]store.TagRef, 0, n)
			}
		}
		np := n * (len(in.Container.Path) + 1)
		if b := in.Buffers; b != nil {
			if cap(b.ids) < n {
				b.ids = make([]hierarchy.ID, n)
			}
			if cap(b.paths) < np {
				b.paths = make([]string, np)
			}
			fresh.ids, fresh.paths = b.ids[:n], b.paths[:np]
		} else {
			fresh.ids, fresh.paths = make([]hierarchy.ID, n), make([]string, np)
		}
		hierarchy.NewIDs(fresh.ids)
	}
	if in.TagsOK && len(in.Tags) > 0 {
		d.tagsByTable = make(map[string][]connectors.TagAssignment)
		for _, a := range in.Tags {
			d.tagsByTable[a.Table] = append(d.tagsByTable[a.Table], a)
		}
	}
	childKind := in.Container.Path.Kind().Child()
	i, j := 0, 0
	for i < len(listing) || j < len(stored) {
		c := 0
		switch {
		case i == len(listing):
			c = 1
		case j == len(stored):
			c = -1
		default:
			c = strings.Compare(listing[i].Name, stored[j].Name())
		}
		if c > 0 { // stored, not listed
			o := &stored[j]
			j++
			if d.skip(o.Name()) || o.State != hierarchy.Active {
				continue
			}
			out.active++
			out.cs.MarkDeleted = append(out.cs.MarkDeleted, o.ID)
			out.deleted = append(out.deleted, ObjectChange{ID: o.ID, Path: o.Path, Kind: childKind, Type: o.Type})
			continue
		}
		// listed: find how many times
		name := listing[i].Name
		k := i + 1
		for k < len(listing) && listing[k].Name == name {
			k++
		}
		var o *hierarchy.Object
		if c == 0 {
			o = &stored[j]
			j++
		}
		if d.skip(name) {
			i = k
			continue
		}
		if o != nil && o.State == hierarchy.Active {
			out.active++
		}
		if k-i > 1 {
			out.conflicts = append(out.conflicts, Conflict{Container: in.Container.Path, Kind: childKind, Name: name, Count: k - i})
			i = k
			continue
		}
		t := &listing[i]
		var fp hierarchy.Fingerprint
		if fps != nil {
			fp = fps[i]
		}
		i = k
		if o == nil {
			d.add(t, fp, &fresh)
		} else {
			d.compare(t, o, fp)
		}
	}
	return out
}

type differ struct {
	in           *diffInput
	out          *diffOutput
	chainEnabled bool
	tagsByTable  map[string][]connectors.TagAssignment
}

// freshChildren holds what diff makes in bulk for the children it expects
// to add: the IDs to give them, and room for their paths. When it runs
// out, they are made one at a time.
type freshChildren struct {
	ids   []hierarchy.ID
	paths []string
}

// id returns an ID for a new child.
func (f *freshChildren) id() hierarchy.ID {
	if len(f.ids) == 0 {
		return hierarchy.NewID()
	}
	id := f.ids[0]
	f.ids = f.ids[1:]
	return id
}

// path returns the path of the child of parent named name.
func (f *freshChildren) path(parent hierarchy.Path, name string) hierarchy.Path {
	n := len(parent) + 1
	if len(f.paths) < n {
		return parent.Child(name)
	}
	c := hierarchy.Path(f.paths[:n:n])
	f.paths = f.paths[n:]
	copy(c, parent)
	c[n-1] = name
	return c
}

func (d *differ) skip(name string) bool {
	return (d.in.Only != "" && name != d.in.Only) || (d.in.Exclude != nil && d.in.Exclude(name))
}

// add stores a new child, with its own fingerprint fp (zero for none).
func (d *differ) add(t *connectors.Table, fp hierarchy.Fingerprint, fresh *freshChildren) {
	in, out := d.in, d.out
	if d.dedupeColumns(t) {
		fp = dirtyFingerprint // read it in full again next time, to report it again
	}
	// Built in place: an Object is large, and a first sync adds millions.
	out.cs.Add = append(out.cs.Add, hierarchy.Object{})
	o := &out.cs.Add[len(out.cs.Add)-1]
	o.ID = fresh.id()
	o.Ancestors = in.Container.ChildAncestors()
	o.Path = fresh.path(in.Container.Path, t.Name)
	o.Type, o.Comment = t.Type, t.Comment
	o.State, o.Enable = hierarchy.Active, in.NewEnable
	o.Columns = t.Columns
	o.CreatedAt, o.UpdatedAt = in.At, in.At
	o.Fingerprint = fp
	if in.ConnTag.Name != "" {
		out.cs.AddTags = append(out.cs.AddTags, store.TagRef{Object: o.ID, Tag: in.ConnTag})
	}
	if d.tagsByTable != nil {
		d.platformTags(o, nil, t.Columns)
	}
	if in.Children {
		out.children = append(out.children, child{obj: *o, isNew: true})
	}
}

// compare brings a stored child in step with its listing. A table that
// changes records fp, its listing's own fingerprint; other children keep
// theirs (a zero Fingerprint in an Update leaves the stored one).
func (d *differ) compare(t *connectors.Table, o *hierarchy.Object, fp hierarchy.Fingerprint) {
	in, out := d.in, d.out
	wasActive := o.State == hierarchy.Active
	sameCols := sameColumns(o.Columns, t.Columns)
	if !sameCols && d.dedupeColumns(t) {
		fp = dirtyFingerprint
	}
	changed := !wasActive || o.Type != t.Type || o.Comment != t.Comment || !sameCols
	cur := *o
	if changed {
		u := *o
		u.Tags = nil
		u.Type, u.Comment, u.Columns, u.State = t.Type, t.Comment, t.Columns, hierarchy.Active
		u.DeletedAt = time.Time{}
		u.UpdatedAt = in.At
		u.Fingerprint = 0
		if o.Kind() == hierarchy.KindTable {
			u.Fingerprint = fp
		}
		out.cs.Update = append(out.cs.Update, u)
		cur = u
		if wasActive {
			out.updated++
		} else {
			out.reactivated = append(out.reactivated, ObjectChange{ID: o.ID, Path: o.Path, Kind: o.Kind(), Type: t.Type})
		}
	}
	if !sameCols {
		// A data source known before this sync: a stored table, enabled.
		// One deleted remotely and back now is known too: it returns with
		// its settings, and the columns it gained while away are new to
		// its owners all the same.
		known := o.Kind() == hierarchy.KindTable &&
			(o.Enable == hierarchy.Enable || (o.Enable == hierarchy.Inherit && d.chainEnabled))
		d.columns(o, t.Columns, known)
	}
	if d.tagsByTable != nil || (in.TagsOK && hasPlatformTags(o)) {
		d.platformTags(o, o, t.Columns)
	}
	if in.Children {
		out.children = append(out.children, child{obj: cur, trusted: wasActive})
	}
}

// columns records the column changes of a stored table (B13, B14, B22).
func (d *differ) columns(o *hierarchy.Object, cols []hierarchy.Column, known bool) {
	out := d.out
	ref := hierarchy.Object{ID: o.ID, Path: o.Path}
	oldIdx := columnIndex(o.Columns)
	for _, c := range cols {
		var old *hierarchy.Column
		if oldIdx != nil {
			if k, ok := oldIdx[c.Name]; ok {
				old = &o.Columns[k]
			}
		} else if k := slices.IndexFunc(o.Columns, func(x hierarchy.Column) bool { return x.Name == c.Name }); k >= 0 {
			old = &o.Columns[k]
		}
		switch {
		case old == nil:
			nc := c
			nc.Tags = nil
			out.colsAdded = append(out.colsAdded, ColumnChange{Table: o.Path, TableID: o.ID, Column: c.Name, New: &nc})
			if known {
				out.cs.AddTags = append(out.cs.AddTags, store.TagRef{Object: o.ID, Column: c.Name, Tag: tags.New()})
				out.candidates = append(out.candidates, candidate{table: ref, column: nc, kind: store.RequestColumnAdded})
			}
		case !old.SameShape(c):
			oc, nc := *old, c
			oc.Tags, nc.Tags = nil, nil
			out.colsChanged = append(out.colsChanged, ColumnChange{Table: o.Path, TableID: o.ID, Column: c.Name, Old: &oc, New: &nc})
		}
	}
	newIdx := columnIndex(cols)
	for k := range o.Columns {
		c := &o.Columns[k]
		var ok bool
		if newIdx != nil {
			_, ok = newIdx[c.Name]
		} else {
			ok = slices.ContainsFunc(cols, func(x hierarchy.Column) bool { return x.Name == c.Name })
		}
		if ok {
			continue
		}
		oc := *c
		oc.Tags = nil
		out.colsDeleted = append(out.colsDeleted, ColumnChange{Table: o.Path, TableID: o.ID, Column: c.Name, Old: &oc})
		if known {
			out.candidates = append(out.candidates, candidate{table: ref, column: oc, kind: store.RequestColumnDeleted})
		}
	}
}

// columnIndex maps column names to indexes when there are enough columns
// for a map to beat a linear search; nil otherwise.
func columnIndex(cols []hierarchy.Column) map[string]int {
	if len(cols) <= 16 {
		return nil
	}
	m := make(map[string]int, len(cols))
	for i, c := range cols {
		if _, ok := m[c.Name]; !ok {
			m[c.Name] = i
		}
	}
	return m
}

// sameColumns reports whether two data dictionaries are the same, in
// order, ignoring tags.
func sameColumns(a, b []hierarchy.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].SameShape(b[i]) {
			return false
		}
	}
	return true
}

// dedupeColumns keeps the first column of each name and reports the
// others as a conflict (B16): platforms read through a case-folding
// interface can list two columns of one name. It reports whether it found
// any.
func (d *differ) dedupeColumns(t *connectors.Table) bool {
	cols := t.Columns
	dup := false
	if len(cols) <= 64 {
		// A bit per cheap bucket of the name; names are compared only
		// when their buckets collide.
		var seen uint64
		for i := range cols {
			b := uint64(1) << nameBucket(cols[i].Name)
			if seen&b != 0 {
				for j := range i {
					if cols[j].Name == cols[i].Name {
						dup = true
						break
					}
				}
				if dup {
					break
				}
			}
			seen |= b
		}
	} else {
		seen := make(map[string]struct{}, len(cols))
		for _, c := range cols {
			if _, ok := seen[c.Name]; ok {
				dup = true
				break
			}
			seen[c.Name] = struct{}{}
		}
	}
	if !dup {
		return false
	}
	counts := make(map[string]int, len(cols))
	kept := make([]hierarchy.Column, 0, len(cols))
	for _, c := range cols {
		counts[c.Name]++
		if counts[c.Name] == 1 {
			kept = append(kept, c)
		}
	}
	for _, c := range kept {
		if n := counts[c.Name]; n > 1 {
			d.out.conflicts = append(d.out.conflicts, Conflict{
				Container: d.in.Container.Path.Child(t.Name), Kind: hierarchy.KindColumn, Name: c.Name, Count: n,
			})
		}
	}
	t.Columns = kept
	return true
}

// nameBucket returns 0..63 from a name's length and last two bytes.
func nameBucket(s string) uint {
	n := uint(len(s))
	if n == 0 {
		return 0
	}
	h := n*31 + uint(s[n-1])*7
	if n > 1 {
		h += uint(s[n-2]) * 13
	}
	return h & 63
}

func hasPlatformTags(o *hierarchy.Object) bool {
	for _, t := range o.Tags {
		if t.Source == hierarchy.TagPlatform {
			return true
		}
	}
	for _, c := range o.Columns {
		for _, t := range c.Tags {
			if t.Source == hierarchy.TagPlatform {
				return true
			}
		}
	}
	return false
}

type tagKey struct{ column, name string }

// platformTags makes the platform tags of table o (stored: its stored
// form, nil when new) match the listing's (B20). Tags of columns the
// listing drops go with the columns; a tag of a column the listing does
// not have is ignored.
func (d *differ) platformTags(o *hierarchy.Object, stored *hierarchy.Object, cols []hierarchy.Column) {
	want := d.tagsByTable[o.Name()]
	var cur map[tagKey]string
	if stored != nil {
		for _, t := range stored.Tags {
			if t.Source == hierarchy.TagPlatform {
				if cur == nil {
					cur = make(map[tagKey]string)
				}
				cur[tagKey{"", t.Name}] = t.Value
			}
		}
		for _, c := range stored.Columns {
			for _, t := range c.Tags {
				if t.Source == hierarchy.TagPlatform {
					if cur == nil {
						cur = make(map[tagKey]string)
					}
					cur[tagKey{c.Name, t.Name}] = t.Value
				}
			}
		}
	}
	if len(cur) == 0 && len(want) == 0 {
		return
	}
	hasCol := func(name string) bool {
		return slices.ContainsFunc(cols, func(c hierarchy.Column) bool { return c.Name == name })
	}
	cs := &d.out.cs
	seen := make(map[tagKey]bool, len(want))
	for _, a := range want {
		k := tagKey{a.Column, a.Name}
		if seen[k] || a.Name == "" {
			continue
		}
		seen[k] = true
		if a.Column != "" && !hasCol(a.Column) {
			continue
		}
		if v, ok := cur[k]; ok {
			if v == a.Value {
				continue
			}
			cs.RemoveTags = append(cs.RemoveTags, store.TagRef{Object: o.ID, Column: a.Column, Tag: tags.Platform(a.Name, v)})
		}
		cs.AddTags = append(cs.AddTags, store.TagRef{Object: o.ID, Column: a.Column, Tag: tags.Platform(a.Name, a.Value)})
	}
	for k, v := range cur {
		if seen[k] || (k.column != "" && !hasCol(k.column)) {
			continue
		}
		cs.RemoveTags = append(cs.RemoveTags, store.TagRef{Object: o.ID, Column: k.column, Tag: tags.Platform(k.name, v)})
	}
}
