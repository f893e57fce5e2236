package perms_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
)

// tree is a small connection in a memstore:
//
//	snow
//	└── SALES
//	    ├── PUBLIC
//	    │   ├── ORDERS
//	    │   └── ITEMS
//	    └── STAGING
//	        └── RAW
//	ops (a second connection)
//	└── LOGS
type tree struct {
	st                            *memstore.Store
	host, db, public, staging     hierarchy.Object
	orders, items, raw            hierarchy.Object
	opsHost, opsDB                hierarchy.Object
	admin, alice, bob, carol, eng perms.Principal
}

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func child(parent hierarchy.Object, name, typ string) hierarchy.Object {
	return hierarchy.Object{
		ID:        hierarchy.NewID(),
		Ancestors: parent.ChildAncestors(),
		Path:      parent.Path.Child(name),
		Type:      typ,
	}
}

func addHost(t testing.TB, st store.Store, key string) hierarchy.Object {
	t.Helper()
	host := hierarchy.Object{ID: hierarchy.NewID(), Path: hierarchy.Path{key}, Type: hierarchy.TypeHost}
	c := store.Connection{Key: key, DisplayName: key, Technology: "snowflake", HostID: host.ID, Status: store.StatusActive, CreatedAt: t0}
	if err := st.CreateConnection(context.Background(), c, host); err != nil {
		t.Fatalf("create connection %s: %v", key, err)
	}
	return host
}

// add stores objs, children of parent, as sync would.
func add(t testing.TB, st store.Store, parent hierarchy.Object, objs ...hierarchy.Object) {
	t.Helper()
	cs := &store.ChangeSet{Connection: parent.Path.Key(), Container: parent.ID, Add: objs, At: t0}
	if err := st.Apply(context.Background(), cs); err != nil {
		t.Fatalf("apply under %s: %v", parent.Path, err)
	}
}

func newTree(t testing.TB) *tree {
	t.Helper()
	st := memstore.New(nil)
	t.Cleanup(func() { _ = st.Close() })
	tr := &tree{st: st}
	tr.host = addHost(t, st, "snow")
	tr.db = child(tr.host, "SALES", hierarchy.TypeDatabase)
	add(t, st, tr.host, tr.db)
	tr.public = child(tr.db, "PUBLIC", hierarchy.TypeSchema)
	tr.staging = child(tr.db, "STAGING", hierarchy.TypeSchema)
	add(t, st, tr.db, tr.public, tr.staging)
	tr.orders = child(tr.public, "ORDERS", hierarchy.TypeTable)
	tr.items = child(tr.public, "ITEMS", hierarchy.TypeTable)
	add(t, st, tr.public, tr.orders, tr.items)
	tr.raw = child(tr.staging, "RAW", hierarchy.TypeTable)
	add(t, st, tr.staging, tr.raw)
	tr.opsHost = addHost(t, st, "ops")
	tr.opsDB = child(tr.opsHost, "LOGS", hierarchy.TypeDatabase)
	add(t, st, tr.opsHost, tr.opsDB)

	tr.admin = perms.Admin("root")
	tr.alice = perms.User("alice")
	tr.bob = perms.User("bob", "eng")
	tr.carol = perms.User("carol", "finance")
	tr.eng = perms.User("erin", "eng", "ops")
	return tr
}

func user(name string) store.Subject  { return store.Subject{Kind: store.SubjectUser, Name: name} }
func group(name string) store.Subject { return store.Subject{Kind: store.SubjectGroup, Name: name} }

// grant stores a grant through r, as an admin.
func grant(t testing.TB, r *perms.Resolver, obj hierarchy.Object, s store.Subject) store.Grant {
	t.Helper()
	g, err := r.Grant(context.Background(), perms.Admin("root"), &obj, s)
	if err != nil {
		t.Fatalf("grant %s %s on %s: %v", s.Kind, s.Name, obj.Path, err)
	}
	return g
}

// grantList is a GrantStore over a slice, with fault injection; it keeps
// no objects, so it accepts grants on any object.
type grantList struct {
	mu     sync.Mutex
	grants []store.Grant
	err    error
	reads  int
}

func (l *grantList) AddGrant(_ context.Context, g store.Grant) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.grants = append(l.grants, g)
	return nil
}

func (l *grantList) RemoveGrant(context.Context, store.Grant) error {
	return errors.New("not implemented")
}

func (l *grantList) Grants(_ context.Context, f store.GrantFilter) ([]store.Grant, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads++
	if l.err != nil {
		return nil, l.err
	}
	var out []store.Grant
	for _, g := range l.grants {
		if f.Connection != "" && g.Connection != f.Connection {
			continue
		}
		if f.Subject != nil && *f.Subject != g.Subject {
			continue
		}
		if len(f.Objects) > 0 {
			found := false
			for _, id := range f.Objects {
				found = found || id == g.Object
			}
			if !found {
				continue
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
