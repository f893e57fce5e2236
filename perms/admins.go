package perms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/store"
)

// IsAdmin reports whether p may do everything: p is the system, an admin
// by the host's word (Principal.Admin), or p, or one of p's groups, is an
// admin the store keeps. A principal that names no one is no admin.
// Stored admins are read as grants are (see the Resolver's consistency
// rules): changes made through this Resolver are seen at once, others
// within Options.MaxAge.
func (r *Resolver) IsAdmin(ctx context.Context, p Principal) (bool, error) {
	_, admin, err := r.admin(ctx, p)
	return admin, err
}

// admin is IsAdmin, also returning the snapshot of every grant it read
// the stored admins from (nil if it read none, or uncached), so that Check
// goes on with the same snapshot instead of fetching it again.
func (r *Resolver) admin(ctx context.Context, p Principal) (*Snapshot, bool, error) {
	switch {
	case !p.Valid():
		return nil, false, nil
	case p.Privileged():
		return nil, true, nil
	case r.as == nil:
		return nil, false, nil
	case r.uncached:
		subjects, err := r.readAdmins(ctx)
		if err != nil {
			return nil, false, err
		}
		return nil, (&Snapshot{admins: subjects}).IsAdmin(p), nil
	}
	s, err := r.Snapshot(ctx)
	if err != nil {
		return nil, false, err
	}
	return s, s.IsAdmin(p), nil
}

// Admins returns the admins the store keeps, ordered by subject kind and
// name; admins the host names itself are not among them. Any principal
// that names someone may list them (they are whom to ask). A store that
// keeps no admins gives an error matching connections.ErrUnsupported.
func (r *Resolver) Admins(ctx context.Context, by Principal) ([]store.Admin, error) {
	const op = "list admins"
	if err := r.adminStore(op, by); err != nil {
		return nil, err
	}
	as, err := r.as.Admins(ctx)
	if err != nil {
		return nil, connections.Wrap(op, "", err)
	}
	return as, nil
}

// AddAdmin makes the subject an admin, on behalf of by, who must be an
// admin (or the system), and makes this Resolver see it at once. It
// returns the stored admin. A subject that is already an admin gives an
// error matching connections.ErrAlreadyExists.
func (r *Resolver) AddAdmin(ctx context.Context, by Principal, s store.Subject) (store.Admin, error) {
	const op = "add admin"
	if err := r.manageAdmins(ctx, op, by, s); err != nil {
		return store.Admin{}, err
	}
	a := store.Admin{Subject: s, AddedBy: actor(by), AddedAt: r.now().UTC().Truncate(time.Microsecond)}
	err := r.as.AddAdmin(ctx, a)
	r.Invalidate()
	if err != nil {
		if errors.Is(err, connections.ErrAlreadyExists) {
			return store.Admin{}, connections.Wrap(op, s.Name, fmt.Errorf("%s %q is already an admin: %w", s.Kind, s.Name, err))
		}
		return store.Admin{}, connections.Wrap(op, s.Name, fmt.Errorf("%s makes %s %q an admin: %w", actor(by), s.Kind, s.Name, err))
	}
	return a, nil
}

// RemoveAdmin makes the subject an admin no more, on behalf of by, who
// must be an admin (or the system), and makes this Resolver see it at
// once. A subject that is not a stored admin gives an error matching
// connections.ErrNotFound.
//
// So that no one locks everyone out, removing the last stored admin is
// refused (connections.ErrConflict) unless by is an admin by the host's
// word or the system, who stays one after. The store counts and removes
// in one step, so two admins removing each other at once cannot both
// succeed.
func (r *Resolver) RemoveAdmin(ctx context.Context, by Principal, s store.Subject) error {
	const op = "remove admin"
	if err := r.manageAdmins(ctx, op, by, s); err != nil {
		return err
	}
	err := r.as.RemoveAdmin(ctx, s, !by.Privileged())
	r.Invalidate()
	if err != nil {
		if errors.Is(err, connections.ErrConflict) {
			return connections.Wrap(op, s.Name, fmt.Errorf("%s %q is the last admin the store keeps; removing it would leave no one to manage connections (add another admin first): %w", s.Kind, s.Name, err))
		}
		if errors.Is(err, connections.ErrNotFound) {
			return connections.Wrap(op, s.Name, fmt.Errorf("%s %q is not an admin the store keeps: %w", s.Kind, s.Name, err))
		}
		return connections.Wrap(op, s.Name, fmt.Errorf("%s removes admin %s %q: %w", actor(by), s.Kind, s.Name, err))
	}
	return nil
}

// adminStore checks that admins can be listed by by.
func (r *Resolver) adminStore(op string, by Principal) error {
	if !by.Valid() {
		return connections.Wrap(op, "", fmt.Errorf("%w: %w: the principal names no user", connections.ErrPermissionDenied, connections.ErrInvalidInput))
	}
	if r.as == nil {
		return connections.Wrap(op, "", fmt.Errorf("%w: the grant store keeps no admins", connections.ErrUnsupported))
	}
	return nil
}

// manageAdmins checks that by may add or remove admin s.
func (r *Resolver) manageAdmins(ctx context.Context, op string, by Principal, s store.Subject) error {
	if err := r.adminStore(op, by); err != nil {
		return err
	}
	if err := r.Check(ctx, by, ActionAdmins, nil); err != nil {
		return err
	}
	if err := checkSubject(s); err != nil {
		return connections.Wrap(op, s.Name, err)
	}
	return nil
}
