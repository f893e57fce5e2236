package memstore

import (
	"context"
	"maps"
	"slices"
	"strings"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// CreateConnection stores c and its host object. The host must have
// Path{c.Key} and ID c.HostID (ErrInvalidInput otherwise); a taken key or
// host ID gives ErrAlreadyExists.
func (s *Store) CreateConnection(ctx context.Context, c store.Connection, host hierarchy.Object) error {
	const op = "memstore.CreateConnection"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateConnection(op, c, host); err != nil {
		return err
	}
	now := s.now()
	c.CreatedAt = stampOr(c.CreatedAt, now)
	c.UpdatedAt = stampOr(c.UpdatedAt, c.CreatedAt)
	c.Config = maps.Clone(c.Config)
	c.Revision = 1
	h := &node{
		id: host.ID, name: c.Key, comment: host.Comment, depth: 1,
		state: host.State, enable: host.Enable, newKids: host.NewChildren, fp: host.Fingerprint,
		created: toNanos(stampOr(host.CreatedAt, c.CreatedAt)),
	}
	h.updated = toNanos(stampOr(host.UpdatedAt, fromNanos(h.created)))
	h.deleted = toNanos(host.DeletedAt)
	b := s.strs.begin()
	b.set(&h.typ, host.Type)
	if !b.finish() {
		return fail(op, c.Key, connections.ErrLimitExceeded, "string table full")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[c.Key]; ok {
		return fail(op, c.Key, connections.ErrAlreadyExists, "connection key %q is taken", c.Key)
	}
	if s.ids.has(host.ID) {
		return fail(op, c.Key, connections.ErrAlreadyExists, "object ID %s is taken", host.ID)
	}
	s.ids.put(host.ID, h)
	s.conns[c.Key] = &conn{
		c: c, host: h,
		tags:   map[uint32]*posting{},
		grants: map[grantKey]store.Grant{},
		reqs:   map[hierarchy.ID]*reqRec{},
	}
	return nil
}

// Connection returns the connection with the key, or ErrNotFound.
func (s *Store) Connection(ctx context.Context, key string) (store.Connection, error) {
	const op = "memstore.Connection"
	if err := ctxErr(ctx, op); err != nil {
		return store.Connection{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cn, ok := s.conns[key]
	if !ok {
		return store.Connection{}, fail(op, key, connections.ErrNotFound, "no connection %q", key)
	}
	return copyConnection(cn.c), nil
}

// Connections returns every connection, ordered by key.
func (s *Store) Connections(ctx context.Context) ([]store.Connection, error) {
	if err := ctxErr(ctx, "memstore.Connections"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]store.Connection, 0, len(s.conns))
	for _, cn := range s.conns {
		out = append(out, copyConnection(cn.c))
	}
	slices.SortFunc(out, func(a, b store.Connection) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// UpdateConnection replaces the stored connection with c's key if its
// revision is c.Revision (ErrConflict otherwise) and makes it
// c.Revision+1; Key, HostID and CreatedAt are kept. A zero UpdatedAt is
// set to now.
func (s *Store) UpdateConnection(ctx context.Context, c store.Connection) error {
	const op = "memstore.UpdateConnection"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	c.Config = maps.Clone(c.Config)
	c.UpdatedAt = stampOr(c.UpdatedAt, s.now())
	s.mu.Lock()
	defer s.mu.Unlock()
	cn, ok := s.conns[c.Key]
	if !ok {
		return fail(op, c.Key, connections.ErrNotFound, "no connection %q", c.Key)
	}
	if cn.c.Revision != c.Revision {
		return fail(op, c.Key, connections.ErrConflict, "connection %q is at revision %d, the update was made to revision %d (read it again)", c.Key, cn.c.Revision, c.Revision)
	}
	c.HostID, c.CreatedAt = cn.c.HostID, cn.c.CreatedAt
	c.Revision++
	cn.c = c
	return nil
}

// ModifyConnection reads the connection with the key (ErrNotFound if
// there is none), calls change on a copy and stores the result at the
// next revision, under the store's write lock: change must not call the
// store. An error from change is returned as is and nothing is written.
// Key, HostID and CreatedAt are kept; a zero UpdatedAt is set to now.
func (s *Store) ModifyConnection(ctx context.Context, key string, change func(c *store.Connection) error) (store.Connection, error) {
	const op = "memstore.ModifyConnection"
	if err := ctxErr(ctx, op); err != nil {
		return store.Connection{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cn, ok := s.conns[key]
	if !ok {
		return store.Connection{}, fail(op, key, connections.ErrNotFound, "no connection %q", key)
	}
	c, err := store.ChangeConnection(cn.c, change, s.now())
	if err != nil {
		return store.Connection{}, err
	}
	c.Revision++
	cn.c = copyConnection(c)
	return c, nil
}

// DeleteConnection deletes the connection and everything under it.
func (s *Store) DeleteConnection(ctx context.Context, key string) error {
	const op = "memstore.DeleteConnection"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cn, ok := s.conns[key]
	if !ok {
		return fail(op, key, connections.ErrNotFound, "no connection %q", key)
	}
	walk(cn.host, func(n *node) {
		n.gone = true
		s.ids.del(n.id)
	})
	for id := range cn.reqs {
		delete(s.reqs, id)
	}
	if len(cn.reqs) > 0 {
		s.reqOrder.invalidate()
	}
	delete(s.conns, key)
	return nil
}

func copyConnection(c store.Connection) store.Connection {
	c.Config = maps.Clone(c.Config)
	return c
}
