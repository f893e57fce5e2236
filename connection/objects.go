package connection

import (
	"context"
	"fmt"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
)

// Object is an object of the hierarchy as a host shows it: the stored
// object with its effective settings resolved down the path.
type Object struct {
	hierarchy.Object
	// Kind is the object's level.
	Kind hierarchy.Kind `json:"kind"`
	// Enabled reports whether the object is effectively enabled: active,
	// and the nearest explicit enable setting up its path is Enable (B8).
	// An enabled table is a data source.
	Enabled bool `json:"enabled"`
	// EnableFrom is the path of the object whose explicit setting decides
	// Enabled: the object itself or its nearest ancestor with one; nil
	// when none has one and the default (disabled) holds.
	EnableFrom hierarchy.Path `json:"enable_from,omitempty"`
	// NewChildrenEffective is the nearest explicit new-children setting
	// up the path; Inherit means new children follow this object's status.
	NewChildrenEffective hierarchy.Setting `json:"new_children_effective"`
	// NewChildrenFrom is the path of the object whose explicit setting
	// gives NewChildrenEffective, nil when none has one.
	NewChildrenFrom hierarchy.Path `json:"new_children_from,omitempty"`
	// Children and Descendants count the objects below it.
	Children    int64 `json:"children"`
	Descendants int64 `json:"descendants"`
	// Owners are the Data Owners with where each grant is inherited from
	// (B24). Filled by Object only, not by Children.
	Owners []perms.Owner `json:"owners,omitempty"`
}

// effective holds the resolved settings of a chain of objects.
type effective struct {
	enable          hierarchy.Setting // nearest explicit enable setting
	enableFrom      hierarchy.Path
	newChildren     hierarchy.Setting // nearest explicit new-children setting
	newChildrenFrom hierarchy.Path
	active          bool
}

// chain returns the resolved settings of obj's ancestors and obj.
func (s *Service) chain(ctx context.Context, obj *hierarchy.Object) (effective, error) {
	var ids [hierarchy.MaxDepth]hierarchy.ID
	lineage := obj.Lineage(ids[:0])
	e := effective{active: obj.State == hierarchy.Active}
	for _, id := range lineage[:len(lineage)-1] {
		a, err := s.st.Object(ctx, id)
		if err != nil {
			return effective{}, fmt.Errorf("ancestor of %s: %w", obj.Path, err)
		}
		e = e.then(&a)
	}
	return e.then(obj), nil
}

// then returns e extended by o, a child of the last object of e.
func (e effective) then(o *hierarchy.Object) effective {
	e.active = o.State == hierarchy.Active
	if o.Enable != hierarchy.Inherit {
		e.enable, e.enableFrom = o.Enable, o.Path
	}
	if o.NewChildren != hierarchy.Inherit {
		e.newChildren, e.newChildrenFrom = o.NewChildren, o.Path
	}
	return e
}

func (e effective) enabled() bool { return e.active && hierarchy.Resolve(false, e.enable) }

func (e effective) view(o hierarchy.Object, children, descendants int64) Object {
	return Object{
		Object:               o,
		Kind:                 o.Kind(),
		Enabled:              e.enabled(),
		EnableFrom:           e.enableFrom,
		NewChildrenEffective: e.newChildren,
		NewChildrenFrom:      e.newChildrenFrom,
		Children:             children,
		Descendants:          descendants,
	}
}

// Object returns the object at path with its data dictionary, tags,
// effective settings and owners. The actor must be able to view the
// connection (B25).
func (s *Service) Object(ctx context.Context, actor perms.Principal, path hierarchy.Path) (Object, error) {
	op := "show"
	obj, err := s.lookup(ctx, actor, perms.ActionView, op, path)
	if err != nil {
		return Object{}, err
	}
	if err := s.perms.Check(ctx, actor, perms.ActionView, &obj); err != nil {
		return Object{}, err
	}
	e, err := s.chain(ctx, &obj)
	if err != nil {
		return Object{}, connections.Wrap(op, path.String(), err)
	}
	desc, err := s.st.CountDescendants(ctx, obj.ID)
	if err != nil {
		return Object{}, connections.Wrap(op, path.String(), err)
	}
	var children int64
	switch obj.Kind() {
	case hierarchy.KindSchema:
		children = desc // a schema's descendants are its tables
	case hierarchy.KindHost, hierarchy.KindDatabase:
		if children, err = s.countChildren(ctx, obj.ID); err != nil {
			return Object{}, connections.Wrap(op, path.String(), err)
		}
	}
	owners, err := s.perms.Owners(ctx, &obj)
	if err != nil {
		return Object{}, connections.Wrap(op, path.String(), err)
	}
	v := e.view(obj, children, desc)
	v.Owners = owners
	return v, nil
}

// countChildren counts the direct children of a host or database (their
// databases or schemas, never many) by paging through them.
func (s *Service) countChildren(ctx context.Context, id hierarchy.ID) (int64, error) {
	var n int64
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		items, next, err := s.st.Children(ctx, id, page)
		if err != nil {
			return n, err
		}
		n += int64(len(items))
		if next == "" {
			return n, nil
		}
		page.After = next
	}
}

