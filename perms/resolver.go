package perms

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// DefaultMaxAge is how long a Resolver uses its grant index before it
// reads the grants again, when Options.MaxAge is zero.
const DefaultMaxAge = 10 * time.Second

// MaxSubjectNameLength is the longest user or group name, in bytes, that
// Grant and Revoke accept.
const MaxSubjectNameLength = 256

// Options configure a Resolver. A nil *Options means the defaults.
type Options struct {
	// MaxAge bounds how old the grant index may be: a check that finds
	// the index older than MaxAge, measured from when its grants were
	// read, reads the grants again first. Zero means DefaultMaxAge; a
	// negative value means the index never expires by age, which suits a
	// host in which every grant change goes through this Resolver or
	// which calls Invalidate when grants change.
	MaxAge time.Duration
	// Uncached makes every call read the grants it needs from the store
	// (one query per check, for the object's path), for hosts that need
	// every change by any replica seen at once. Checks then cost a store
	// round trip.
	Uncached bool
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Resolver answers who owns what from Data Owner grants (B24) and decides
// what a principal may do (B25).
//
// Grants are resolved when read: a grant on an object holds on every
// object below it, including objects sync finds after the grant was made,
// because an object's lineage (its host, database and schema IDs) is
// matched against the grants at check time. Nothing is ever copied down.
//
// # Consistency
//
// Unless Options.Uncached is set, the Resolver keeps a [Snapshot] of every
// Data Owner grant in the store and checks against it without touching
// the store. The snapshot is rebuilt, on the next call that needs it:
//
//   - at once after Grant or Revoke on this Resolver, or Invalidate;
//   - when it is older than Options.MaxAge (DefaultMaxAge, 10 s, unless
//     set), counted from the moment its grants were read.
//
// So grants changed through this Resolver are seen by its next call, and
// grants changed anywhere else (another replica sharing a PostgreSQL
// store, a direct GrantStore write, a deleted object or deregistered
// connection whose grants the store dropped) are seen within MaxAge. A
// host that learns of changes (for example by PostgreSQL LISTEN/NOTIFY)
// calls Invalidate to see them at once. Calls that find the snapshot
// stale wait for one rebuild; calls that find it fresh never wait.
//
// A Resolver is safe for concurrent use.
type Resolver struct {
	gs       store.GrantStore
	as       store.AdminStore // nil when gs keeps no admins
	maxAge   time.Duration
	uncached bool
	now      func() time.Time

	mu  sync.Mutex // serialises rebuilds
	cur atomic.Pointer[Snapshot]
	gen atomic.Uint64 // bumped by Invalidate
}

// NewResolver returns a Resolver over the grants in gs. When gs is also a
// store.AdminStore (every store.Store is), the admins it keeps are admins
// to the Resolver, read and cached as the grants are; otherwise only
// principals the host marks Admin (and the system) are.
func NewResolver(gs store.GrantStore, opts *Options) *Resolver {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	as, _ := gs.(store.AdminStore)
	return &Resolver{gs: gs, as: as, maxAge: o.MaxAge, uncached: o.Uncached, now: o.Now}
}

// Invalidate makes the next call read the grants from the store again.
// Hosts call it when they learn that grants changed elsewhere.
func (r *Resolver) Invalidate() { r.gen.Add(1) }

// fresh returns the current snapshot if it may still be used.
func (r *Resolver) fresh() *Snapshot {
	s := r.cur.Load()
	if s == nil || s.gen != r.gen.Load() {
		return nil
	}
	if r.maxAge > 0 && r.now().Sub(s.builtAt) >= r.maxAge {
		return nil
	}
	return s
}

// Snapshot returns an index of every Data Owner grant, at most MaxAge
// old and reflecting every Grant and Revoke made through r before the
// call. With Options.Uncached it reads every grant each time. Use it to
// check many objects against the same grants.
func (r *Resolver) Snapshot(ctx context.Context) (*Snapshot, error) {
	if !r.uncached {
		if s := r.fresh(); s != nil {
			return s, nil
		}
	}
	return r.rebuild(ctx)
}

func (r *Resolver) rebuild(ctx context.Context) (*Snapshot, error) {
	if r.uncached {
		return r.read(ctx, store.GrantFilter{}, true)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.fresh(); s != nil { // another caller rebuilt it meanwhile
		return s, nil
	}
	gen := r.gen.Load()
	s, err := r.read(ctx, store.GrantFilter{}, true)
	if err != nil {
		return nil, err
	}
	// A Grant, Revoke or Invalidate during the read bumped gen: the
	// snapshot serves this call but the next one reads again.
	s.gen = gen
	r.cur.Store(s)
	return s, nil
}

// read returns a snapshot of the grants f selects, and of the stored
// admins too if withAdmins.
func (r *Resolver) read(ctx context.Context, f store.GrantFilter, withAdmins bool) (*Snapshot, error) {
	at := r.now()
	gs, err := r.gs.Grants(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("perms: read grants: %w", err)
	}
	s := NewSnapshot(gs)
	s.builtAt = at
	if withAdmins {
		if s.admins, err = r.readAdmins(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readAdmins returns the subjects of the admins the store keeps.
func (r *Resolver) readAdmins(ctx context.Context) ([]store.Subject, error) {
	if r.as == nil {
		return nil, nil
	}
	as, err := r.as.Admins(ctx)
	if err != nil {
		return nil, fmt.Errorf("perms: read admins: %w", err)
	}
	out := make([]store.Subject, len(as))
	for i, a := range as {
		out[i] = a.Subject
	}
	return out, nil
}

// forObject returns grants enough to resolve obj's owners.
func (r *Resolver) forObject(ctx context.Context, obj *hierarchy.Object) (*Snapshot, error) {
	if !r.uncached {
		return r.Snapshot(ctx)
	}
	var buf [hierarchy.MaxDepth]hierarchy.ID
	return r.read(ctx, store.GrantFilter{Connection: obj.Path.Key(), Objects: obj.Lineage(buf[:0])}, false)
}

// forPrincipal returns grants enough to answer what p owns in the
// connection (every connection if "").
func (r *Resolver) forPrincipal(ctx context.Context, p Principal, connection string) (*Snapshot, error) {
	if !r.uncached {
		return r.Snapshot(ctx)
	}
	subjects := make([]store.Subject, 0, 1+len(p.Groups))
	if p.User != "" {
		subjects = append(subjects, store.Subject{Kind: store.SubjectUser, Name: p.User})
	}
	for _, g := range p.Groups {
		subjects = append(subjects, store.Subject{Kind: store.SubjectGroup, Name: g})
	}
	var all []store.Grant
	at := r.now()
	for i := range subjects {
		gs, err := r.gs.Grants(ctx, store.GrantFilter{Connection: connection, Subject: &subjects[i]})
		if err != nil {
			return nil, fmt.Errorf("perms: read grants of %s %q: %w", subjects[i].Kind, subjects[i].Name, err)
		}
		all = append(all, gs...)
	}
	s := NewSnapshot(all)
	s.builtAt = at
	return s, nil
}

// IsOwner reports whether p, or one of p's groups, holds Data Owner on obj
// or on an object above it. Admins are owners only where they hold
// grants; use Check to decide what p may do.
func (r *Resolver) IsOwner(ctx context.Context, p Principal, obj *hierarchy.Object) (bool, error) {
	if err := checkObject("is owner", obj); err != nil {
		return false, err
	}
	s, err := r.forObject(ctx, obj)
	if err != nil {
		return false, connections.Wrap("is owner", obj.Path.String(), err)
	}
	return s.IsOwner(p, obj), nil
}

// Owners returns the subjects that own obj, each with its nearest grant up
// obj's path and where that grant is (B24): the object's own grants first,
// then its parent's, up to the host.
func (r *Resolver) Owners(ctx context.Context, obj *hierarchy.Object) ([]Owner, error) {
	if err := checkObject("owners", obj); err != nil {
		return nil, err
	}
	s, err := r.forObject(ctx, obj)
	if err != nil {
		return nil, connections.Wrap("owners", obj.Path.String(), err)
	}
	return s.Owners(obj), nil
}

// OwnedConnections returns the keys of the connections where p, or one of
// p's groups, holds Data Owner on anything, sorted: the connections a data
// owner may view (B25). It lists grants only; admins, who may view every
// connection, are not treated specially.
func (r *Resolver) OwnedConnections(ctx context.Context, p Principal) ([]string, error) {
	s, err := r.forPrincipal(ctx, p, "")
	if err != nil {
		return nil, connections.Wrap("owned connections", "", err)
	}
	return s.OwnedConnections(p), nil
}

// OwnedRoots returns the IDs of the objects p, or one of p's groups, holds
// Data Owner on in the connection with the key ("" for every connection),
// sorted by ID: the roots of the subtrees p owns, as
// store.RequestFilter.Under takes them.
func (r *Resolver) OwnedRoots(ctx context.Context, p Principal, connection string) ([]hierarchy.ID, error) {
	s, err := r.forPrincipal(ctx, p, connection)
	if err != nil {
		return nil, connections.Wrap("owned roots", connection, err)
	}
	return s.OwnedRoots(p, connection), nil
}

// Check returns nil if p may take action a on obj, and otherwise an error
// matching connections.ErrPermissionDenied that names p, the action and
// the path. The rules are in the package documentation.
//
// obj may be nil for the admin-only actions (ActionRegister,
// ActionPolicyAdmin and ActionAdmins concern no object); for the others a
// nil object, and for every action a malformed one, gives an error
// matching connections.ErrInvalidInput. A principal that names no one is
// denied (the error matches ErrInvalidInput too). An allowed check does
// not allocate.
func (r *Resolver) Check(ctx context.Context, p Principal, a Action, obj *hierarchy.Object) error {
	op := a.String()
	if obj != nil {
		if err := checkObject(op, obj); err != nil {
			return err
		}
	} else if !a.AdminOnly() {
		return connections.Wrap(op, "", fmt.Errorf("%w: no object given", connections.ErrInvalidInput))
	}
	if !a.Valid() {
		return connections.Wrap(op, pathOf(obj), fmt.Errorf("%w: unknown action %s", connections.ErrInvalidInput, a))
	}
	if !p.Valid() {
		return connections.Wrap(op, pathOf(obj), fmt.Errorf("%w: %w: the principal names no user", connections.ErrPermissionDenied, connections.ErrInvalidInput))
	}
	s, admin, err := r.admin(ctx, p)
	if err != nil {
		return connections.Wrap(op, pathOf(obj), err)
	}
	if admin {
		return nil
	}
	if a.AdminOnly() {
		return connections.Wrap(op, pathOf(obj), fmt.Errorf("%w: %s may not %s: admins only", connections.ErrPermissionDenied, p, a.phrase(obj)))
	}
	if a == ActionDelete && obj.Kind() == hierarchy.KindHost {
		return connections.Wrap(op, pathOf(obj), fmt.Errorf("%w: %s may not delete connection %q: deleting a connection is deregistering it, admins only", connections.ErrPermissionDenied, p, obj.Path.Key()))
	}
	if s == nil {
		if s, err = r.forObject(ctx, obj); err != nil {
			return connections.Wrap(op, pathOf(obj), err)
		}
	}
	if s.IsOwner(p, obj) {
		return nil
	}
	if a == ActionView {
		if r.uncached {
			if s, err = r.forPrincipal(ctx, p, obj.Path.Key()); err != nil {
				return connections.Wrap(op, pathOf(obj), err)
			}
		}
		if s.OwnsIn(p, obj.Path.Key()) {
			return nil
		}
		return connections.Wrap(op, pathOf(obj), fmt.Errorf("%w: %s may not view %s: not a data owner of anything in connection %q", connections.ErrPermissionDenied, p, describe(obj), obj.Path.Key()))
	}
	return connections.Wrap(op, pathOf(obj), fmt.Errorf("%w: %s may not %s: not a data owner of it or of any object above it", connections.ErrPermissionDenied, p, a.phrase(obj)))
}

// pathOf returns obj's path in text form, or "" for no object.
func pathOf(obj *hierarchy.Object) string {
	if obj == nil {
		return ""
	}
	return obj.Path.String()
}

// Grant gives Data Owner on obj to the subject (B24), on behalf of by,
// who must be an admin (or the system), and makes this Resolver see it at
// once. The grant holds on every object below obj, including ones sync
// finds later. It returns the stored grant. A subject that already owns
// obj by a grant on obj itself gives an error matching
// connections.ErrAlreadyExists; an object the store does not have gives
// ErrNotFound.
func (r *Resolver) Grant(ctx context.Context, by Principal, obj *hierarchy.Object, s store.Subject) (store.Grant, error) {
	if err := r.Check(ctx, by, ActionGrant, obj); err != nil {
		return store.Grant{}, err
	}
	path := obj.Path.String()
	if err := checkSubject(s); err != nil {
		return store.Grant{}, connections.Wrap("grant", path, err)
	}
	g := store.Grant{
		Connection: obj.Path.Key(),
		Object:     obj.ID,
		Subject:    s,
		Role:       store.RoleDataOwner,
		GrantedBy:  actor(by),
		GrantedAt:  r.now().UTC().Truncate(time.Microsecond),
	}
	err := r.gs.AddGrant(ctx, g)
	r.Invalidate()
	if err != nil {
		if errors.Is(err, connections.ErrAlreadyExists) {
			return store.Grant{}, connections.Wrap("grant", path, fmt.Errorf("%s %q is already a data owner of %s: %w", s.Kind, s.Name, describe(obj), err))
		}
		return store.Grant{}, connections.Wrap("grant", path, fmt.Errorf("%s grants Data Owner to %s %q: %w", actor(by), s.Kind, s.Name, err))
	}
	return g, nil
}

// Revoke removes the subject's Data Owner grant on obj itself, on behalf
// of by, who must be an admin (or the system), and makes this Resolver see
// it at once. Grants the subject holds above obj are untouched, so the
// subject may still own obj by inheritance. No grant on obj gives an error
// matching connections.ErrNotFound.
func (r *Resolver) Revoke(ctx context.Context, by Principal, obj *hierarchy.Object, s store.Subject) error {
	if err := r.Check(ctx, by, ActionGrant, obj); err != nil {
		return err
	}
	path := obj.Path.String()
	if err := checkSubject(s); err != nil {
		return connections.Wrap("revoke", path, err)
	}
	err := r.gs.RemoveGrant(ctx, store.Grant{Connection: obj.Path.Key(), Object: obj.ID, Subject: s, Role: store.RoleDataOwner})
	r.Invalidate()
	if err != nil {
		if errors.Is(err, connections.ErrNotFound) {
			return connections.Wrap("revoke", path, fmt.Errorf("%s %q holds no Data Owner grant on %s itself: %w", s.Kind, s.Name, describe(obj), err))
		}
		return connections.Wrap("revoke", path, fmt.Errorf("%s revokes Data Owner of %s %q: %w", actor(by), s.Kind, s.Name, err))
	}
	return nil
}

// actor returns the name recorded for what p does.
func actor(p Principal) string {
	if p.User != "" {
		return p.User
	}
	if p.System {
		return "system"
	}
	return ""
}

// checkObject reports whether obj can be resolved: a host, database,
// schema or table with an ID and the IDs of its ancestors.
func checkObject(op string, obj *hierarchy.Object) error {
	if obj == nil {
		return connections.Wrap(op, "", fmt.Errorf("%w: no object given", connections.ErrInvalidInput))
	}
	d := len(obj.Path)
	if d == 0 || d > hierarchy.MaxDepth {
		return connections.Wrap(op, obj.Path.String(), fmt.Errorf("%w: object path has %d segments, want 1 (host) to %d (table)", connections.ErrInvalidInput, d, hierarchy.MaxDepth))
	}
	if obj.ID.IsZero() {
		return connections.Wrap(op, obj.Path.String(), fmt.Errorf("%w: object has no ID", connections.ErrInvalidInput))
	}
	for i := 0; i < d-1; i++ {
		if obj.Ancestors[i].IsZero() {
			return connections.Wrap(op, obj.Path.String(), fmt.Errorf("%w: object has no ID for its %s (read it from the store)", connections.ErrInvalidInput, hierarchy.Kind(i+1)))
		}
	}
	return nil
}

func checkSubject(s store.Subject) error {
	if s.Kind != store.SubjectUser && s.Kind != store.SubjectGroup {
		return fmt.Errorf("%w: subject kind must be user or group, got %s", connections.ErrInvalidInput, s.Kind)
	}
	if s.Name == "" {
		return fmt.Errorf("%w: %s name is empty", connections.ErrInvalidInput, s.Kind)
	}
	if len(s.Name) > MaxSubjectNameLength {
		return fmt.Errorf("%w: %s name is %d bytes long, at most %d allowed", connections.ErrInvalidInput, s.Kind, len(s.Name), MaxSubjectNameLength)
	}
	if !utf8.ValidString(s.Name) {
		return fmt.Errorf("%w: %s name %q is not valid UTF-8", connections.ErrInvalidInput, s.Kind, s.Name)
	}
	for _, c := range s.Name {
		if unicode.IsControl(c) {
			return fmt.Errorf("%w: %s name %q contains a control character", connections.ErrInvalidInput, s.Kind, s.Name)
		}
	}
	return nil
}
