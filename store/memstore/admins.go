package memstore

import (
	"context"
	"slices"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

// AddAdmin makes a.Subject an admin. ErrAlreadyExists if it is one;
// ErrInvalidInput if the subject is not a user or group with a name. A
// zero AddedAt is set to now.
func (s *Store) AddAdmin(ctx context.Context, a store.Admin) error {
	const op = "memstore.AddAdmin"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if err := store.ValidateAdmin(op, a); err != nil {
		return err
	}
	a.AddedAt = s.stamp(a.AddedAt)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.admins[a.Subject]; ok {
		return fail(op, a.Subject.Name, connections.ErrAlreadyExists, "%s %q is already an admin", a.Subject.Kind, a.Subject.Name)
	}
	s.admins[a.Subject] = a
	return nil
}

// RemoveAdmin makes the subject an admin no more. ErrNotFound if it is
// not one; with keepLast, ErrConflict if it is the last one.
func (s *Store) RemoveAdmin(ctx context.Context, sub store.Subject, keepLast bool) error {
	const op = "memstore.RemoveAdmin"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.admins[sub]; !ok {
		return fail(op, sub.Name, connections.ErrNotFound, "%s %q is not an admin", sub.Kind, sub.Name)
	}
	if keepLast && len(s.admins) == 1 {
		return fail(op, sub.Name, connections.ErrConflict, "%s %q is the last admin", sub.Kind, sub.Name)
	}
	delete(s.admins, sub)
	return nil
}

// Admins returns every admin, ordered by subject kind and name.
func (s *Store) Admins(ctx context.Context) ([]store.Admin, error) {
	if err := ctxErr(ctx, "memstore.Admins"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := make([]store.Admin, 0, len(s.admins))
	for _, a := range s.admins {
		out = append(out, a)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b store.Admin) int { return store.CompareSubjects(a.Subject, b.Subject) })
	return out, nil
}
