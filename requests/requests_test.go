package requests_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/requests"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	"github.com/govkit/connections/tags"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// world is a connection with two data sources, as sync leaves them after
// finding column changes while the New policy is active:
//
//	snow.SALES.PUBLIC.ORDERS   EMAIL added (New tag, request), FAX deleted (request)
//	snow.SALES.STAGING.RAW     NOTE added (New tag, request)
//
// alice owns PUBLIC (a schema), the group eng owns RAW.
type world struct {
	st                    *memstore.Store
	res                   *perms.Resolver
	svc                   *requests.Service
	db, public, staging   hierarchy.Object
	orders, raw           hierarchy.Object
	emailReq, faxReq      store.Request
	noteReq               store.Request
	admin, alice, bob, ed perms.Principal
}

func mk(parent hierarchy.Object, name string, cols ...hierarchy.Column) hierarchy.Object {
	return hierarchy.Object{ID: hierarchy.NewID(), Ancestors: parent.ChildAncestors(), Path: parent.Path.Child(name), Type: hierarchy.TypeTable, Columns: cols}
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	st := memstore.New(nil)
	t.Cleanup(func() { _ = st.Close() })
	apply := func(cs *store.ChangeSet) {
		t.Helper()
		cs.Connection = "snow"
		if err := st.Apply(ctx, cs); err != nil {
			t.Fatal(err)
		}
	}
	host := hierarchy.Object{ID: hierarchy.NewID(), Path: hierarchy.Path{"snow"}}
	if err := st.CreateConnection(ctx, store.Connection{Key: "snow", DisplayName: "Snow", Technology: "snowflake", HostID: host.ID, Status: store.StatusActive}, host); err != nil {
		t.Fatal(err)
	}
	w := &world{st: st}
	w.db = mk(host, "SALES")
	apply(&store.ChangeSet{Container: host.ID, Add: []hierarchy.Object{w.db}, At: t0})
	w.public, w.staging = mk(w.db, "PUBLIC"), mk(w.db, "STAGING")
	apply(&store.ChangeSet{Container: w.db.ID, Add: []hierarchy.Object{w.public, w.staging}, At: t0})
	id := hierarchy.Column{Name: "ID", Type: "NUMBER", Position: 1}
	fax := hierarchy.Column{Name: "FAX", Type: "TEXT", Position: 2}
	w.orders = mk(w.public, "ORDERS", id, fax)
	apply(&store.ChangeSet{Container: w.public.ID, Add: []hierarchy.Object{w.orders}, At: t0})
	w.raw = mk(w.staging, "RAW", id)
	apply(&store.ChangeSet{Container: w.staging.ID, Add: []hierarchy.Object{w.raw}, At: t0})

	// The next sync: ORDERS gains EMAIL and loses FAX; RAW gains NOTE.
	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	email := hierarchy.Column{Name: "EMAIL", Type: "TEXT", Position: 2}
	upd := w.orders
	upd.Columns = []hierarchy.Column{id, email}
	w.emailReq = requests.ColumnAdded(&w.orders, email, t1)
	w.faxReq = requests.ColumnDeleted(&w.orders, fax, t1)
	apply(&store.ChangeSet{Container: w.public.ID, Update: []hierarchy.Object{upd}, At: t1,
		AddTags:  []store.TagRef{{Object: w.orders.ID, Column: "EMAIL", Tag: tags.New()}},
		Requests: []store.Request{w.emailReq, w.faxReq}})
	note := hierarchy.Column{Name: "NOTE", Type: "TEXT", Position: 2}
	updRaw := w.raw
	updRaw.Columns = []hierarchy.Column{id, note}
	w.noteReq = requests.ColumnAdded(&w.raw, note, t2)
	apply(&store.ChangeSet{Container: w.staging.ID, Update: []hierarchy.Object{updRaw}, At: t2,
		AddTags:  []store.TagRef{{Object: w.raw.ID, Column: "NOTE", Tag: tags.New()}},
		Requests: []store.Request{w.noteReq}})

	w.res = perms.NewResolver(st, nil)
	w.admin = perms.Admin("root")
	w.alice = perms.User("alice")
	w.bob = perms.User("bob", "eng")
	w.ed = perms.User("ed", "finance")
	for _, g := range []struct {
		obj hierarchy.Object
		s   store.Subject
	}{{w.public, store.Subject{Kind: store.SubjectUser, Name: "alice"}}, {w.raw, store.Subject{Kind: store.SubjectGroup, Name: "eng"}}} {
		if _, err := w.res.Grant(ctx, w.admin, &g.obj, g.s); err != nil {
			t.Fatal(err)
		}
	}
	w.svc = requests.NewService(st, w.res, &requests.Options{Now: func() time.Time { return t0.Add(3 * time.Hour) }})
	return w
}

