package memstore

import (
	"context"
	"sort"
	"time"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// Object returns the object with the ID, with columns and tags.
func (s *Store) Object(ctx context.Context, id hierarchy.ID) (hierarchy.Object, error) {
	const op = "memstore.Object"
	if err := ctxErr(ctx, op); err != nil {
		return hierarchy.Object{}, err
	}
	s.mu.RLock()
	n := s.ids.get(id)
	if n == nil {
		s.mu.RUnlock()
		return hierarchy.Object{}, fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
	}
	v := snap(n)
	s.mu.RUnlock()
	return v.object(n.path(), s.strs.strs(), true, nil), nil
}

// Lookup returns the object at the path (one to four segments), with
// columns and tags. A malformed path gives ErrInvalidInput.
func (s *Store) Lookup(ctx context.Context, path hierarchy.Path) (hierarchy.Object, error) {
	const op = "memstore.Lookup"
	if err := ctxErr(ctx, op); err != nil {
		return hierarchy.Object{}, err
	}
	if err := store.ValidateObjectPath(op, path); err != nil {
		return hierarchy.Object{}, err
	}
	s.mu.RLock()
	n := s.find(path)
	if n == nil {
		s.mu.RUnlock()
		return hierarchy.Object{}, fail(op, path.String(), connections.ErrNotFound, "no object at this path")
	}
	v := snap(n)
	s.mu.RUnlock()
	return v.object(n.path(), s.strs.strs(), true, nil), nil
}

// find returns the node at path or nil; the caller holds mu.
func (s *Store) find(path hierarchy.Path) *node {
	cn := s.conns[path[0]]
	if cn == nil {
		return nil
	}
	n := cn.host
	for _, seg := range path[1:] {
		if n.kids == nil {
			return nil
		}
		if n = n.kids.byName[seg]; n == nil {
			return nil
		}
	}
	return n
}

// Children returns up to page.Size() direct children of parent, active or
// deleted, ordered by name (byte order), starting after the name
// page.After, and the cursor of the next page ("" after the last).
func (s *Store) Children(ctx context.Context, parent hierarchy.ID, page store.Page) ([]store.Child, string, error) {
	const op = "memstore.Children"
	if err := ctxErr(ctx, op); err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	p := s.ids.get(parent)
	if p == nil {
		s.mu.RUnlock()
		return nil, "", fail(op, parent.String(), connections.ErrNotFound, "no object with ID %s", parent)
	}
	var views []view
	next := ""
	if p.kids != nil {
		list := p.kids.ordered()
		i := 0
		if page.After != "" {
			i = sort.Search(len(list), func(j int) bool { return list[j].name > page.After })
		}
		end := min(i+page.Size(), len(list))
		views = make([]view, 0, end-i)
		for _, n := range list[i:end] {
			views = append(views, snap(n))
		}
		if end < len(list) && end > i {
			next = list[end-1].name
		}
	}
	s.mu.RUnlock()
	if len(views) == 0 {
		return nil, "", nil
	}
	strs := s.strs.strs()
	paths := childPaths(p.path(), views)
	out := make([]store.Child, len(views))
	for i := range views {
		v := &views[i]
		out[i] = store.Child{Object: v.object(paths[i], strs, false, nil), Children: v.nkids, Descendants: v.ndesc}
	}
	return out, next, nil
}

// ChildSummaries returns every direct child of parent, active or deleted,
// in brief, ordered by name.
func (s *Store) ChildSummaries(ctx context.Context, parent hierarchy.ID) ([]store.ChildSummary, error) {
	const op = "memstore.ChildSummaries"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.ids.get(parent)
	if p == nil {
		return nil, fail(op, parent.String(), connections.ErrNotFound, "no object with ID %s", parent)
	}
	if p.kids == nil {
		return nil, nil
	}
	// The records cannot change while the lock is held: every index they
	// hold is in strs.
	strs := s.strs.strs()
	list := p.kids.ordered()
	out := make([]store.ChildSummary, len(list))
	for i, n := range list {
		out[i] = store.ChildSummary{ID: n.id, Name: n.name, Type: strs[n.typ], State: n.state, Fingerprint: n.fp}
	}
	return out, nil
}

// Snapshot returns every direct child of parent, active or deleted, with
// columns and tags, ordered by name.
func (s *Store) Snapshot(ctx context.Context, parent hierarchy.ID) ([]hierarchy.Object, error) {
	const op = "memstore.Snapshot"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	s.mu.RLock()
	p := s.ids.get(parent)
	if p == nil {
		s.mu.RUnlock()
		return nil, fail(op, parent.String(), connections.ErrNotFound, "no object with ID %s", parent)
	}
	var views []view
	ncols := 0
	if p.kids != nil {
		list := p.kids.ordered()
		views = make([]view, len(list))
		for i, n := range list {
			views[i] = snap(n)
			ncols += len(n.cols)
		}
	}
	s.mu.RUnlock()
	if len(views) == 0 {
		return nil, nil
	}
	strs := s.strs.strs()
	paths := childPaths(p.path(), views)
	colBuf := make([]hierarchy.Column, 0, ncols)
	out := make([]hierarchy.Object, len(views))
	for i := range views {
		out[i] = views[i].object(paths[i], strs, true, &colBuf)
	}
	return out, nil
}

// childPaths returns the paths of children of parent named as views, all
// in one backing array, each capped so that appending to one cannot
// change another.
func childPaths(parent hierarchy.Path, views []view) []hierarchy.Path {
	d := len(parent) + 1
	buf := make([]string, d*len(views))
	out := make([]hierarchy.Path, len(views))
	for i := range views {
		p := buf[i*d : (i+1)*d : (i+1)*d]
		copy(p, parent)
		p[d-1] = views[i].name
		out[i] = p
	}
	return out
}

// CountDescendants returns the number of objects below id.
func (s *Store) CountDescendants(ctx context.Context, id hierarchy.ID) (int64, error) {
	const op = "memstore.CountDescendants"
	if err := ctxErr(ctx, op); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.ids.get(id)
	if n == nil {
		return 0, fail(op, id.String(), connections.ErrNotFound, "no object with ID %s", id)
	}
	return int64(n.ndesc), nil
}

func stampOr(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}