// Children returns a page of the direct children of the object at path,
// ordered by name, with their effective settings and counts, and the
// cursor of the next page ("" after the last). A path of only a key lists
// a connection's databases. The actor must be able to view the connection.
func (s *Service) Children(ctx context.Context, actor perms.Principal, path hierarchy.Path, page store.Page) ([]Object, string, error) {
	op := "browse"
	parent, err := s.lookup(ctx, actor, perms.ActionView, op, path)
	if err != nil {
		return nil, "", err
	}
	if err := s.perms.Check(ctx, actor, perms.ActionView, &parent); err != nil {
		return nil, "", err
	}
	e, err := s.chain(ctx, &parent)
	if err != nil {
		return nil, "", connections.Wrap(op, path.String(), err)
	}
	items, next, err := s.st.Children(ctx, parent.ID, page)
	if err != nil {
		return nil, "", connections.Wrap(op, path.String(), err)
	}
	out := make([]Object, len(items))
	for i, c := range items {
		out[i] = e.then(&c.Object).view(c.Object, c.Children, c.Descendants)
	}
	return out, next, nil
}

// SetEnable sets an object's own enable setting and resets the setting of
// every object below it to Inherit, so the change cascades (B8, B9).
// Enabling an object other than a schema or table needs fewer than
// Options.EnableLimit objects below it (ErrLimitExceeded otherwise).
// Data owners may enable and disable what they own.
func (s *Service) SetEnable(ctx context.Context, actor perms.Principal, path hierarchy.Path, v hierarchy.Setting) error {
	op := "enable"
	if v == hierarchy.Disable {
		op = "disable"
	}
	if !v.Valid() {
		return connections.Wrap(op, path.String(), fmt.Errorf("%w: setting %v", connections.ErrInvalidInput, v))
	}
	obj, err := s.lookup(ctx, actor, perms.ActionEnable, op, path)
	if err != nil {
		return err
	}
	if err := s.perms.Check(ctx, actor, perms.ActionEnable, &obj); err != nil {
		return err
	}
	if v == hierarchy.Enable {
		if k := obj.Kind(); k != hierarchy.KindSchema && k != hierarchy.KindTable {
			n, err := s.st.CountDescendants(ctx, obj.ID)
			if err != nil {
				return connections.Wrap(op, path.String(), err)
			}
			if n >= s.enableLimit {
				return connections.Wrap(op, path.String(), fmt.Errorf("%w: %s has %d objects below it; enabling needs fewer than %d (enable its schemas instead, which have no limit)",
					connections.ErrLimitExceeded, k, n, s.enableLimit))
			}
		}
	}
	u := store.SettingsUpdate{Enable: &v, ResetDescendants: obj.Kind() != hierarchy.KindTable}
	if err := s.st.UpdateSettings(ctx, obj.ID, u); err != nil {
		return connections.Wrap(op, path.String(), err)
	}
	return nil
}

// SetNewChildren sets the setting given to children sync finds under the
// object (B8): Enable, Disable, or Inherit (they follow their parent).
func (s *Service) SetNewChildren(ctx context.Context, actor perms.Principal, path hierarchy.Path, v hierarchy.Setting) error {
	op := "set new children"
	if !v.Valid() {
		return connections.Wrap(op, path.String(), fmt.Errorf("%w: setting %v", connections.ErrInvalidInput, v))
	}
	obj, err := s.lookup(ctx, actor, perms.ActionEnable, op, path)
	if err != nil {
		return err
	}
	if err := s.perms.Check(ctx, actor, perms.ActionEnable, &obj); err != nil {
		return err
	}
	if obj.Kind() == hierarchy.KindTable {
		return connections.Wrap(op, path.String(), fmt.Errorf("%w: a table has no children", connections.ErrInvalidInput))
	}
	if err := s.st.UpdateSettings(ctx, obj.ID, store.SettingsUpdate{NewChildren: &v}); err != nil {
		return connections.Wrap(op, path.String(), err)
	}
	return nil
}

// Delete deletes a database, schema or table and everything under it from
// the store (typically an object deleted remotely). The platform is not
// touched; if the platform still lists the object, the next sync finds it
// again as new. Data owners may delete what they own. It returns the
// number of objects deleted. To delete a whole connection, Deregister it.
func (s *Service) Delete(ctx context.Context, actor perms.Principal, path hierarchy.Path) (int64, error) {
	op := "delete"
	obj, err := s.lookup(ctx, actor, perms.ActionDelete, op, path)
	if err != nil {
		return 0, err
	}
	if err := s.perms.Check(ctx, actor, perms.ActionDelete, &obj); err != nil {
		return 0, err
	}
	if obj.Kind() == hierarchy.KindHost {
		return 0, connections.Wrap(op, path.String(), fmt.Errorf("%w: deleting a connection is deregistering it", connections.ErrInvalidInput))
	}
	n, err := s.st.DeleteObject(ctx, obj.ID)
	if err != nil {
		return 0, connections.Wrap(op, path.String(), err)
	}
	s.perms.Invalidate()
	return n, nil
}