func ids(rs []store.Request) []hierarchy.ID {
	out := make([]hierarchy.ID, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func sameIDs(got []store.Request, want ...store.Request) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].ID != want[i].ID {
			return false
		}
	}
	return true
}

func newTag(t *testing.T, w *world, table hierarchy.ID, column string) bool {
	t.Helper()
	o, err := w.st.Object(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := o.Column(column)
	if !ok {
		t.Fatalf("no column %s", column)
	}
	for _, tg := range c.Tags {
		if tg.Source == hierarchy.TagNew {
			return true
		}
	}
	return false
}

func TestSeededPolicy_B21_StagedByDefault(t *testing.T) {
	st := memstore.New(nil)
	ctx := t.Context()
	engine := requests.StorePolicies(st)
	if on, err := engine.TargetsTag(ctx, hierarchy.NewTagName); err != nil || on {
		t.Fatalf("before seeding: %v %v", on, err)
	}
	if err := requests.EnsureSeeded(ctx, st); err != nil {
		t.Fatal(err)
	}
	p, err := st.Policy(ctx, requests.NewColumnAddedPolicy)
	if err != nil || p.Active || len(p.TargetTags) != 1 || p.TargetTags[0] != "New" {
		t.Fatalf("seeded = %+v, %v", p, err)
	}
	if on, err := engine.TargetsTag(ctx, hierarchy.NewTagName); err != nil || on {
		t.Fatalf("staged policy targets New: %v %v", on, err)
	}
}

func TestActivate_B21_ActivateAndStageAgain(t *testing.T) {
	st := memstore.New(nil)
	ctx := t.Context()
	engine := requests.StorePolicies(st)
	if err := requests.EnsureSeeded(ctx, st); err != nil {
		t.Fatal(err)
	}
	p, err := requests.Activate(ctx, st, requests.NewColumnAddedPolicy, "gov")
	if err != nil || !p.Active || p.UpdatedBy != "gov" || p.UpdatedAt.IsZero() {
		t.Fatalf("Activate = %+v, %v", p, err)
	}
	if on, err := engine.TargetsTag(ctx, "New"); err != nil || !on {
		t.Fatalf("active policy does not target New: %v %v", on, err)
	}
	// Activating again changes nothing.
	again, err := requests.Activate(ctx, st, requests.NewColumnAddedPolicy, "someone else")
	if err != nil || again.UpdatedBy != "gov" {
		t.Fatalf("second Activate = %+v, %v", again, err)
	}
	p, err = requests.Stage(ctx, st, requests.NewColumnAddedPolicy, "gov2")
	if err != nil || p.Active || p.UpdatedBy != "gov2" {
		t.Fatalf("Stage = %+v, %v", p, err)
	}
	if on, err := engine.TargetsTag(ctx, "New"); err != nil || on {
		t.Fatalf("staged again, still targets New: %v %v", on, err)
	}
}

func TestActivate_B21_SeedsTheSeededPolicyWhenMissing(t *testing.T) {
	st := memstore.New(nil)
	p, err := requests.Activate(t.Context(), st, requests.NewColumnAddedPolicy, "gov")
	if err != nil || !p.Active || p.Description == "" {
		t.Fatalf("Activate = %+v, %v", p, err)
	}
}

func TestActivate_B21_UnknownPolicyNotFound(t *testing.T) {
	st := memstore.New(nil)
	_, err := requests.Activate(t.Context(), st, "Mask Everything", "gov")
	if !errors.Is(err, connections.ErrNotFound) || !strings.Contains(err.Error(), `no global policy named "Mask Everything"`) {
		t.Fatalf("Activate = %v", err)
	}
	if _, err := requests.Stage(t.Context(), st, "Mask Everything", "gov"); !errors.Is(err, connections.ErrNotFound) {
		t.Fatalf("Stage = %v", err)
	}
	if _, err := requests.Activate(t.Context(), st, "", "gov"); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("empty name = %v", err)
	}
	if _, err := requests.Activate(t.Context(), st, requests.NewColumnAddedPolicy, ""); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("no actor = %v", err)
	}
}

