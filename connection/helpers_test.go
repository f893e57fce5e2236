package connection_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
)

var (
	admin = perms.Admin("root")
	alice = perms.User("alice", "analysts")
	bob   = perms.User("bob")
)

// env is a service over a memstore and one scripted memory platform.
type env struct {
	t        *testing.T
	ctx      context.Context
	platform *memory.Platform
	st       *memstore.Store
	svc      *connection.Service
	creds    connectors.Credentials
}

type envOption func(*connection.Options, *connectors.Registry)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	p := memory.NewPlatform("demo")
	for _, db := range []string{"sales", "hr"} {
		require.NoError(t, p.AddDatabase(db, ""))
		for _, sc := range []string{"public", "staging"} {
			require.NoError(t, p.AddSchema(db, sc, ""))
			for i := 1; i <= 3; i++ {
				require.NoError(t, p.AddTable(db, sc, connectors.Table{
					Name: fmt.Sprintf("t%d", i), Type: hierarchy.TypeTable,
					Columns: []hierarchy.Column{
						{Name: "id", Type: "INT", Position: 1},
						{Name: "name", Type: "TEXT", Position: 2, Nullable: true},
					},
				}))
			}
		}
	}
	e := &env{t: t, ctx: ctx, platform: p, st: memstore.New(nil)}
	reg, err := connectors.NewRegistry(p.Technology())
	require.NoError(t, err)
	o := &connection.Options{
		Credentials: func(ctx context.Context, key string, use connectors.Use) (connectors.Credentials, error) {
			if e.creds == nil {
				return nil, fmt.Errorf("no credentials for %s: %w", key, connections.ErrNotFound)
			}
			return e.creds, nil
		},
	}
	for _, f := range opts {
		f(o, reg)
	}
	svc, err := connection.New(ctx, e.st, reg, o)
	require.NoError(t, err)
	e.svc = svc
	return e
}

func (e *env) register(key string) connection.Connection {
	e.t.Helper()
	c, _, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: key, DisplayName: "Demo " + key, Technology: "memory"})
	require.NoError(e.t, err)
	return c
}

func (e *env) object(path string) connection.Object {
	e.t.Helper()
	o, err := e.svc.Object(e.ctx, admin, hierarchy.MustParse(path))
	require.NoError(e.t, err)
	return o
}

// countObjects walks the whole stored hierarchy of a connection.
func (e *env) countObjects(key string) int {
	e.t.Helper()
	c, err := e.st.Connection(e.ctx, key)
	if errors.Is(err, connections.ErrNotFound) {
		return 0
	}
	require.NoError(e.t, err)
	n, err := e.st.CountDescendants(e.ctx, c.HostID)
	require.NoError(e.t, err)
	return int(n) + 1
}

func (e *env) connections() []string {
	e.t.Helper()
	cs, err := e.st.Connections(e.ctx)
	require.NoError(e.t, err)
	keys := make([]string, len(cs))
	for i, c := range cs {
		keys[i] = c.Key
	}
	return keys
}

func withEnableLimit(n int64) envOption {
	return func(o *connection.Options, _ *connectors.Registry) { o.EnableLimit = n }
}

func withTechnology(t connectors.Technology) envOption {
	return func(_ *connection.Options, r *connectors.Registry) {
		if err := r.Register(t); err != nil {
			panic(err)
		}
	}
}

func subject(user string) store.Subject { return store.Subject{Kind: store.SubjectUser, Name: user} }

func group(name string) store.Subject { return store.Subject{Kind: store.SubjectGroup, Name: name} }
