package connection

import (
	"context"
	"fmt"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/requests"
	"github.com/govkit/connections/store"
)

// Grant gives Data Owner on the object at path to a user or group (B24).
// It holds on every object below, including objects sync finds later.
// Only admins may grant.
func (s *Service) Grant(ctx context.Context, actor perms.Principal, path hierarchy.Path, to store.Subject) (store.Grant, error) {
	obj, err := s.lookup(ctx, actor, perms.ActionGrant, "grant", path)
	if err != nil {
		return store.Grant{}, err
	}
	return s.perms.Grant(ctx, actor, &obj, to)
}

// Revoke takes Data Owner on the object at path away from a user or group.
// Only admins may revoke.
func (s *Service) Revoke(ctx context.Context, actor perms.Principal, path hierarchy.Path, from store.Subject) error {
	obj, err := s.lookup(ctx, actor, perms.ActionGrant, "revoke", path)
	if err != nil {
		return err
	}
	return s.perms.Revoke(ctx, actor, &obj, from)
}

// AddAdmin makes a user or group an admin, kept in the store so that every
// process on it sees the same (B25). Only admins may.
func (s *Service) AddAdmin(ctx context.Context, actor perms.Principal, who store.Subject) (store.Admin, error) {
	return s.perms.AddAdmin(ctx, actor, who)
}

// RemoveAdmin makes a user or group an admin no more. Only admins may;
// the last stored admin stays unless actor is an admin by the host's word.
func (s *Service) RemoveAdmin(ctx context.Context, actor perms.Principal, who store.Subject) error {
	return s.perms.RemoveAdmin(ctx, actor, who)
}

// Admins returns the admins the store keeps. Any user may read them.
func (s *Service) Admins(ctx context.Context, actor perms.Principal) ([]store.Admin, error) {
	return s.perms.Admins(ctx, actor)
}

// IsAdmin reports whether actor may do everything: the system, an admin
// by the host's word, or a user who (or one of whose groups) is an admin
// the store keeps.
func (s *Service) IsAdmin(ctx context.Context, actor perms.Principal) (bool, error) {
	return s.perms.IsAdmin(ctx, actor)
}

// AddTag puts a user tag on the object at path, or on one of its columns
// when column is not empty. Data owners may tag what they own.
func (s *Service) AddTag(ctx context.Context, actor perms.Principal, path hierarchy.Path, column, name, value string) (store.TagRef, error) {
	obj, err := s.lookup(ctx, actor, perms.ActionTag, "tag", path)
	if err != nil {
		return store.TagRef{}, err
	}
	if err := s.perms.Check(ctx, actor, perms.ActionTag, &obj); err != nil {
		return store.TagRef{}, err
	}
	return s.tags.AddUserTag(ctx, &obj, column, name, value) // errors name the operation and path
}

// RemoveTag removes a user tag from the object at path or one of its
// columns. System and platform tags cannot be removed (ErrImmutable). The
// New tag is removed by validating its column's request; a New tag no
// request is open for (tagged while no policy targeted New) is removed
// here by an owner or admin.
func (s *Service) RemoveTag(ctx context.Context, actor perms.Principal, path hierarchy.Path, column, name string) error {
	obj, err := s.lookup(ctx, actor, perms.ActionTag, "untag", path)
	if err != nil {
		return err
	}
	if err := s.perms.Check(ctx, actor, perms.ActionTag, &obj); err != nil {
		return err
	}
	if name == hierarchy.NewTagName && column != "" {
		return s.reqs.ClearNew(ctx, actor, &obj, column)
	}
	return s.tags.RemoveUserTag(ctx, &obj, column, name) // errors name the operation and path
}

// FindByTag returns a page of the objects and columns carrying a tag, in
// path order, and the cursor of the next page. Admins search everywhere;
// others only the connections they may view (B25), so a page may hold
// fewer hits than asked while the cursor still leads on.
func (s *Service) FindByTag(ctx context.Context, actor perms.Principal, q store.TagQuery, page store.Page) ([]store.TagHit, string, error) {
	if !actor.Valid() {
		return nil, "", connections.Wrap("find by tag", q.Connection, fmt.Errorf("%w: no actor", connections.ErrPermissionDenied))
	}
	if q.Connection != "" {
		if _, err := s.Get(ctx, actor, q.Connection); err != nil {
			return nil, "", err
		}
	}
	hits, next, err := s.tags.Find(ctx, q, page)
	if err != nil {
		return nil, "", connections.Wrap("find by tag", q.Connection, err)
	}
	if q.Connection != "" {
		return hits, next, nil
	}
	admin, err := s.perms.IsAdmin(ctx, actor)
	if err != nil {
		return nil, "", connections.Wrap("find by tag", "", err)
	}
	if admin {
		return hits, next, nil
	}
	owned, err := s.perms.OwnedConnections(ctx, actor)
	if err != nil {
		return nil, "", connections.Wrap("find by tag", "", err)
	}
	keep := make(map[string]bool, len(owned))
	for _, k := range owned {
		keep[k] = true
	}
	out := hits[:0]
	for _, h := range hits {
		if keep[h.Path.Key()] {
			out = append(out, h)
		}
	}
	return out, next, nil
}

// Tasks returns the actor's validation requests (B23): those on data
// sources they own, in the given state ("" for any), newest first.
func (s *Service) Tasks(ctx context.Context, actor perms.Principal, state store.RequestState, page store.Page) ([]store.Request, string, error) {
	return s.reqs.Tasks(ctx, actor, state, page)
}

// Requests returns the validation requests on the data source at path, or
// on the data sources below it (B23). Owners of it and admins may list
// them.
func (s *Service) Requests(ctx context.Context, actor perms.Principal, path hierarchy.Path, state store.RequestState, page store.Page) ([]store.Request, string, error) {
	obj, err := s.lookup(ctx, actor, perms.ActionValidate, "requests", path)
	if err != nil {
		return nil, "", err
	}
	return s.reqs.ForObject(ctx, actor, &obj, state, page)
}

// Validate closes a validation request (B22, B23): an owner of its data
// source, or an admin, confirms they looked at the column. For an added
// column the New tag goes with it.
func (s *Service) Validate(ctx context.Context, actor perms.Principal, id hierarchy.ID) (store.Request, error) {
	return s.reqs.Validate(ctx, actor, id)
}

// ActivatePolicy activates a global policy, such as the seeded "New Column
// Added" (B21). Only admins may.
func (s *Service) ActivatePolicy(ctx context.Context, actor perms.Principal, name string) (store.Policy, error) {
	return s.reqs.Activate(ctx, actor, name)
}

// StagePolicy stages (deactivates) a global policy. Only admins may.
func (s *Service) StagePolicy(ctx context.Context, actor perms.Principal, name string) (store.Policy, error) {
	return s.reqs.Stage(ctx, actor, name)
}

// Policies returns the global policies. Any user may read them.
func (s *Service) Policies(ctx context.Context, actor perms.Principal) ([]store.Policy, error) {
	if !actor.Valid() {
		return nil, connections.Wrap("policies", "", fmt.Errorf("%w: no actor", connections.ErrPermissionDenied))
	}
	return s.st.Policies(ctx)
}

// NewColumnAddedPolicy is the name of the seeded policy (B21).
const NewColumnAddedPolicy = requests.NewColumnAddedPolicy