func TestServiceActivate_B21_AdminOnly(t *testing.T) {
	w := newWorld(t)
	if _, err := w.svc.Activate(t.Context(), w.alice, requests.NewColumnAddedPolicy); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("owner activates: %v", err)
	}
	p, err := w.svc.Activate(t.Context(), w.admin, requests.NewColumnAddedPolicy)
	if err != nil || !p.Active || p.UpdatedBy != "root" || !p.UpdatedAt.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("admin activates: %+v, %v", p, err)
	}
	if p, err = w.svc.Stage(t.Context(), perms.System(), requests.NewColumnAddedPolicy); err != nil || p.Active || p.UpdatedBy != "system" {
		t.Fatalf("system stages: %+v, %v", p, err)
	}
	if _, err := w.svc.Stage(t.Context(), w.bob, requests.NewColumnAddedPolicy); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("bob stages: %v", err)
	}
}

func TestTasks_B23_OwnersSeeRequestsOnWhatTheyOwn(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	// alice owns the schema PUBLIC: both requests on ORDERS, newest first.
	got, next, err := w.svc.Tasks(ctx, w.alice, "", store.Page{})
	if err != nil || next != "" || len(got) != 2 || !has(got, w.emailReq) || !has(got, w.faxReq) {
		t.Fatalf("alice: %v %q %v", ids(got), next, err)
	}
	for _, r := range got {
		if r.State != store.RequestOpen || !r.CreatedAt.Equal(t0.Add(time.Hour)) || !r.ValidatedAt.IsZero() {
			t.Fatalf("request %+v", r)
		}
	}
	// bob owns RAW through the group eng.
	got, _, err = w.svc.Tasks(ctx, w.bob, store.RequestOpen, store.Page{})
	if err != nil || !sameIDs(got, w.noteReq) {
		t.Fatalf("bob: %v %v", ids(got), err)
	}
	// ed owns nothing.
	got, next, err = w.svc.Tasks(ctx, w.ed, "", store.Page{})
	if err != nil || len(got) != 0 || next != "" {
		t.Fatalf("ed: %v %v", ids(got), err)
	}
	// Admins see every request, newest first, page by page.
	got, next, err = w.svc.Tasks(ctx, w.admin, "", store.Page{Limit: 1})
	if err != nil || !sameIDs(got, w.noteReq) || next == "" {
		t.Fatalf("admin page 1: %v %q %v", ids(got), next, err)
	}
	rest, next, err := w.svc.Tasks(ctx, w.admin, "", store.Page{After: next, Limit: 10})
	if err != nil || len(rest) != 2 || next != "" {
		t.Fatalf("admin page 2: %v %q %v", ids(rest), next, err)
	}
	// States filter.
	if _, err := w.svc.Validate(ctx, w.alice, w.faxReq.ID); err != nil {
		t.Fatal(err)
	}
	open, _, err := w.svc.Tasks(ctx, w.alice, store.RequestOpen, store.Page{})
	if err != nil || !sameIDs(open, w.emailReq) {
		t.Fatalf("alice open: %v %v", ids(open), err)
	}
	done, _, err := w.svc.Tasks(ctx, w.alice, store.RequestValidated, store.Page{})
	if err != nil || !sameIDs(done, w.faxReq) || done[0].ValidatedBy != "alice" || !done[0].ValidatedAt.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("alice validated: %+v %v", done, err)
	}
	if _, _, err := w.svc.Tasks(ctx, w.alice, "closed", store.Page{}); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("bad state: %v", err)
	}
	if _, _, err := w.svc.Tasks(ctx, perms.Principal{}, "", store.Page{}); !errors.Is(err, connections.ErrPermissionDenied) {
		t.Fatalf("anonymous: %v", err)
	}
}

func has(rs []store.Request, r store.Request) bool {
	for _, x := range rs {
		if x.ID == r.ID {
			return true
		}
	}
	return false
}

