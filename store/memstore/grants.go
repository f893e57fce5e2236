package memstore

import (
	"context"
	"slices"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

type grantKey struct {
	obj  hierarchy.ID
	kind store.SubjectKind
	name string
	role store.Role
}

func keyOf(g store.Grant) grantKey {
	return grantKey{obj: g.Object, kind: g.Subject.Kind, name: g.Subject.Name, role: g.Role}
}

// AddGrant stores a grant. ErrNotFound if the object does not exist;
// ErrAlreadyExists if the same subject already has the role there;
// ErrInvalidInput if the grant is malformed or names another connection
// than the object's. An empty Connection is filled in, a zero GrantedAt
// set to now.
func (s *Store) AddGrant(ctx context.Context, g store.Grant) error {
	const op = "memstore.AddGrant"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateGrant(op, g); err != nil {
		return err
	}
	g.GrantedAt = s.stamp(g.GrantedAt)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ids.get(g.Object)
	if n == nil {
		return fail(op, g.Object.String(), connections.ErrNotFound, "no object with ID %s", g.Object)
	}
	cn := s.connOf(n)
	if g.Connection != "" && g.Connection != cn.c.Key {
		return fail(op, n.path().String(), connections.ErrInvalidInput, "grant names connection %q; the object is in %q", g.Connection, cn.c.Key)
	}
	g.Connection = cn.c.Key
	k := keyOf(g)
	if _, ok := cn.grants[k]; ok {
		return fail(op, n.path().String(), connections.ErrAlreadyExists, "%s %q already has role %s", g.Subject.Kind, g.Subject.Name, g.Role)
	}
	cn.grants[k] = g
	return nil
}

// RemoveGrant removes the grant of g.Role to g.Subject on g.Object.
// ErrNotFound if there is none.
func (s *Store) RemoveGrant(ctx context.Context, g store.Grant) error {
	const op = "memstore.RemoveGrant"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ids.get(g.Object)
	if n == nil {
		return fail(op, g.Object.String(), connections.ErrNotFound, "no object with ID %s", g.Object)
	}
	cn := s.connOf(n)
	k := keyOf(g)
	if _, ok := cn.grants[k]; !ok {
		return fail(op, n.path().String(), connections.ErrNotFound, "%s %q has no role %s here", g.Subject.Kind, g.Subject.Name, g.Role)
	}
	delete(cn.grants, k)
	return nil
}

// Grants returns the grants the filter selects, ordered by object (ID
// byte order), subject kind, subject name and role.
func (s *Store) Grants(ctx context.Context, f store.GrantFilter) ([]store.Grant, error) {
	if err := ctxErr(ctx, "memstore.Grants"); err != nil {
		return nil, err
	}
	var objs map[hierarchy.ID]struct{}
	if len(f.Objects) > 0 {
		objs = make(map[hierarchy.ID]struct{}, len(f.Objects))
		for _, id := range f.Objects {
			objs[id] = struct{}{}
		}
	}
	var out []store.Grant
	s.mu.RLock()
	for key, cn := range s.conns {
		if f.Connection != "" && key != f.Connection {
			continue
		}
		for k, g := range cn.grants {
			if objs != nil {
				if _, ok := objs[k.obj]; !ok {
					continue
				}
			}
			if f.Subject != nil && g.Subject != *f.Subject {
				continue
			}
			out = append(out, g)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, store.CompareGrants)
	return out, nil
}
