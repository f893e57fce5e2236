package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

func generalCases() []testCase {
	return []testCase{
		{"Copies/ReturnedValuesAreTheCallers", testReturnedCopies},
		{"Copies/ValuesPassedInAreNotRetained", testInputsNotRetained},
		{"Context/CancelledCallsFailAndWriteNothing", testCancelled},
		{"Concurrency/ParallelApplyAndReads", testConcurrency},
	}
}

func testReturnedCopies(t *testing.T, s store.Store) {
	ctx := t.Context()
	tr := NewTree(t, s, "T")
	tb := tr.Tables[0]
	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "obj"}}))
	require.NoError(t, s.AddTag(ctx, store.TagRef{Object: tb.ID, Column: "id", Tag: hierarchy.Tag{Name: "col"}}))
	want := norm(object(t, s, tb.ID))
	const rule = "values returned are copies the caller owns: changing one must not change the store"

	o := object(t, s, tb.ID)
	o.Path[1] = "changed"
	o.Columns[0].Name = "changed"
	o.Columns[0].Tags[0].Name = "changed"
	o.Tags[0].Name = "changed"
	assert.Equal(t, want, norm(object(t, s, tb.ID)), rule+" (Object)")

	o, err := s.Lookup(ctx, tb.Path)
	require.NoError(t, err)
	o.Columns[0].Tags[0].Name = "changed"
	o.Columns = append(o.Columns[:0], hierarchy.Column{Name: "x"})
	assert.Equal(t, want, norm(object(t, s, tb.ID)), rule+" (Lookup)")

	snap, err := s.Snapshot(ctx, tr.Schema.ID)
	require.NoError(t, err)
	snap[0].Path[3] = "changed"
	snap[0].Columns[1].Type = "changed"
	snap[0].Tags[0].Value = "changed"
	snap[0] = hierarchy.Object{}
	snap2, err := s.Snapshot(ctx, tr.Schema.ID)
	require.NoError(t, err)
	require.Len(t, snap2, 1)
	assert.Equal(t, want, norm(snap2[0]), rule+" (Snapshot)")

	kids, _, err := s.Children(ctx, tr.Schema.ID, store.Page{})
	require.NoError(t, err)
	kids[0].Path[2] = "changed"
	assert.Equal(t, want, norm(object(t, s, tb.ID)), rule+" (Children)")

	hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: "obj", Connection: tr.Conn.Key}, store.Page{})
	require.NoError(t, err)
	hits[0].Path[0] = "changed"
	assert.Equal(t, want, norm(object(t, s, tb.ID)), rule+" (FindByTag)")

	c, err := s.Connection(ctx, tr.Conn.Key)
	require.NoError(t, err)
	c.Config = map[string]string{"a": "b"}
	require.NoError(t, s.UpdateConnection(ctx, c))
	c, err = s.Connection(ctx, tr.Conn.Key)
	require.NoError(t, err)
	c.Config["a"] = "changed"
	c.Config["new"] = "x"
	c, err = s.Connection(ctx, tr.Conn.Key)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "b"}, c.Config, rule+" (Connection.Config)")

	r := newRequest(tr, tb, "id", 1)
	cs := tr.changes(tr.Schema, 1)
	cs.Requests = []store.Request{r}
	apply(t, s, cs, "request")
	got, err := s.Request(ctx, r.ID)
	require.NoError(t, err)
	got.Path[0] = "changed"
	rs, _, err := s.Requests(ctx, store.RequestFilter{Connection: tr.Conn.Key}, store.Page{})
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, tb.Path, rs[0].Path, rule+" (Request.Path)")
	rs[0].Path[1] = "changed"
	got, err = s.Request(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, tb.Path, got.Path, rule+" (Requests)")

	name := Key("copy")
	require.NoError(t, s.PutPolicy(ctx, store.Policy{Name: name, TargetTags: []string{"a"}, UpdatedAt: tm(1)}))
	p, err := s.Policy(ctx, name)
	require.NoError(t, err)
	p.TargetTags[0] = "changed"
	p, err = s.Policy(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, p.TargetTags, rule+" (Policy.TargetTags)")
}