func TestTasks_B23_GrantOnDatabaseCoversEveryDataSource(t *testing.T) {
	w := newWorld(t)
	if _, err := w.res.Grant(t.Context(), w.admin, &w.db, store.Subject{Kind: store.SubjectGroup, Name: "finance"}); err != nil {
		t.Fatal(err)
	}
	got, _, err := w.svc.Tasks(t.Context(), w.ed, "", store.Page{})
	if err != nil || len(got) != 3 {
		t.Fatalf("ed: %v %v", ids(got), err)
	}
}

func TestForObject_B23_PerDataSource(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	got, _, err := w.svc.ForObject(ctx, w.alice, &w.orders, "", store.Page{})
	if err != nil || len(got) != 2 {
		t.Fatalf("alice on ORDERS: %v %v", ids(got), err)
	}
	got, _, err = w.svc.ForObject(ctx, w.alice, &w.public, store.RequestOpen, store.Page{})
	if err != nil || len(got) != 2 {
		t.Fatalf("alice on PUBLIC: %v %v", ids(got), err)
	}
	got, _, err = w.svc.ForObject(ctx, w.admin, &w.db, "", store.Page{})
	if err != nil || len(got) != 3 {
		t.Fatalf("admin on SALES: %v %v", ids(got), err)
	}
	got, _, err = w.svc.ForObject(ctx, w.bob, &w.raw, "", store.Page{})
	if err != nil || !sameIDs(got, w.noteReq) {
		t.Fatalf("bob on RAW: %v %v", ids(got), err)
	}
	// Not an owner of it.
	for _, c := range []struct {
		p   perms.Principal
		obj hierarchy.Object
	}{{w.alice, w.raw}, {w.bob, w.orders}, {w.alice, w.db}, {w.ed, w.orders}} {
		_, _, err := w.svc.ForObject(ctx, c.p, &c.obj, "", store.Page{})
		if !errors.Is(err, connections.ErrPermissionDenied) {
			t.Errorf("%s on %s: %v", c.p, c.obj.Path, err)
		}
	}
	if _, _, err := w.svc.ForObject(ctx, w.admin, nil, "", store.Page{}); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("nil object: %v", err)
	}
	if _, _, err := w.svc.ForObject(ctx, w.admin, &w.orders, "bogus", store.Page{}); !errors.Is(err, connections.ErrInvalidInput) {
		t.Fatalf("bad state: %v", err)
	}
}

