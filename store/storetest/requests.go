package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

func requestCases() []testCase {
	return []testCase{
		{"Request/B22_CreatedByApplyAndRead", testRequestRead},
		{"Request/B23_ListFiltersNewestFirstPaged", testRequestsList},
		{"Request/B22_ValidateClosesAndRemovesTags", testValidate},
		{"Policy/B21_PutGetList", testPolicies},
	}
}

func assertRequest(t *testing.T, want, got store.Request, rule string) {
	t.Helper()
	assertTime(t, want.CreatedAt, got.CreatedAt, rule+": CreatedAt")
	assertTime(t, want.ValidatedAt, got.ValidatedAt, rule+": ValidatedAt")
	want.CreatedAt, want.ValidatedAt = got.CreatedAt, got.ValidatedAt
	assert.Equal(t, want, got, rule)
}

func testRequestRead(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	r := newRequest(tr, tr.Tables[0], "name", 1)
	r.Kind = store.RequestColumnDeleted
	cs := tr.changes(tr.Schema, 1)
	cs.Requests = []store.Request{r}
	apply(t, s, cs, "raise a request")

	got, err := s.Request(ctx, r.ID)
	require.NoError(t, err, "Request must return a request created by Apply")
	assertRequest(t, r, got, "Request must return every field of the request")
	_, err = s.Request(ctx, hierarchy.NewID())
	require.ErrorIs(t, err, connections.ErrNotFound, "Request of an unknown ID must give ErrNotFound")

	cs = tr.changes(tr.Schema, 2)
	cs.Requests = []store.Request{r}
	require.Error(t, s.Apply(ctx, cs), "Apply must not store a request ID twice")
}

func testRequestsList(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T1", "T2")
	other := NewTree(t, s, "T1")
	s2 := Child(tr.Database, "S2")
	Add(t, s, tr.Conn.Key, tr.Database, s2)
	t3 := Table(s2, "T3", "a")
	Add(t, s, tr.Conn.Key, s2, t3)

	r1 := newRequest(tr, tr.Tables[0], "id", 1)
	r2 := newRequest(tr, tr.Tables[1], "id", 2)
	r3 := newRequest(tr, t3, "a", 3)
	r4 := newRequest(tr, tr.Tables[0], "name", 4)
	cs := tr.changes(tr.Schema, 1)
	cs.Requests = []store.Request{r1, r2}
	apply(t, s, cs, "requests r1, r2")
	cs = tr.changes(s2, 3)
	cs.Requests = []store.Request{r3}
	apply(t, s, cs, "request r3")
	cs = tr.changes(tr.Schema, 4)
	cs.Requests = []store.Request{r4}
	apply(t, s, cs, "request r4")
	ro := newRequest(other, other.Tables[0], "id", 5)
	cs = other.changes(other.Schema, 5)
	cs.Requests = []store.Request{ro}
	apply(t, s, cs, "other connection's request")
	require.NoError(t, s.Validate(ctx, store.Validation{Request: r2.ID, By: "bob", At: tm(6)}))

	ids := func(f store.RequestFilter) []hierarchy.ID {
		t.Helper()
		rs, next, err := s.Requests(ctx, f, store.Page{Limit: store.MaxPageLimit})
		require.NoError(t, err)
		assert.Empty(t, next)
		out := make([]hierarchy.ID, len(rs))
		for i, r := range rs {
			out[i] = r.ID
		}
		return out
	}
	conn := store.RequestFilter{Connection: tr.Conn.Key}
	assert.Equal(t, []hierarchy.ID{r4.ID, r3.ID, r2.ID, r1.ID}, ids(conn), "Requests must return the connection's requests, newest first")
	assert.Equal(t, []hierarchy.ID{r4.ID, r2.ID, r1.ID}, ids(store.RequestFilter{Connection: tr.Conn.Key, Under: []hierarchy.ID{tr.Schema.ID}}),
		"Requests filtered by Under must keep requests on objects below it")
	assert.Equal(t, []hierarchy.ID{r3.ID, r2.ID}, ids(store.RequestFilter{Under: []hierarchy.ID{t3.ID, tr.Tables[1].ID}}),
		"Requests filtered by Under must keep requests on the objects themselves, from any of them")
	assert.Equal(t, []hierarchy.ID{r4.ID, r3.ID, r2.ID, r1.ID}, ids(store.RequestFilter{Under: []hierarchy.ID{tr.Host.ID}}),
		"Requests under the host are the connection's")
	assert.Equal(t, []hierarchy.ID{r4.ID, r3.ID, r1.ID}, ids(store.RequestFilter{Connection: tr.Conn.Key, State: store.RequestOpen}),
		"Requests must filter by State")
	assert.Equal(t, []hierarchy.ID{r2.ID}, ids(store.RequestFilter{Connection: tr.Conn.Key, State: store.RequestValidated}),
		"Requests must filter by State")
	assert.Equal(t, []hierarchy.ID{ro.ID}, ids(store.RequestFilter{Connection: other.Conn.Key}), "Requests must filter by Connection")

	var paged []hierarchy.ID
	after := ""
	for range 5 {
		page, next, err := s.Requests(ctx, conn, store.Page{After: after, Limit: 3})
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 3, "Requests must return at most page.Size() requests")
		for _, r := range page {
			paged = append(paged, r.ID)
		}
		if next == "" {
			break
		}
		after = next
	}
	assert.Equal(t, ids(conn), paged, "paging Requests with the returned cursor must return every request once, newest first")
	page, next, err := s.Requests(ctx, conn, store.Page{Limit: 4})
	require.NoError(t, err)
	assert.Len(t, page, 4)
	assert.Empty(t, next, "Requests must return cursor \"\" when the page holds the last request")
}