func testInputsNotRetained(t *testing.T, s store.Store) {
	ctx := t.Context()
	const rule = "values passed in are not retained: changing them after the call must not change the store"
	c, host := NewConnection(Key("retain"))
	c.Config = map[string]string{"a": "b"}
	require.NoError(t, s.CreateConnection(ctx, c, host))
	t.Cleanup(func() { _ = s.DeleteConnection(ctx, c.Key) })
	c.Config["a"] = "changed"
	host.Path[0] = "changed"
	got, err := s.Connection(ctx, c.Key)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "b"}, got.Config, rule+" (CreateConnection Config)")
	assert.Equal(t, hierarchy.Path{c.Key}, object(t, s, host.ID).Path, rule+" (CreateConnection host)")

	hostObj := object(t, s, host.ID)
	db := Child(hostObj, "DB")
	schema := Child(db, "S")
	tb := Table(schema, "T", "a", "b")
	Add(t, s, c.Key, hostObj, db)
	Add(t, s, c.Key, db, schema)
	adds := []hierarchy.Object{tb}
	cs := &store.ChangeSet{Connection: c.Key, Container: schema.ID, Add: adds, At: tm(1)}
	require.NoError(t, s.Apply(ctx, cs))
	want := norm(object(t, s, tb.ID))
	adds[0].Columns[0].Name = "changed"
	adds[0].Path[3] = "changed"
	adds[0].Columns = append(adds[0].Columns[:1], hierarchy.Column{Name: "x"})
	assert.Equal(t, want, norm(object(t, s, tb.ID)), rule+" (Apply)")

	p := store.Policy{Name: Key("retain"), TargetTags: []string{"a"}, UpdatedAt: tm(1)}
	require.NoError(t, s.PutPolicy(ctx, p))
	p.TargetTags[0] = "changed"
	gotP, err := s.Policy(ctx, p.Name)
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, gotP.TargetTags, rule+" (PutPolicy)")
}

