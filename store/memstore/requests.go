package memstore

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"sync"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/cursor"
	"github.com/govkit/connections/store"
)

// reqRec is a stored request and the node it is about.
type reqRec struct {
	r store.Request
	n *node
}

// newReqRec copies r, filling an empty Connection, State (open) and
// CreatedAt (at).
func newReqRec(r *store.Request, conn string, at int64) *reqRec {
	c := *r
	c.Path = hierarchy.Path(slices.Clone([]string(r.Path)))
	if c.Connection == "" {
		c.Connection = conn
	}
	if c.State == "" {
		c.State = store.RequestOpen
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = fromNanos(at)
	}
	return &reqRec{r: c}
}

// reqIndex keeps every request sorted newest first, rebuilt lazily by
// readers (under mu and the store's read lock) after writers mark it
// dirty (under the store's write lock).
type reqIndex struct {
	mu     sync.Mutex
	sorted []*reqRec
	dirty  bool
}

func (x *reqIndex) invalidate() { x.dirty = true }

func cmpNewestFirst(a, b *store.Request) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return bytes.Compare(b.ID[:], a.ID[:])
}

func (x *reqIndex) ordered(all map[hierarchy.ID]*reqRec) []*reqRec {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.dirty {
		out := make([]*reqRec, 0, len(all))
		for _, r := range all {
			out = append(out, r)
		}
		slices.SortFunc(out, func(a, b *reqRec) int { return cmpNewestFirst(&a.r, &b.r) })
		x.sorted, x.dirty = out, false
	}
	return x.sorted
}

func copyRequest(r store.Request) store.Request {
	r.Path = hierarchy.Path(slices.Clone([]string(r.Path)))
	return r
}

// Request returns one request, or ErrNotFound.
func (s *Store) Request(ctx context.Context, id hierarchy.ID) (store.Request, error) {
	const op = "memstore.Request"
	if err := ctxErr(ctx, op); err != nil {
		return store.Request{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.reqs[id]
	if r == nil {
		return store.Request{}, fail(op, id.String(), connections.ErrNotFound, "no request with ID %s", id)
	}
	return copyRequest(r.r), nil
}

type reqCursor struct {
	T int64        `json:"t"`
	I hierarchy.ID `json:"i"`
}

// Requests returns up to page.Size() requests the filter selects, newest
// first (by CreatedAt, then ID), starting after the opaque cursor
// page.After, and the cursor of the next page ("" after the last).
func (s *Store) Requests(ctx context.Context, f store.RequestFilter, page store.Page) ([]store.Request, string, error) {
	const op = "memstore.Requests"
	if err := ctxErr(ctx, op); err != nil {
		return nil, "", err
	}
	c, err := cursor.Parse[reqCursor](op, f.Connection, page.After, nil)
	if err != nil {
		return nil, "", err
	}
	var cur *store.Request
	if c != nil {
		cur = &store.Request{ID: c.I, CreatedAt: fromNanos(c.T)}
	}
	var under map[hierarchy.ID]struct{}
	if len(f.Under) > 0 {
		under = make(map[hierarchy.ID]struct{}, len(f.Under))
		for _, id := range f.Under {
			under[id] = struct{}{}
		}
	}
	size := page.Size()
	var out []store.Request

	s.mu.RLock()
	list := s.reqOrder.ordered(s.reqs)
	if cur != nil {
		list = list[sort.Search(len(list), func(i int) bool { return cmpNewestFirst(&list[i].r, cur) > 0 }):]
	}
	for _, r := range list {
		if (f.Connection != "" && r.r.Connection != f.Connection) || (f.State != "" && r.r.State != f.State) {
			continue
		}
		if under != nil && !isUnder(r.n, under) {
			continue
		}
		out = append(out, copyRequest(r.r))
		if len(out) > size {
			break
		}
	}
	s.mu.RUnlock()

	next := ""
	if len(out) > size {
		out = out[:size]
		last := out[size-1]
		next = cursor.Encode(reqCursor{T: toNanos(last.CreatedAt), I: last.ID})
	}
	return out, next, nil
}

func isUnder(n *node, ids map[hierarchy.ID]struct{}) bool {
	for m := n; m != nil; m = m.parent {
		if _, ok := ids[m.id]; ok {
			return true
		}
	}
	return false
}

// Validate closes an open request and removes its tags atomically; tags
// that are already gone are skipped. ErrNotFound if there is no such
// request; ErrConflict if it is not open. A zero At is set to now.
func (s *Store) Validate(ctx context.Context, v store.Validation) error {
	const op = "memstore.Validate"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateValidation(op, v); err != nil {
		return err
	}
	type ref struct {
		obj       hierarchy.ID
		col, name uint32
		src       hierarchy.TagSource
	}
	refs := make([]ref, 0, len(v.RemoveTags))
	for _, t := range v.RemoveTags {
		name, ok1 := s.strs.lookup(t.Tag.Name)
		col, ok2 := s.strs.lookup(t.Column)
		if ok1 && ok2 { // otherwise the tag cannot be there
			refs = append(refs, ref{t.Object, col, name, t.Tag.Source})
		}
	}
	at := s.stamp(v.At)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reqs[v.Request]
	if r == nil {
		return fail(op, v.Request.String(), connections.ErrNotFound, "no request with ID %s", v.Request)
	}
	if r.r.State != store.RequestOpen {
		return fail(op, r.r.Path.String(), connections.ErrConflict, "request %s is %s, not open", v.Request, r.r.State)
	}
	for _, t := range refs {
		if n := s.ids.get(t.obj); n != nil {
			s.removeTag(s.connOf(n), n, t.col, t.name, t.src)
		}
	}
	r.r.State, r.r.ValidatedAt, r.r.ValidatedBy = store.RequestValidated, at, v.By
	return nil
}
