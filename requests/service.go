package requests

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/tags"
)

// Store is what a Service needs of a store; every store.Store has it.
type Store interface {
	store.ObjectReader
	store.RequestStore
	store.PolicyStore
	store.TagStore
}

// Options configure a Service. A nil *Options means the defaults.
type Options struct {
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Service lists requests for the principals who may act on them and
// validates them (B22, B23), and activates or stages global policies
// (B21). Permissions come from a perms.Resolver: a principal sees and
// validates the requests on the data sources they own, and admins (and
// the system) all of them. A Service is safe for concurrent use.
type Service struct {
	st  Store
	res *perms.Resolver
	now func() time.Time
}

// NewService returns a Service over st that decides permissions with res.
func NewService(st Store, res *perms.Resolver, opts *Options) *Service {
	s := &Service{st: st, res: res, now: time.Now}
	if opts != nil && opts.Now != nil {
		s.now = opts.Now
	}
	return s
}

func checkState(op string, state store.RequestState) error {
	switch state {
	case "", store.RequestOpen, store.RequestValidated:
		return nil
	}
	return connections.Wrap(op, "", fmt.Errorf("%w: unknown request state %q (want %q, %q or empty for both)", connections.ErrInvalidInput, state, store.RequestOpen, store.RequestValidated))
}

// Tasks returns p's tasks (B23): up to page.Size() requests in the given
// state ("" for any) on the data sources p owns, directly or by a grant
// above them, newest first, and the cursor of the next page ("" after the
// last). Admins (as perms.Resolver.IsAdmin decides) and the system get
// every request. A principal who owns nothing gets none.
func (s *Service) Tasks(ctx context.Context, p perms.Principal, state store.RequestState, page store.Page) ([]store.Request, string, error) {
	const op = "list tasks"
	if err := checkState(op, state); err != nil {
		return nil, "", err
	}
	if !p.Valid() {
		return nil, "", connections.Wrap(op, "", fmt.Errorf("%w: %w: the principal names no user", connections.ErrPermissionDenied, connections.ErrInvalidInput))
	}
	f := store.RequestFilter{State: state}
	admin, err := s.res.IsAdmin(ctx, p)
	if err != nil {
		return nil, "", connections.Wrap(op, "", fmt.Errorf("tasks of %s: %w", p, err))
	}
	if !admin {
		roots, err := s.res.OwnedRoots(ctx, p, "")
		if err != nil {
			return nil, "", connections.Wrap(op, "", fmt.Errorf("tasks of %s: %w", p, err))
		}
		if len(roots) == 0 {
			return nil, "", nil
		}
		f.Under = roots
	}
	reqs, next, err := s.st.Requests(ctx, f, page)
	if err != nil {
		return nil, "", connections.Wrap(op, "", fmt.Errorf("tasks of %s: %w", p, err))
	}
	return reqs, next, nil
}

// ForObject returns up to page.Size() requests in the given state (""
// for any) on obj, a data source, or on the data sources below it, newest
// first, and the cursor of the next page (B23). Only those who may
// validate them may list them: an owner of obj, or an admin; others get
// an error matching connections.ErrPermissionDenied.
func (s *Service) ForObject(ctx context.Context, p perms.Principal, obj *hierarchy.Object, state store.RequestState, page store.Page) ([]store.Request, string, error) {
	const op = "list requests"
	if err := checkState(op, state); err != nil {
		return nil, "", err
	}
	if err := s.res.Check(ctx, p, perms.ActionValidate, obj); err != nil {
		return nil, "", err
	}
	f := store.RequestFilter{Connection: obj.Path.Key(), Under: []hierarchy.ID{obj.ID}, State: state}
	reqs, next, err := s.st.Requests(ctx, f, page)
	if err != nil {
		return nil, "", connections.Wrap(op, obj.Path.String(), err)
	}
	return reqs, next, nil
}

// Validate closes the open request with the id on behalf of p and returns
// it, validated (B22, B23). Only an owner of the request's data source (or
// an admin) may; others get an error matching
// connections.ErrPermissionDenied. Validating a column-added request
// removes the New tag from that column in the same store operation. An
// unknown id gives ErrNotFound; a request already validated gives
// ErrConflict, saying by whom and when.
func (s *Service) Validate(ctx context.Context, p perms.Principal, id hierarchy.ID) (store.Request, error) {
	const op = "validate"
	req, err := s.st.Request(ctx, id)
	if err != nil {
		return store.Request{}, connections.Wrap(op, "", fmt.Errorf("request %s: %w", id, err))
	}
	path := req.Path.Child(req.Column).String()
	obj, err := s.st.Object(ctx, req.Object)
	if err != nil {
		return store.Request{}, connections.Wrap(op, path, fmt.Errorf("data source of request %s: %w", id, err))
	}
	if err := s.res.Check(ctx, p, perms.ActionValidate, &obj); err != nil {
		return store.Request{}, err
	}
	if req.State != store.RequestOpen {
		return store.Request{}, alreadyValidated(op, path, req)
	}
	v := store.Validation{Request: id, By: actor(p), At: s.now().UTC().Truncate(time.Microsecond)}
	if req.Kind == store.RequestColumnAdded && hasNewTag(&obj, req.Column) {
		v.RemoveTags = []store.TagRef{{Object: req.Object, Column: req.Column, Tag: tags.New()}}
	}
	if err := s.st.Validate(ctx, v); err != nil {
		if errors.Is(err, connections.ErrConflict) {
			// Someone validated it between our read and our write.
			if again, rerr := s.st.Request(ctx, id); rerr == nil && again.State != store.RequestOpen {
				return store.Request{}, alreadyValidated(op, path, again)
			}
		}
		return store.Request{}, connections.Wrap(op, path, fmt.Errorf("request %s by %s: %w", id, p, err))
	}
	req.State = store.RequestValidated
	req.ValidatedBy = v.By
	req.ValidatedAt = v.At
	return req, nil
}

func alreadyValidated(op, path string, req store.Request) error {
	return connections.Wrap(op, path, fmt.Errorf("%w: request %s is already %s by %s at %s", connections.ErrConflict, req.ID, req.State, req.ValidatedBy, req.ValidatedAt.UTC().Format(time.RFC3339)))
}

// hasNewTag reports whether the table's column carries the New tag.
func hasNewTag(obj *hierarchy.Object, column string) bool {
	c, ok := obj.Column(column)
	if !ok {
		return false
	}
	for _, t := range c.Tags {
		if t.Source == hierarchy.TagNew && t.Name == hierarchy.NewTagName {
			return true
		}
	}
	return false
}

// actor returns the name recorded for what p does.
func actor(p perms.Principal) string {
	if p.User == "" && p.System {
		return "system"
	}
	return p.User
}

// Activate activates the named global policy on behalf of p, who must be
// an admin (perms.ActionPolicyAdmin); see the function Activate.
func (s *Service) Activate(ctx context.Context, p perms.Principal, name string) (store.Policy, error) {
	if err := s.res.Check(ctx, p, perms.ActionPolicyAdmin, nil); err != nil {
		return store.Policy{}, err
	}
	return setActive(ctx, s.st, name, actor(p), true, s.now)
}

// Stage stages (deactivates) the named global policy on behalf of p, who
// must be an admin (perms.ActionPolicyAdmin); see the function Stage.
func (s *Service) Stage(ctx context.Context, p perms.Principal, name string) (store.Policy, error) {
	if err := s.res.Check(ctx, p, perms.ActionPolicyAdmin, nil); err != nil {
		return store.Policy{}, err
	}
	return setActive(ctx, s.st, name, actor(p), false, s.now)
}

// ClearNew removes the New tag from a column of obj for which no
// column_added request is open: one tagged while no active policy
// targeted New (B14 tags new columns whatever the policies; B22 raises
// requests only under such a policy), whose tag no validation could
// otherwise ever remove. Owners of obj and admins may; while a request is
// open, it must be validated instead (ErrConflict names it).
func (s *Service) ClearNew(ctx context.Context, p perms.Principal, obj *hierarchy.Object, column string) error {
	const op = "clear new tag"
	if err := s.res.Check(ctx, p, perms.ActionValidate, obj); err != nil {
		return err
	}
	path := obj.Path.Child(column).String()
	if column == "" || obj.Kind() != hierarchy.KindTable {
		return connections.Wrap(op, path, fmt.Errorf("%w: the New tag is on a table's column; name one", connections.ErrInvalidInput))
	}
	if !hasNewTag(obj, column) {
		return connections.Wrap(op, path, fmt.Errorf("column has no New tag: %w", connections.ErrNotFound))
	}
	f := store.RequestFilter{Connection: obj.Path.Key(), Under: []hierarchy.ID{obj.ID}, State: store.RequestOpen}
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		reqs, next, err := s.st.Requests(ctx, f, page)
		if err != nil {
			return connections.Wrap(op, path, err)
		}
		for _, r := range reqs {
			if r.Object == obj.ID && r.Column == column && r.Kind == store.RequestColumnAdded {
				return connections.Wrap(op, path, fmt.Errorf("%w: request %s is open for this column; validate it instead", connections.ErrConflict, r.ID))
			}
		}
		if next == "" {
			break
		}
		page.After = next
	}
	ref := store.TagRef{Object: obj.ID, Column: column, Tag: tags.New()}
	if err := s.st.RemoveTag(ctx, ref); err != nil {
		return connections.Wrap(op, path, err)
	}
	return nil
}
