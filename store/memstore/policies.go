package memstore

import (
	"context"
	"slices"
	"strings"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

// Policy returns the named policy, or ErrNotFound.
func (s *Store) Policy(ctx context.Context, name string) (store.Policy, error) {
	const op = "memstore.Policy"
	if err := ctxErr(ctx, op); err != nil {
		return store.Policy{}, err
	}
	s.mu.RLock()
	p, ok := s.policies[name]
	s.mu.RUnlock()
	if !ok {
		return store.Policy{}, fail(op, name, connections.ErrNotFound, "no policy %q", name)
	}
	p.TargetTags = slices.Clone(p.TargetTags)
	return p, nil
}

// Policies returns every policy, ordered by name.
func (s *Store) Policies(ctx context.Context) ([]store.Policy, error) {
	if err := ctxErr(ctx, "memstore.Policies"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := make([]store.Policy, 0, len(s.policies))
	for _, p := range s.policies {
		p.TargetTags = slices.Clone(p.TargetTags)
		out = append(out, p)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b store.Policy) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// PutPolicy creates or replaces the named policy. An empty name gives
// ErrInvalidInput; a zero UpdatedAt is set to now.
func (s *Store) PutPolicy(ctx context.Context, p store.Policy) error {
	return s.putPolicy(ctx, "memstore.PutPolicy", p, true)
}

// CreatePolicy stores a policy of a new name; a stored name gives
// ErrAlreadyExists. An empty name gives ErrInvalidInput; a zero UpdatedAt
// is set to now.
func (s *Store) CreatePolicy(ctx context.Context, p store.Policy) error {
	return s.putPolicy(ctx, "memstore.CreatePolicy", p, false)
}

func (s *Store) putPolicy(ctx context.Context, op string, p store.Policy, replace bool) error {
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if p.Name == "" {
		return fail(op, "", connections.ErrInvalidInput, "empty policy name")
	}
	p.TargetTags = slices.Clone(p.TargetTags)
	p.UpdatedAt = s.stamp(p.UpdatedAt)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.policies[p.Name]; ok && !replace {
		return fail(op, p.Name, connections.ErrAlreadyExists, "policy %q exists", p.Name)
	}
	s.policies[p.Name] = p
	return nil
}