func TestValidate_B22_OwnerValidatesAndNewTagIsRemoved(t *testing.T) {
	w := newWorld(t)
	if !newTag(t, w, w.orders.ID, "EMAIL") {
		t.Fatal("fixture: EMAIL has no New tag")
	}
	r, err := w.svc.Validate(t.Context(), w.alice, w.emailReq.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != store.RequestValidated || r.ValidatedBy != "alice" || !r.ValidatedAt.Equal(t0.Add(3*time.Hour)) || r.Column != "EMAIL" {
		t.Fatalf("validated = %+v", r)
	}
	if newTag(t, w, w.orders.ID, "EMAIL") {
		t.Fatal("New tag still on EMAIL after validation")
	}
	stored, err := w.st.Request(t.Context(), w.emailReq.ID)
	if err != nil || stored.State != store.RequestValidated || stored.ValidatedBy != "alice" {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	// Other columns keep theirs.
	if !newTag(t, w, w.raw.ID, "NOTE") {
		t.Fatal("NOTE lost its New tag")
	}
}

func TestValidate_B22_ColumnDeletedRequest(t *testing.T) {
	w := newWorld(t)
	r, err := w.svc.Validate(t.Context(), w.alice, w.faxReq.ID)
	if err != nil || r.State != store.RequestValidated || r.Kind != store.RequestColumnDeleted {
		t.Fatalf("Validate = %+v, %v", r, err)
	}
	if !newTag(t, w, w.orders.ID, "EMAIL") {
		t.Fatal("validating FAX's deletion removed EMAIL's New tag")
	}
}

func TestValidate_B23_NonOwnerDenied(t *testing.T) {
	w := newWorld(t)
	for _, p := range []perms.Principal{w.bob, w.ed, perms.User("alice2")} {
		_, err := w.svc.Validate(t.Context(), p, w.emailReq.ID)
		if !errors.Is(err, connections.ErrPermissionDenied) {
			t.Fatalf("%s: %v", p, err)
		}
		if !strings.Contains(err.Error(), "validate snow.SALES.PUBLIC.ORDERS") || !strings.Contains(err.Error(), p.User) {
			t.Fatalf("message does not name action, path and actor: %v", err)
		}
	}
	if !newTag(t, w, w.orders.ID, "EMAIL") {
		t.Fatal("a denied validation removed the New tag")
	}
	r, err := w.st.Request(t.Context(), w.emailReq.ID)
	if err != nil || r.State != store.RequestOpen {
		t.Fatalf("request after denials: %+v %v", r, err)
	}
}

func TestValidate_B23_AdminAndGroupOwnerMay(t *testing.T) {
	w := newWorld(t)
	if r, err := w.svc.Validate(t.Context(), w.bob, w.noteReq.ID); err != nil || r.ValidatedBy != "bob" {
		t.Fatalf("bob (group eng) on RAW: %+v, %v", r, err)
	}
	if r, err := w.svc.Validate(t.Context(), w.admin, w.emailReq.ID); err != nil || r.ValidatedBy != "root" {
		t.Fatalf("admin: %+v, %v", r, err)
	}
	if r, err := w.svc.Validate(t.Context(), perms.System(), w.faxReq.ID); err != nil || r.ValidatedBy != "system" {
		t.Fatalf("system: %+v, %v", r, err)
	}
}

func TestValidate_B23_TwiceIsConflict(t *testing.T) {
	w := newWorld(t)
	if _, err := w.svc.Validate(t.Context(), w.alice, w.emailReq.ID); err != nil {
		t.Fatal(err)
	}
	_, err := w.svc.Validate(t.Context(), w.admin, w.emailReq.ID)
	if !errors.Is(err, connections.ErrConflict) {
		t.Fatalf("second validation: %v", err)
	}
	want := "already validated by alice at 2025-03-01T12:00:00Z"
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("message %q does not say %q", err, want)
	}
}

func TestValidate_B23_ConcurrentValidationsOneWins(t *testing.T) {
	w := newWorld(t)
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		ok, confl int
	)
	for range 8 {
		wg.Go(func() {
			_, err := w.svc.Validate(context.Background(), w.alice, w.emailReq.ID)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, connections.ErrConflict):
				confl++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || confl != 7 {
		t.Fatalf("%d validated, %d conflicts", ok, confl)
	}
}

func TestValidate_B23_UnknownRequestNotFound(t *testing.T) {
	w := newWorld(t)
	id := hierarchy.NewID()
	_, err := w.svc.Validate(t.Context(), w.admin, id)
	if !errors.Is(err, connections.ErrNotFound) || !strings.Contains(err.Error(), id.String()) {
		t.Fatalf("Validate(unknown) = %v", err)
	}
}

func TestValidate_B26_DataSourceDeleted(t *testing.T) {
	w := newWorld(t)
	if _, err := w.st.DeleteObject(t.Context(), w.orders.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Validate(t.Context(), w.alice, w.emailReq.ID); !errors.Is(err, connections.ErrNotFound) {
		t.Fatalf("Validate after delete = %v", err)
	}
}

// racingPolicies lets another replica seed and activate the policy just
// before this one writes its seed.
type racingPolicies struct {
	store.PolicyStore
	race func()
}

func (r racingPolicies) CreatePolicy(ctx context.Context, p store.Policy) error {
	r.race()
	return r.PolicyStore.CreatePolicy(ctx, p)
}

// Replicas that seed at once never undo an activation made meanwhile.
func TestEnsureSeeded_B21_NeverOverwritesAStoredPolicy(t *testing.T) {
	st := memstore.New(nil)
	ctx := t.Context()
	other := func() {
		if err := requests.EnsureSeeded(ctx, st); err != nil {
			t.Fatal(err)
		}
		if _, err := requests.Activate(ctx, st, requests.NewColumnAddedPolicy, "gov"); err != nil {
			t.Fatal(err)
		}
	}
	if err := requests.EnsureSeeded(ctx, racingPolicies{PolicyStore: st, race: other}); err != nil {
		t.Fatalf("a seed that finds the policy stored is no error: %v", err)
	}
	p, err := st.Policy(ctx, requests.NewColumnAddedPolicy)
	if err != nil || !p.Active || p.UpdatedBy != "gov" {
		t.Fatalf("the late seed undid the activation: %+v, %v", p, err)
	}
}
