package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

type testCase struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

// Run runs the conformance suite against stores made by newStore, which is
// called once per subtest and should register the store's cleanup with
// t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	groups := [][]testCase{
		connectionCases(),
		objectCases(),
		applyCases(),
		deleteCases(),
		tagCases(),
		grantCases(),
		adminCases(),
		requestCases(),
		generalCases(),
		lockerCases(),
		childListerCases(),
	}
	for _, g := range groups {
		for _, c := range g {
			t.Run(c.name, func(t *testing.T) {
				s := newStore(t)
				require.NotNil(t, s, "newStore returned nil")
				c.fn(t, s)
			})
		}
	}
}

// base is the time every change in the suite is stamped relative to. It
// has microsecond precision, which every store keeps.
var base = time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)

// tm returns base plus i seconds.
func tm(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

// changes returns an empty change set for children of container, at tm(at).
func (tr *Tree) changes(container hierarchy.Object, at int) *store.ChangeSet {
	return &store.ChangeSet{Connection: tr.Conn.Key, Container: container.ID, At: tm(at)}
}

func apply(t *testing.T, s store.Store, cs *store.ChangeSet, what string) {
	t.Helper()
	require.NoError(t, s.Apply(t.Context(), cs), "Apply (%s) must succeed", what)
}

func object(t *testing.T, s store.Store, id hierarchy.ID) hierarchy.Object {
	t.Helper()
	o, err := s.Object(t.Context(), id)
	require.NoError(t, err, "Object(%s)", id)
	return o
}

func requireNotFound(t *testing.T, s store.Store, id hierarchy.ID, rule string) {
	t.Helper()
	_, err := s.Object(t.Context(), id)
	require.ErrorIs(t, err, connections.ErrNotFound, "%s: Object(%s) must give ErrNotFound", rule, id)
}

// norm returns o with times in UTC and empty slices nil, for comparing
// objects read at different times.
func norm(o hierarchy.Object) hierarchy.Object {
	o.CreatedAt, o.UpdatedAt, o.DeletedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC(), o.DeletedAt.UTC()
	if len(o.Tags) == 0 {
		o.Tags = nil
	}
	if len(o.Columns) == 0 {
		o.Columns = nil
	}
	for i := range o.Columns {
		if len(o.Columns[i].Tags) == 0 {
			o.Columns[i].Tags = nil
		}
	}
	return o
}

func normAll(os []hierarchy.Object) []hierarchy.Object {
	out := make([]hierarchy.Object, len(os))
	for i, o := range os {
		out[i] = norm(o)
	}
	return out
}

func assertTime(t *testing.T, want, got time.Time, rule string) {
	t.Helper()
	assert.True(t, want.Equal(got), "%s: got %v, want %v", rule, got, want)
}

// column returns the named column of o.
func column(t *testing.T, o hierarchy.Object, name string) hierarchy.Column {
	t.Helper()
	for _, c := range o.Columns {
		if c.Name == name {
			return c
		}
	}
	require.Failf(t, "missing column", "object %s has no column %q", o.Path, name)
	return hierarchy.Column{}
}

func names(os []hierarchy.Object) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.Name()
	}
	return out
}

func isCanceled(err error) bool { return errors.Is(err, context.Canceled) }