func testValidate(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	tb := tr.Tables[0]
	up := tb
	up.Columns = Columns("id", "name", "email")
	newTag := store.TagRef{Object: tb.ID, Column: "email", Tag: hierarchy.Tag{Name: hierarchy.NewTagName, Source: hierarchy.TagNew}}
	other := store.TagRef{Object: tb.ID, Column: "id", Tag: hierarchy.Tag{Name: hierarchy.NewTagName, Source: hierarchy.TagNew}}
	r := newRequest(tr, tb, "email", 1)
	cs := tr.changes(tr.Schema, 1)
	cs.Update = []hierarchy.Object{up}
	cs.AddTags = []store.TagRef{newTag, other}
	cs.Requests = []store.Request{r}
	apply(t, s, cs, "column email added with the New tag and a request")

	require.NoError(t, s.Validate(ctx, store.Validation{Request: r.ID, By: "owner", At: tm(5), RemoveTags: []store.TagRef{newTag}}), "Validate of an open request")
	got, err := s.Request(ctx, r.ID)
	require.NoError(t, err)
	want := r
	want.State, want.ValidatedBy, want.ValidatedAt = store.RequestValidated, "owner", tm(5)
	assertRequest(t, want, got, "B22: Validate must mark the request validated by By at At")
	o := object(t, s, tb.ID)
	assert.Empty(t, column(t, o, "email").Tags, "B22: Validate must remove the request's tags")
	assert.Len(t, column(t, o, "id").Tags, 1, "Validate must remove only the tags it names")

	err = s.Validate(ctx, store.Validation{Request: r.ID, By: "again", At: tm(6), RemoveTags: []store.TagRef{other}})
	require.ErrorIs(t, err, connections.ErrConflict, "Validate of a request that is not open must give ErrConflict")
	assert.Len(t, column(t, object(t, s, tb.ID), "id").Tags, 1, "a failed Validate must not remove tags (atomic)")
	got, err = s.Request(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, "owner", got.ValidatedBy, "a failed Validate must not change the request")

	err = s.Validate(ctx, store.Validation{Request: hierarchy.NewID(), By: "x", At: tm(7), RemoveTags: []store.TagRef{other}})
	require.ErrorIs(t, err, connections.ErrNotFound, "Validate of an unknown request must give ErrNotFound")
	assert.Len(t, column(t, object(t, s, tb.ID), "id").Tags, 1, "a failed Validate must not remove tags (atomic)")
}