// testCancelled calls every method with a cancelled context: each must
// fail with an error matching context.Canceled, and the writes must write
// nothing.
func testCancelled(t *testing.T, s store.Store) {
	live := t.Context()
	ctx, cancel := context.WithCancel(live)
	cancel()
	tr := NewTree(t, s, "T")
	tb := tr.Tables[0]
	tag := store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "present"}}
	require.NoError(t, s.AddTag(live, tag))
	grant := store.Grant{Connection: tr.Conn.Key, Object: tb.ID, Subject: store.Subject{Kind: store.SubjectUser, Name: "u"}, Role: store.RoleDataOwner, GrantedAt: tm(0)}
	require.NoError(t, s.AddGrant(live, grant))
	req := newRequest(tr, tb, "id", 1)
	cs := tr.changes(tr.Schema, 1)
	cs.Requests = []store.Request{req}
	apply(t, s, cs, "request")
	policy := store.Policy{Name: Key("cancel"), UpdatedAt: tm(0)}
	before := norm(object(t, s, tb.ID))

	check := func(what string, err error) {
		t.Helper()
		require.Error(t, err, "%s with a cancelled context must fail", what)
		assert.True(t, isCanceled(err), "%s with a cancelled context must return an error matching context.Canceled, got %v", what, err)
	}
	_, err := s.Connection(ctx, tr.Conn.Key)
	check("Connection", err)
	_, err = s.Connections(ctx)
	check("Connections", err)
	_, err = s.Object(ctx, tb.ID)
	check("Object", err)
	_, err = s.Lookup(ctx, tb.Path)
	check("Lookup", err)
	_, _, err = s.Children(ctx, tr.Schema.ID, store.Page{})
	check("Children", err)
	_, err = s.Snapshot(ctx, tr.Schema.ID)
	check("Snapshot", err)
	_, err = s.CountDescendants(ctx, tr.Schema.ID)
	check("CountDescendants", err)
	_, _, err = s.FindByTag(ctx, store.TagQuery{Name: "present"}, store.Page{})
	check("FindByTag", err)
	_, err = s.Grants(ctx, store.GrantFilter{})
	check("Grants", err)
	_, err = s.Request(ctx, req.ID)
	check("Request", err)
	_, _, err = s.Requests(ctx, store.RequestFilter{}, store.Page{})
	check("Requests", err)
	_, err = s.Policy(ctx, policy.Name)
	check("Policy", err)
	_, err = s.Policies(ctx)
	check("Policies", err)

	c2, host2 := NewConnection(Key("cancel"))
	check("CreateConnection", s.CreateConnection(ctx, c2, host2))
	_, err = s.Connection(live, c2.Key)
	require.ErrorIs(t, err, connections.ErrNotFound, "a cancelled CreateConnection must write nothing")

	renamed := tr.Conn
	renamed.DisplayName = "renamed"
	check("UpdateConnection", s.UpdateConnection(ctx, renamed))
	got, err := s.Connection(live, tr.Conn.Key)
	require.NoError(t, err)
	assert.Equal(t, tr.Conn.DisplayName, got.DisplayName, "a cancelled UpdateConnection must write nothing")

	newT := Table(tr.Schema, "NEW", "a")
	cs = tr.changes(tr.Schema, 2)
	cs.Add = []hierarchy.Object{newT}
	cs.MarkDeleted = []hierarchy.ID{tb.ID}
	cs.Fingerprint = 9
	check("Apply", s.Apply(ctx, cs))
	check("UpdateSettings", s.UpdateSettings(ctx, tb.ID, store.SettingsUpdate{Enable: new(hierarchy.Enable)}))
	check("AddTag", s.AddTag(ctx, store.TagRef{Object: tb.ID, Tag: hierarchy.Tag{Name: "added"}}))
	check("RemoveTag", s.RemoveTag(ctx, tag))
	assert.Equal(t, before, norm(object(t, s, tb.ID)), "cancelled Apply, UpdateSettings, AddTag and RemoveTag must write nothing")
	_, err = s.Lookup(live, newT.Path)
	require.ErrorIs(t, err, connections.ErrNotFound, "a cancelled Apply must write nothing")
	assert.Zero(t, object(t, s, tr.Schema.ID).Fingerprint, "a cancelled Apply must write nothing")

	check("AddGrant", s.AddGrant(ctx, store.Grant{Connection: tr.Conn.Key, Object: tr.Schema.ID, Subject: grant.Subject, Role: store.RoleDataOwner}))
	check("RemoveGrant", s.RemoveGrant(ctx, grant))
	grants, err := s.Grants(live, store.GrantFilter{Connection: tr.Conn.Key})
	require.NoError(t, err)
	require.Len(t, grants, 1, "cancelled AddGrant and RemoveGrant must write nothing")
	assert.Equal(t, tb.ID, grants[0].Object, "cancelled AddGrant and RemoveGrant must write nothing")

	check("Validate", s.Validate(ctx, store.Validation{Request: req.ID, By: "x", At: tm(3)}))
	r, err := s.Request(live, req.ID)
	require.NoError(t, err)
	assert.Equal(t, store.RequestOpen, r.State, "a cancelled Validate must write nothing")

	check("PutPolicy", s.PutPolicy(ctx, policy))
	_, err = s.Policy(live, policy.Name)
	require.ErrorIs(t, err, connections.ErrNotFound, "a cancelled PutPolicy must write nothing")

	_, err = s.DeleteObject(ctx, tb.ID)
	check("DeleteObject", err)
	object(t, s, tb.ID)
	check("DeleteConnection", s.DeleteConnection(ctx, tr.Conn.Key))
	_, err = s.Connection(live, tr.Conn.Key)
	require.NoError(t, err, "a cancelled DeleteConnection must write nothing")

	if l, ok := s.(store.Locker); ok {
		_, err := l.TryLock(ctx, tr.Conn.Key, time.Minute)
		check("TryLock", err)
		release, err := l.TryLock(live, tr.Conn.Key, time.Minute)
		require.NoError(t, err, "a cancelled TryLock must not take the lease")
		release()
	}
}

