// Package requests raises, lists and closes the validation requests that
// ask data owners to look at column changes (B21–B23), and decides whether
// they are raised at all: only while an active policy targets the New tag.
//
// # Policies
//
// The seeded global policy "New Column Added" ([NewColumnAddedPolicy])
// masks columns tagged New. [EnsureSeeded] stores it staged (inactive);
// [Activate] and [Stage] switch it. While it, or any active policy,
// targets the New tag, sync tags new columns New and raises requests
// ([ColumnAdded], [ColumnDeleted]); a host with its own policy engine
// answers that question with a [PolicyEngine] of its own.
//
// # Requests
//
// A [Service] lists requests for the people who may act on them: a data
// owner's tasks are the requests on the data sources they own, directly
// or by a grant on a schema, database or connection above them, and
// admins see them all ([Service.Tasks], [Service.ForObject]).
// [Service.Validate] lets an owner (or an admin) close a request; closing
// a column-added request removes the New tag from that column in the same
// store operation, so policies on New stop masking it.
package requests

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// NewColumnAddedPolicy is the name of the seeded global policy that masks
// columns tagged New. It is staged (inactive) until someone activates it.
const NewColumnAddedPolicy = "New Column Added"

// SeededPolicy returns the seeded "New Column Added" policy, staged.
func SeededPolicy() store.Policy {
	return store.Policy{
		Name:        NewColumnAddedPolicy,
		Description: "Masks columns tagged New until a data owner validates them.",
		TargetTags:  []string{hierarchy.NewTagName},
		Active:      false,
	}
}

// PolicyEngine answers whether an active policy targets a tag. Hosts with
// a policy engine of their own implement it; StorePolicies answers from
// the policies kept in a store.
type PolicyEngine interface {
	TargetsTag(ctx context.Context, tag string) (bool, error)
}

// PolicyEngineFunc adapts a function to PolicyEngine.
type PolicyEngineFunc func(ctx context.Context, tag string) (bool, error)

// TargetsTag calls f.
func (f PolicyEngineFunc) TargetsTag(ctx context.Context, tag string) (bool, error) {
	return f(ctx, tag)
}

// StorePolicies returns a PolicyEngine over the policies in s: a tag is
// targeted while an active policy lists it. A store that has no seeded
// policy yet answers as if it were staged.
func StorePolicies(s store.PolicyStore) PolicyEngine {
	return PolicyEngineFunc(func(ctx context.Context, tag string) (bool, error) {
		ps, err := s.Policies(ctx)
		if err != nil {
			return false, fmt.Errorf("read policies: %w", err)
		}
		for _, p := range ps {
			if p.Active && slices.Contains(p.TargetTags, tag) {
				return true, nil
			}
		}
		return false, nil
	})
}

// EnsureSeeded stores the seeded policy, staged, unless the store has it.
// It never changes a stored one, also when several processes seed at once
// and one of them activates the policy meanwhile.
func EnsureSeeded(ctx context.Context, s store.PolicyStore) error {
	p := SeededPolicy()
	p.UpdatedAt = time.Now().UTC()
	p.UpdatedBy = "system"
	err := s.CreatePolicy(ctx, p)
	if err == nil || errors.Is(err, connections.ErrAlreadyExists) {
		return nil
	}
	return fmt.Errorf("seed policy %q: %w", NewColumnAddedPolicy, err)
}

// ColumnAdded returns a request to validate a column added to a table.
func ColumnAdded(table *hierarchy.Object, col hierarchy.Column, at time.Time) store.Request {
	return newRequest(store.RequestColumnAdded, table, col, at)
}

// ColumnDeleted returns a request to validate a column deleted from a
// table.
func ColumnDeleted(table *hierarchy.Object, col hierarchy.Column, at time.Time) store.Request {
	return newRequest(store.RequestColumnDeleted, table, col, at)
}

func newRequest(kind store.RequestKind, table *hierarchy.Object, col hierarchy.Column, at time.Time) store.Request {
	return store.Request{
		ID:         hierarchy.NewID(),
		Kind:       kind,
		Connection: table.Path.Key(),
		Object:     table.ID,
		Path:       slices.Clone(table.Path),
		Column:     col.Name,
		ColumnType: col.Type,
		State:      store.RequestOpen,
		CreatedAt:  at,
	}
}

// Activate makes the named global policy active, on behalf of by, and
// returns it (B21). Activating the seeded NewColumnAddedPolicy stores it
// first if the store does not have it yet; any other unknown name gives
// an error matching connections.ErrNotFound. Activating an active policy
// changes nothing. Callers check that by may (perms.ActionPolicyAdmin);
// Service.Activate does.
func Activate(ctx context.Context, ps store.PolicyStore, name, by string) (store.Policy, error) {
	return setActive(ctx, ps, name, by, true, time.Now)
}

// Stage makes the named global policy inactive (staged), on behalf of by,
// and returns it; see Activate.
func Stage(ctx context.Context, ps store.PolicyStore, name, by string) (store.Policy, error) {
	return setActive(ctx, ps, name, by, false, time.Now)
}

func setActive(ctx context.Context, ps store.PolicyStore, name, by string, active bool, now func() time.Time) (store.Policy, error) {
	op := "stage policy"
	if active {
		op = "activate policy"
	}
	if name == "" {
		return store.Policy{}, connections.Wrap(op, "", fmt.Errorf("%w: policy name is empty", connections.ErrInvalidInput))
	}
	if by == "" {
		return store.Policy{}, connections.Wrap(op, name, fmt.Errorf("%w: no actor named", connections.ErrInvalidInput))
	}
	p, err := ps.Policy(ctx, name)
	seed := false
	switch {
	case err == nil:
	case errors.Is(err, connections.ErrNotFound) && name == NewColumnAddedPolicy:
		p, seed = SeededPolicy(), true
	case errors.Is(err, connections.ErrNotFound):
		return store.Policy{}, connections.Wrap(op, name, fmt.Errorf("no global policy named %q (the seeded one is %q): %w", name, NewColumnAddedPolicy, err))
	default:
		return store.Policy{}, connections.Wrap(op, name, fmt.Errorf("read policy: %w", err))
	}
	if p.Active == active && !seed {
		return p, nil
	}
	p.Active = active
	p.UpdatedAt = now().UTC().Truncate(time.Microsecond)
	p.UpdatedBy = by
	if err := ps.PutPolicy(ctx, p); err != nil {
		return store.Policy{}, connections.Wrap(op, name, fmt.Errorf("%s: %w", by, err))
	}
	return p, nil
}