func testPolicies(t *testing.T, s store.Store) {
	ctx := t.Context()
	prefix := Key("policy")
	b := store.Policy{Name: prefix + " b", Description: "masks New", TargetTags: []string{hierarchy.NewTagName}, UpdatedAt: tm(1), UpdatedBy: "seed"}
	a := store.Policy{Name: prefix + " A", TargetTags: []string{"pii", "New"}, Active: true, UpdatedAt: tm(2), UpdatedBy: "admin"}
	for _, p := range []store.Policy{b, a} {
		require.NoError(t, s.PutPolicy(ctx, p), "PutPolicy of a new name must create it")
	}
	got, err := s.Policy(ctx, b.Name)
	require.NoError(t, err)
	assertTime(t, b.UpdatedAt, got.UpdatedAt, "Policy: UpdatedAt")
	got.UpdatedAt = b.UpdatedAt
	assert.Equal(t, b, got, "Policy must return the stored policy")

	b.Active, b.TargetTags, b.UpdatedAt, b.UpdatedBy = true, []string{"x"}, tm(3), "admin"
	require.NoError(t, s.PutPolicy(ctx, b), "PutPolicy of a stored name must replace it")
	got, err = s.Policy(ctx, b.Name)
	require.NoError(t, err)
	got.UpdatedAt = b.UpdatedAt
	assert.Equal(t, b, got, "PutPolicy must replace the whole policy")

	all, err := s.Policies(ctx)
	require.NoError(t, err)
	assert.True(t, slices.IsSortedFunc(all, func(x, y store.Policy) int { return strings.Compare(x.Name, y.Name) }), "Policies must be ordered by name")
	var ours []string
	for _, p := range all {
		if strings.HasPrefix(p.Name, prefix) {
			ours = append(ours, p.Name)
		}
	}
	assert.Equal(t, []string{a.Name, b.Name}, ours, "Policies must list every policy once, ordered by name (byte order)")

	_, err = s.Policy(ctx, prefix+" missing")
	require.ErrorIs(t, err, connections.ErrNotFound, "Policy of an unknown name must give ErrNotFound")

	// CreatePolicy stores a new name and refuses a stored one.
	c := store.Policy{Name: prefix + " c", TargetTags: []string{"New"}, UpdatedAt: tm(4), UpdatedBy: "seed"}
	require.NoError(t, s.CreatePolicy(ctx, c), "CreatePolicy of a new name must create it")
	got, err = s.Policy(ctx, c.Name)
	require.NoError(t, err)
	assertTime(t, c.UpdatedAt, got.UpdatedAt, "CreatePolicy: UpdatedAt")
	got.UpdatedAt = c.UpdatedAt
	assert.Equal(t, c, got, "CreatePolicy must store the policy")
	stale := b
	stale.Active, stale.UpdatedBy = false, "late seeder"
	require.ErrorIs(t, s.CreatePolicy(ctx, stale), connections.ErrAlreadyExists, "CreatePolicy of a stored name must give ErrAlreadyExists")
	got, err = s.Policy(ctx, b.Name)
	require.NoError(t, err)
	assert.True(t, got.Active, "a refused CreatePolicy must not change the stored policy")
	assert.Equal(t, "admin", got.UpdatedBy, "a refused CreatePolicy must not change the stored policy")
	require.ErrorIs(t, s.CreatePolicy(ctx, store.Policy{}), connections.ErrInvalidInput, "CreatePolicy without a name must give ErrInvalidInput")
}