// testConcurrency applies change sets to several schemas of one
// connection at once while other goroutines read; run it with -race.
func testConcurrency(t *testing.T, s store.Store) {
	ctx := t.Context()
	tag := Key("conc")
	tr := NewTree(t, s)
	const (
		schemas   = 6
		batches   = 4
		perBatch  = 10
		perSchema = batches * perBatch
	)
	var schemaObjs []hierarchy.Object
	for i := range schemas {
		schemaObjs = append(schemaObjs, Child(tr.Database, fmt.Sprintf("S%02d", i)))
	}
	Add(t, s, tr.Conn.Key, tr.Database, schemaObjs...)

	var (
		writers sync.WaitGroup
		readers sync.WaitGroup
		mu      sync.Mutex
		errs    []error
	)
	report := func(err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	start, done := make(chan struct{}), make(chan struct{})
	for i, sc := range schemaObjs {
		writers.Go(func() {
			<-start
			for b := range batches {
				cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: sc.ID, At: tm(b), Fingerprint: hierarchy.Fingerprint(b + 1)}
				for j := range perBatch {
					tb := Table(sc, fmt.Sprintf("T%03d", b*perBatch+j), "id", "name", "value")
					cs.Add = append(cs.Add, tb)
					if j%2 == 0 {
						cs.AddTags = append(cs.AddTags, store.TagRef{Object: tb.ID, Column: "id", Tag: hierarchy.Tag{Name: tag, Value: fmt.Sprint(i)}})
					}
				}
				report(s.Apply(ctx, cs))
			}
		})
	}
	for r := range 3 {
		readers.Go(func() {
			<-start
			for {
				sc := schemaObjs[r%schemas]
				snap, err := s.Snapshot(ctx, sc.ID)
				report(err)
				if !slices.IsSortedFunc(snap, func(a, b hierarchy.Object) int { return a.Path.Compare(b.Path) }) {
					report(errors.New("a Snapshot taken during concurrent writes is not ordered by name"))
				}
				_, _, err = s.Children(ctx, tr.Database.ID, store.Page{})
				report(err)
				_, err = s.CountDescendants(ctx, tr.Host.ID)
				report(err)
				_, _, err = s.FindByTag(ctx, store.TagQuery{Name: tag, Connection: tr.Conn.Key}, store.Page{Limit: 5})
				report(err)
				if len(snap) > 0 {
					_, err = s.Object(ctx, snap[len(snap)/2].ID)
					report(err)
				}
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	close(start)
	writers.Wait()
	close(done)
	readers.Wait()
	require.Empty(t, errs, "concurrent Apply and reads must all succeed")

	n, err := s.CountDescendants(ctx, tr.Database.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1+schemas*(1+perSchema)), n, "every concurrent Apply must be counted (PUBLIC, the schemas and their tables)")
	for _, sc := range schemaObjs {
		snap, err := s.Snapshot(ctx, sc.ID)
		require.NoError(t, err)
		require.Len(t, snap, perSchema, "every concurrent Apply must be stored (%s)", sc.Path)
		for j, o := range snap {
			assert.Equal(t, fmt.Sprintf("T%03d", j), o.Name(), "Snapshot order after concurrent Apply")
		}
		assert.Equal(t, hierarchy.Fingerprint(batches), object(t, s, sc.ID).Fingerprint, "the last Apply's fingerprint")
	}
	hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: tag}, store.Page{Limit: store.MaxPageLimit})
	require.NoError(t, err)
	assert.Len(t, hits, schemas*perSchema/2, "every tag of concurrent Apply calls must be found")
}
