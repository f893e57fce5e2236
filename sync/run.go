package sync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/requests"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/tags"
)

// run is one sync of one connection. The pipeline has three levels: the
// host's listing (databases) is compared in the calling goroutine; each
// database's (schemas) in the dbs group; each schema's (tables, with
// columns and tags) in the schemas group, which every database feeds, so
// that schemas of all databases flow through one pool. No group's Go is
// called from its own workers. Every connector call takes a slot of one
// semaphore, so at most Concurrency calls are in flight whatever the
// level; the schemas group has twice as many workers as slots, so that
// slots stay busy while workers compare and write. A worker holds one
// schema's listing and snapshot at a time: memory is bounded by the
// largest schemas, not the account.
type run struct {
	e        *Engine
	conn     store.Connection
	root     hierarchy.Path
	ro       *RunOptions
	dry      bool
	cn       connectors.Connector
	tr       connectors.TagReader
	conns    *connectorSet
	host     hierarchy.Object
	db       hierarchy.Object // the root's database, for roots below the host
	schema   hierarchy.Object // the root's schema, for table roots
	internal string           // the internal database's name (B15)
	maxShare float64

	// The fail-safe's budget for the whole run (B17): with a
	// MaxDeleteShare, the objects this run may mark deleted, counted with
	// what is under them, out of the objects under the root at the start.
	budgetMu gosync.Mutex
	budget   int64
	spent    int64

	slots   chan struct{}
	dbs     errgroup.Group
	schemas errgroup.Group

	started time.Time
	mu      gosync.Mutex // guards rep
	rep     Report

	nDBs, nSchemas, nTables, nColumns, nDone atomic.Int64
	progMu                                   gosync.Mutex

	polMu    gosync.Mutex
	polKnown bool
	polNew   bool
}

// newRun resolves the root and opens the connector.
func (e *Engine) newRun(ctx context.Context, conn store.Connection, root hierarchy.Path, ro *RunOptions) (*run, error) {
	r := &run{e: e, conn: conn, root: root, ro: ro, dry: ro.DryRun, maxShare: conn.Settings.MaxDeleteShare}
	r.internal = conn.Settings.InternalDatabase
	if r.internal == "" {
		r.internal = DefaultInternalDatabase
	}
	host, err := e.st.Object(ctx, conn.HostID)
	if err != nil {
		return nil, fmt.Errorf("read host: %w", err)
	}
	r.host = host
	if len(root) >= 2 {
		if r.isInternal(root[1]) {
			return nil, fmt.Errorf("%w: %q is the internal database, which sync never reads (B15)", connections.ErrInvalidInput, root[1])
		}
		if r.db, err = r.lookup(ctx, root[:2]); err != nil {
			return nil, err
		}
	}
	if len(root) >= 3 {
		if r.db.State != hierarchy.Active {
			return nil, fmt.Errorf("%w: database %s is marked deleted remotely; sync the connection instead", connections.ErrConflict, r.db.Path)
		}
		if r.schema, err = r.lookup(ctx, root[:3]); err != nil {
			return nil, err
		}
	}
	if len(root) == 4 {
		if r.schema.State != hierarchy.Active {
			return nil, fmt.Errorf("%w: schema %s is marked deleted remotely; sync its database instead", connections.ErrConflict, r.schema.Path)
		}
		if _, err := r.lookup(ctx, root); err != nil {
			return nil, err
		}
	}
	if r.maxShare > 0 {
		rootID := host.ID
		switch len(root) {
		case 2:
			rootID = r.db.ID
		case 3, 4:
			rootID = r.schema.ID
		}
		n, err := e.st.CountDescendants(ctx, rootID)
		if err != nil {
			return nil, fmt.Errorf("count objects under %s: %w", root, err)
		}
		r.budget = max(int64(r.maxShare*float64(n)), failSafeMinDeletes)
	}
	set, err := e.open(ctx, &conn, ro)
	if err != nil {
		return nil, err
	}
	r.conns, r.cn, r.tr = set, set.cn, set.tr
	r.slots = make(chan struct{}, e.conc)
	r.dbs.SetLimit(e.conc)
	r.schemas.SetLimit(2 * e.conc)
	return r, nil
}

func (r *run) lookup(ctx context.Context, p hierarchy.Path) (hierarchy.Object, error) {
	o, err := r.e.st.Lookup(ctx, slices.Clone(p))
	if err != nil {
		return o, fmt.Errorf("look up %s: %w", p, err)
	}
	return o, nil
}

func (r *run) close() { r.conns.close(r.e.log, r.conn.Key) }

func (r *run) isInternal(name string) bool { return strings.EqualFold(name, r.internal) }

// run syncs the root and returns the report.
func (r *run) run(ctx context.Context) (*Report, error) {
	r.started = r.e.now()
	r.rep = Report{Connection: r.conn.Key, Root: r.root, DryRun: r.dry, Started: r.started}
	r.e.log.Info("sync started", "connection", r.conn.Key, "root", r.root.String(), "dry_run", r.dry)
	if !r.dry {
		r.e.emit(Event{Kind: EventStarted, Connection: r.conn.Key, Root: r.root})
	}
	if err := r.conns.tagErr; err != nil {
		r.fail(r.host.Path, "open tag connector", err)
	}
	switch len(r.root) {
	case 1:
		r.syncHost(ctx, "")
	case 2:
		r.syncHost(ctx, r.root[1])
	case 3:
		r.syncDatabase(ctx, child{obj: r.db, trusted: true}, r.root[2])
	case 4:
		r.syncSchema(ctx, &r.db, child{obj: r.schema, trusted: true}, r.root[3])
	}
	_ = r.dbs.Wait() // tasks return nil: errors go to the report
	_ = r.schemas.Wait()
	return r.finish(ctx)
}

// call runs one connector call in a slot of the run's semaphore. A
// connector that panics fails its subtree instead of the host process.
func (r *run) call(ctx context.Context, f func() error) (err error) {
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() {
		<-r.slots
		if p := recover(); p != nil {
			err = fmt.Errorf("connector panicked: %v", p)
		}
	}()
	return f()
}

// syncHost lists the databases, compares them with the host's children
// and descends into each one listed (only the one named only, if set).
func (r *run) syncHost(ctx context.Context, only string) {
	path := r.host.Path
	var dbs []connectors.Database
	err := r.call(ctx, func() (err error) { dbs, err = r.cn.Databases(ctx); return err })
	if err != nil {
		r.fail(path, "list databases", err)
		return
	}
	listing := fromDatabases(dbs)
	normalize(listing, hierarchy.TypeDatabase)
	n, _ := r.scope(listing, only, r.isInternal)
	r.nDBs.Add(n)
	r.progress()
	var h hasher
	j := &job{
		path:     path,
		fp:       h.listing(hierarchy.KindHost, listing, nil, false, strings.ToLower(r.internal), nil),
		storedFP: r.host.Fingerprint,
		in: diffInput{
			Container: &r.host, Listing: listing, Only: only, Exclude: r.isInternal,
			NewEnable: explicit(r.host.NewChildren),
			Chain:     []hierarchy.Setting{r.host.Enable},
			Children:  true,
		},
	}
	out, ok := r.settle(ctx, j)
	for _, c := range descend(out, ok) {
		if ctx.Err() != nil {
			return
		}
		r.dbs.Go(func() error {
			r.syncDatabase(ctx, c, "")
			return nil
		})
	}
}

// syncDatabase lists a database's schemas, compares them with its
// children and hands each schema listed to the schemas group.
func (r *run) syncDatabase(ctx context.Context, db child, only string) {
	if ctx.Err() != nil {
		return
	}
	path := db.obj.Path
	var ss []connectors.Schema
	err := r.call(ctx, func() (err error) { ss, err = r.cn.Schemas(ctx, db.obj.Name()); return err })
	if err != nil {
		r.fail(path, "list schemas", err)
		return
	}
	listing := fromSchemas(ss)
	normalize(listing, hierarchy.TypeSchema)
	n, _ := r.scope(listing, only, nil)
	r.nSchemas.Add(n)
	r.progress()
	var h hasher
	j := &job{
		path:     path,
		fp:       h.listing(hierarchy.KindDatabase, listing, nil, false, "", nil),
		storedFP: db.obj.Fingerprint,
		isNew:    db.isNew,
		in: diffInput{
			Container: &db.obj, Listing: listing, Only: only,
			NewEnable: explicit(r.host.NewChildren, db.obj.NewChildren),
			Chain:     []hierarchy.Setting{r.host.Enable, db.obj.Enable},
			Children:  true,
		},
	}
	out, ok := r.settle(ctx, j)
	dbObj := &db.obj
	children := descend(out, ok)
	if dl, bulk := r.cn.(connectors.DatabaseLister); bulk && r.tr == nil && len(children) > 1 {
		r.syncDatabaseBulk(ctx, dbObj, dl, children)
		return
	}
	for _, c := range children {
		if ctx.Err() != nil {
			return
		}
		r.schemas.Go(func() error {
			r.syncSchema(ctx, dbObj, c, "")
			return nil
		})
	}
}

// syncDatabaseBulk lists every table of a database in one pass, through a
// connector's DatabaseLister, and hands each schema's tables to the
// schema workers as they arrive: one round trip for the database instead
// of one per schema. It is used when the connector reads no tags, so the
// workers need no connector call of their own while the listing holds its
// slot. A schema the listing does not name has no tables, if the listing
// completed; if it failed, the schemas it had not reached are reported
// and left as they are (B17).
func (r *run) syncDatabaseBulk(ctx context.Context, db *hierarchy.Object, dl connectors.DatabaseLister, children []child) {
	byName := make(map[string]child, len(children))
	for _, c := range children {
		byName[c.obj.Name()] = c
	}
	err := r.call(ctx, func() error {
		return dl.DatabaseTables(ctx, db.Name(), func(schema string, tables []connectors.Table) error {
			c, ok := byName[schema]
			if !ok {
				return nil // not a child to sync: new since the schema listing, internal or a duplicate
			}
			delete(byName, schema)
			r.schemas.Go(func() error {
				r.compareSchema(ctx, db, c, "", tables, nil, false)
				return nil
			})
			return ctx.Err()
		})
	})
	for _, c := range byName {
		if err != nil {
			r.fail(c.obj.Path, "list tables", err)
			r.nDone.Add(1)
			continue
		}
		r.schemas.Go(func() error {
			r.compareSchema(ctx, db, c, "", nil, nil, false)
			return nil
		})
	}
	r.progress()
}

// syncSchema lists a schema's tables (and their platform tags), skips the
// schema if its fingerprint is unchanged, and otherwise compares and
// applies.
func (r *run) syncSchema(ctx context.Context, db *hierarchy.Object, sc child, only string) {
	if ctx.Err() != nil {
		return
	}
	path := sc.obj.Path
	dbName, scName := db.Name(), sc.obj.Name()
	// The tables and their tags are listed at the same time.
	var (
		assigned []connectors.TagAssignment
		tagsErr  error
		wg       gosync.WaitGroup
	)
	if r.tr != nil {
		wg.Go(func() {
			tagsErr = r.call(ctx, func() (err error) { assigned, err = r.tr.Tags(ctx, dbName, scName); return err })
		})
	}
	var tables []connectors.Table
	err := r.call(ctx, func() (err error) { tables, err = r.cn.Tables(ctx, dbName, scName); return err })
	wg.Wait()
	if err != nil {
		r.fail(path, "list tables", err)
		r.nDone.Add(1)
		r.progress()
		return
	}
	tagsOK := false
	if r.tr != nil {
		if tagsErr != nil {
			// B17 holds for tags too: the schema's platform tags stay as
			// they are; the rest of the schema is synced.
			r.fail(path, "list tags", tagsErr)
		} else {
			tagsOK = true
		}
	}
	r.compareSchema(ctx, db, sc, only, tables, assigned, tagsOK)
}

// compareSchema skips a schema whose listing has its recorded fingerprint,
// and otherwise compares the listing with the store and applies the
// difference.
func (r *run) compareSchema(ctx context.Context, db *hierarchy.Object, sc child, only string, tables []connectors.Table, assigned []connectors.TagAssignment, tagsOK bool) {
	defer func() { r.nDone.Add(1); r.progress() }()
	if ctx.Err() != nil {
		return
	}
	path := sc.obj.Path
	dbName, scName := db.Name(), sc.obj.Name()
	normalize(tables, hierarchy.TypeTable)
	if !slices.IsSortedFunc(tables, byTableName) {
		slices.SortStableFunc(tables, byTableName)
	}
	n, cols := r.scope(tables, only, nil)
	r.nTables.Add(n)
	r.nColumns.Add(cols)
	var h hasher
	per := make([]hierarchy.Fingerprint, len(tables))
	fp := h.listing(hierarchy.KindSchema, tables, assigned, tagsOK, "", per)
	if sc.trusted && !sc.isNew && sc.obj.Fingerprint == fp {
		r.mu.Lock()
		r.rep.Counts.Unchanged++
		r.mu.Unlock()
		return
	}
	j := &job{
		path:     path,
		fp:       fp,
		storedFP: sc.obj.Fingerprint,
		isNew:    sc.isNew,
		in: diffInput{
			Container: &sc.obj, Listing: tables, TableFP: per, Only: only,
			TagsOK: tagsOK, Tags: assigned,
			NewEnable: explicit(r.host.NewChildren, db.NewChildren, sc.obj.NewChildren),
			ConnTag:   tags.Connection(r.e.connTag(r.conns.display, r.conn.DisplayName, dbName, scName)),
			Chain:     []hierarchy.Setting{r.host.Enable, db.Enable, sc.obj.Enable},
		},
	}
	if sc.trusted && !sc.isNew && only == "" {
		if err := r.narrow(ctx, j); err != nil {
			r.fail(path, "snapshot", err)
			return
		}
	}
	// Nothing of a schema's change set is used once settle returns: its
	// arrays go back to the pool for the next schema.
	bufs := getChangeBuffers()
	j.in.Buffers, j.full.Buffers = bufs, bufs
	out, _ := r.settle(ctx, j)
	if out != nil {
		bufs.put(&out.cs)
	} else {
		bufs.put(nil)
	}
}

// narrow prepares the comparison of a schema that changed from a light
// listing of its stored tables (store.ChildLister, or store.Children: no
// columns, no tags) instead of a full snapshot: a table whose stored
// Fingerprint is its listing's own fingerprint, and that is active, is
// unchanged and left out; only the others are read in full
// (store.Object). When more than a quarter of the tables must be read (a
// store that records no table fingerprints, tables stored before they
// were recorded), narrow leaves j as it is, for settle to take a full
// snapshot.
func (r *run) narrow(ctx context.Context, j *job) error {
	st := r.e.st
	kids, err := childSummaries(ctx, st, j.in.Container.ID)
	if err != nil {
		return err
	}
	listing, per := j.in.Listing, j.in.TableFP
	budget := max(16, len(kids)/4)
	var (
		keepL    []connectors.Table
		keepF    []hierarchy.Fingerprint
		need     []hierarchy.ID
		light    []hierarchy.Object // stored, not listed: enough to mark deleted
		skipped  int
		i, k     int
		overflow bool
	)
	for (i < len(listing) || k < len(kids)) && !overflow {
		c := 0
		switch {
		case i == len(listing):
			c = 1
		case k == len(kids):
			c = -1
		default:
			c = strings.Compare(listing[i].Name, kids[k].Name)
		}
		switch {
		case c > 0:
			o := &kids[k]
			light = append(light, hierarchy.Object{ID: o.ID, Path: j.in.Container.Path.Child(o.Name), Type: o.Type, State: o.State, Fingerprint: o.Fingerprint})
			k++
		case c < 0:
			keepL, keepF = append(keepL, listing[i]), append(keepF, per[i])
			i++
		default:
			e := i + 1
			for e < len(listing) && listing[e].Name == listing[i].Name {
				e++
			}
			o := &kids[k]
			k++
			if e-i == 1 && o.State == hierarchy.Active && o.Fingerprint != 0 && o.Fingerprint == per[i] {
				skipped++
				i = e
				continue
			}
			need = append(need, o.ID)
			overflow = len(need) > budget
			keepL, keepF = append(keepL, listing[i:e]...), append(keepF, per[i:e]...)
			i = e
		}
	}
	if overflow {
		return nil
	}
	snap := make([]hierarchy.Object, 0, len(need)+len(light))
	for _, id := range need {
		o, err := st.Object(ctx, id)
		if errors.Is(err, connections.ErrNotFound) {
			return nil // deleted meanwhile: compare in full
		}
		if err != nil {
			return err
		}
		snap = append(snap, o)
	}
	snap = append(snap, light...)
	slices.SortFunc(snap, byObjectName)
	j.full = j.in
	j.in.Listing, j.in.TableFP, j.in.Snapshot = keepL, keepF, snap
	j.narrowed, j.unchanged = true, skipped
	return nil
}

// childSummaries returns the children of parent in brief, from the
// store's ChildLister if it has one, from its Children otherwise.
func childSummaries(ctx context.Context, st store.Store, parent hierarchy.ID) ([]store.ChildSummary, error) {
	if l, ok := st.(store.ChildLister); ok {
		return l.ChildSummaries(ctx, parent)
	}
	var out []store.ChildSummary
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		kids, next, err := st.Children(ctx, parent, page)
		if err != nil {
			return nil, err
		}
		for i := range kids {
			o := &kids[i].Object
			out = append(out, store.ChildSummary{ID: o.ID, Name: o.Name(), Type: o.Type, State: o.State, Fingerprint: o.Fingerprint})
		}
		if next == "" { // schemas of more than one page go on
			return out, nil
		}
		page.After = next
	}
}

// scope counts the listed children a sync compares, and their columns.
func (r *run) scope(listing []connectors.Table, only string, exclude func(string) bool) (n, cols int64) {
	for i := range listing {
		t := &listing[i]
		if (only != "" && t.Name != only) || (exclude != nil && exclude(t.Name)) {
			continue
		}
		n++
		cols += int64(len(t.Columns))
	}
	return n, cols
}

// explicit returns the nearest explicit setting of a chain ordered top
// down, or Inherit when every one inherits: the Enable setting of a new
// child (B8).
func explicit(chain ...hierarchy.Setting) hierarchy.Setting {
	v := hierarchy.Inherit
	for _, s := range chain {
		if s != hierarchy.Inherit {
			v = s
		}
	}
	return v
}

// descend returns the containers to sync below a compared one. When the
// change set was not applied, only children stored and active before are
// descended into: new ones do not exist in the store.
func descend(out *diffOutput, applied bool) []child {
	if out == nil {
		return nil
	}
	if applied {
		return out.children
	}
	var kept []child
	for _, c := range out.children {
		if c.trusted {
			kept = append(kept, c)
		}
	}
	return kept
}

// job is one container to compare and apply.
type job struct {
	path hierarchy.Path
	in   diffInput
	// narrowed: in holds only the children that may have changed, with
	// their snapshot (see narrow); unchanged counts the active children
	// left out, and full is the whole input, for a retry.
	narrowed  bool
	unchanged int
	full      diffInput
	fp        hierarchy.Fingerprint // of the listing
	storedFP  hierarchy.Fingerprint // recorded on the container
	isNew     bool                  // created by this sync: no snapshot to read
}

// failSafe applies Settings.MaxDeleteShare (B17) to a change set: it may
// mark deleted no more than that share of the container's active
// children (one is always allowed), and, over the whole run, no more than
// that share of the objects under the root, counting what is under each
// object marked deleted. A change set within both is charged to the run's
// budget; one beyond either is refused whole.
func (r *run) failSafe(ctx context.Context, container hierarchy.Path, out *diffOutput) error {
	n := len(out.cs.MarkDeleted)
	if r.maxShare <= 0 || n == 0 {
		return nil
	}
	if n > failSafeMinDeletes && float64(n) > r.maxShare*float64(out.active) {
		return fmt.Errorf("%w: the listing would mark %d of %d active children deleted, more than MaxDeleteShare %g allows; nothing under it was changed",
			connections.ErrLimitExceeded, n, out.active, r.maxShare)
	}
	cost := int64(n)
	if container.Kind() != hierarchy.KindSchema { // a table has nothing under it
		for _, id := range out.cs.MarkDeleted {
			below, err := r.e.st.CountDescendants(ctx, id)
			if err != nil {
				return fmt.Errorf("count objects under a deleted child: %w", err)
			}
			cost += below
		}
	}
	r.budgetMu.Lock()
	defer r.budgetMu.Unlock()
	if r.spent+cost > r.budget {
		return fmt.Errorf("%w: marking %d more objects deleted would bring this run to %d, more than MaxDeleteShare %g of the %s subtree allows (%d); nothing under it was changed",
			connections.ErrLimitExceeded, cost, r.spent+cost, r.maxShare, r.root, r.budget)
	}
	r.spent += cost
	return nil
}

// settle compares a container's listing with its snapshot and applies the
// change set. It reports whether the change set was applied (or, in a dry
// run, would have been). An apply that conflicts with a concurrent change
// (ErrConflict, ErrAlreadyExists) is retried once on a fresh snapshot.
func (r *run) settle(ctx context.Context, j *job) (*diffOutput, bool) {
	st := r.e.st
	for attempt := 0; ; attempt++ {
		if attempt > 0 && j.narrowed {
			j.in, j.narrowed, j.unchanged = j.full, false, 0
		}
		if (!j.isNew || attempt > 0) && !j.narrowed {
			snap, err := st.Snapshot(ctx, j.in.Container.ID)
			if err != nil {
				r.fail(j.path, "snapshot", err)
				return nil, false
			}
			j.in.Snapshot = snap
		}
		at := r.e.now()
		j.in.Connection, j.in.At = r.conn.Key, at
		out := diff(&j.in)
		out.active += j.unchanged
		record := j.fp
		switch {
		case j.in.Only != "" && out.cs.Empty():
			record = 0 // nothing written: the fingerprint stays true
		case j.in.Only != "" || len(out.conflicts) > 0:
			record = dirtyFingerprint
		}
		if record == j.storedFP {
			record = 0
		}
		out.cs.Fingerprint = record
		if err := r.failSafe(ctx, j.path, out); err != nil {
			r.fail(j.path, "fail-safe", err)
			r.commit(out, nil, false)
			return out, false
		}
		if out.cs.Empty() && out.cs.Fingerprint == 0 {
			r.commit(out, nil, true)
			return out, true
		}
		reqs, err := r.requests(ctx, out, at)
		if err != nil {
			r.fail(j.path, "policy", err)
			r.commit(out, nil, false)
			return out, false
		}
		out.cs.Requests = reqs
		if !r.dry {
			if err := st.Apply(ctx, &out.cs); err != nil {
				if attempt == 0 && (errors.Is(err, connections.ErrConflict) || errors.Is(err, connections.ErrAlreadyExists)) && ctx.Err() == nil {
					r.e.log.Info("sync: store changed during the sync; comparing again", "path", j.path.String(), "err", err)
					continue
				}
				r.fail(j.path, "apply", err)
				r.commit(out, nil, false)
				return out, false
			}
		}
		r.commit(out, reqs, true)
		return out, true
	}
}

// requests turns request candidates into requests while an active policy
// targets the New tag (B22). The policy is asked once per sync, when the
// first candidate appears.
func (r *run) requests(ctx context.Context, out *diffOutput, at time.Time) ([]store.Request, error) {
	if len(out.candidates) == 0 {
		return nil, nil
	}
	r.polMu.Lock()
	if !r.polKnown {
		on, err := r.e.policies.TargetsTag(ctx, hierarchy.NewTagName)
		if err != nil {
			r.polMu.Unlock()
			return nil, err
		}
		r.polKnown, r.polNew = true, on
	}
	on := r.polNew
	r.polMu.Unlock()
	if !on {
		return nil, nil
	}
	reqs := make([]store.Request, len(out.candidates))
	for i := range out.candidates {
		c := &out.candidates[i]
		if c.kind == store.RequestColumnAdded {
			reqs[i] = requests.ColumnAdded(&c.table, c.column, at)
		} else {
			reqs[i] = requests.ColumnDeleted(&c.table, c.column, at)
		}
	}
	return reqs, nil
}

// fail records a failed subtree (B17).
func (r *run) fail(path hierarchy.Path, op string, err error) {
	werr := connections.Wrap("sync: "+op, path.String(), err)
	f := Failure{Path: path, Op: op, Err: werr, Error: werr.Error()}
	r.mu.Lock()
	r.rep.Counts.Failed++
	r.rep.Failed = r.capped(r.rep.Failed, f)
	r.mu.Unlock()
	r.e.log.Warn("sync: subtree failed; left as it was", "connection", r.conn.Key, "path", path.String(), "op", op, "err", err)
	if !r.dry {
		r.e.emit(Event{Kind: EventSubtreeFailed, Connection: r.conn.Key, Root: r.root, Failure: &f})
	}
}

// capped appends v to list unless the list is full.
func (r *run) capped(list []Failure, v Failure) []Failure {
	if r.e.maxList >= 0 && len(list) >= r.e.maxList {
		r.rep.Truncated = true
		return list
	}
	return append(list, v)
}

func appendCapped[T any](list []T, items []T, limit int, truncated *bool) []T {
	if limit < 0 {
		return append(list, items...)
	}
	room := limit - len(list)
	if room >= len(items) {
		return append(list, items...)
	}
	*truncated = true
	if room <= 0 {
		return list
	}
	return append(list, items[:room]...)
}

// addedChange reports an added object. The path is copied: a change
// set's paths may live in buffers that are reused (changeBuffers).
func addedChange(o *hierarchy.Object) ObjectChange {
	return ObjectChange{ID: o.ID, Path: slices.Clone(o.Path), Kind: o.Kind(), Type: o.Type}
}

// appendAdded appends the added objects to the report's list, as far as
// limit allows.
func appendAdded(list []ObjectChange, added []hierarchy.Object, limit int, truncated *bool) []ObjectChange {
	n := len(added)
	if limit >= 0 && len(list)+n > limit {
		n = max(0, limit-len(list))
		*truncated = true
	}
	for i := range n {
		list = append(list, addedChange(&added[i]))
	}
	return list
}

// commit adds a container's outcome to the report and emits its events.
// A change set that was not applied contributes only its conflicts.
func (r *run) commit(out *diffOutput, reqs []store.Request, applied bool) {
	refs := make([]RequestRef, len(reqs))
	for i, q := range reqs {
		refs[i] = RequestRef{ID: q.ID, Kind: string(q.Kind), Table: q.Path, Column: q.Column}
	}
	lim := r.e.maxList
	r.mu.Lock()
	rep := &r.rep
	rep.Conflicts = appendCapped(rep.Conflicts, out.conflicts, lim, &rep.Truncated)
	rep.Counts.Conflicts += int64(len(out.conflicts))
	if applied {
		if !out.cs.Empty() || out.cs.Fingerprint != 0 {
			rep.Counts.Applied++
		}
		c := &rep.Counts
		c.Added += int64(len(out.cs.Add))
		c.Deleted += int64(len(out.deleted))
		c.Reactivated += int64(len(out.reactivated))
		c.Updated += int64(out.updated)
		c.ColumnsAdded += int64(len(out.colsAdded))
		c.ColumnsDeleted += int64(len(out.colsDeleted))
		c.ColumnsChanged += int64(len(out.colsChanged))
		c.Requests += int64(len(refs))
		rep.Added = appendAdded(rep.Added, out.cs.Add, lim, &rep.Truncated)
		rep.Deleted = appendCapped(rep.Deleted, out.deleted, lim, &rep.Truncated)
		rep.Reactivated = appendCapped(rep.Reactivated, out.reactivated, lim, &rep.Truncated)
		rep.ColumnsAdded = appendCapped(rep.ColumnsAdded, out.colsAdded, lim, &rep.Truncated)
		rep.ColumnsDeleted = appendCapped(rep.ColumnsDeleted, out.colsDeleted, lim, &rep.Truncated)
		rep.ColumnsChanged = appendCapped(rep.ColumnsChanged, out.colsChanged, lim, &rep.Truncated)
		rep.Requests = appendCapped(rep.Requests, refs, lim, &rep.Truncated)
	}
	r.mu.Unlock()
	if r.dry || !r.e.listening() {
		return
	}
	key, root := r.conn.Key, r.root
	if applied {
		for i := range out.cs.Add {
			ch := addedChange(&out.cs.Add[i])
			r.e.emit(Event{Kind: EventObjectAdded, Connection: key, Root: root, Object: &ch})
		}
		for i := range out.deleted {
			r.e.emit(Event{Kind: EventObjectDeleted, Connection: key, Root: root, Object: &out.deleted[i]})
		}
		for i := range out.reactivated {
			r.e.emit(Event{Kind: EventObjectReactivated, Connection: key, Root: root, Object: &out.reactivated[i]})
		}
		for i := range out.colsAdded {
			r.e.emit(Event{Kind: EventColumnAdded, Connection: key, Root: root, Column: &out.colsAdded[i]})
		}
		for i := range out.colsDeleted {
			r.e.emit(Event{Kind: EventColumnDeleted, Connection: key, Root: root, Column: &out.colsDeleted[i]})
		}
		for i := range out.colsChanged {
			r.e.emit(Event{Kind: EventColumnChanged, Connection: key, Root: root, Column: &out.colsChanged[i]})
		}
		for i := range refs {
			r.e.emit(Event{Kind: EventRequestRaised, Connection: key, Root: root, Request: &refs[i]})
		}
	}
	for i := range out.conflicts {
		r.e.emit(Event{Kind: EventConflict, Connection: key, Root: root, Conflict: &out.conflicts[i]})
	}
}

// progress reports what has been crawled to RunOptions.Progress.
func (r *run) progress() {
	fn := r.ro.Progress
	if fn == nil {
		return
	}
	r.progMu.Lock()
	defer r.progMu.Unlock()
	fn(Progress{
		Connection: r.conn.Key,
		Databases:  r.nDBs.Load(), Schemas: r.nSchemas.Load(), Tables: r.nTables.Load(), Columns: r.nColumns.Load(),
		SchemasDone: r.nDone.Load(),
		Elapsed:     r.e.now().Sub(r.started),
	})
}

// finish completes the report, records the connection's last sync and
// emits EventFinished.
func (r *run) finish(ctx context.Context) (*Report, error) {
	r.mu.Lock()
	rep := r.rep
	r.mu.Unlock()
	rep.Finished = r.e.now()
	rep.Duration = rep.Finished.Sub(rep.Started)
	rep.Counts.Databases, rep.Counts.Schemas = r.nDBs.Load(), r.nSchemas.Load()
	rep.Counts.Tables, rep.Counts.Columns = r.nTables.Load(), r.nColumns.Load()
	byPath := func(a, b ObjectChange) int { return a.Path.Compare(b.Path) }
	byCol := func(a, b ColumnChange) int {
		return cmp.Or(a.Table.Compare(b.Table), strings.Compare(a.Column, b.Column))
	}
	slices.SortFunc(rep.Added, byPath)
	slices.SortFunc(rep.Deleted, byPath)
	slices.SortFunc(rep.Reactivated, byPath)
	slices.SortFunc(rep.ColumnsAdded, byCol)
	slices.SortFunc(rep.ColumnsDeleted, byCol)
	slices.SortFunc(rep.ColumnsChanged, byCol)
	slices.SortFunc(rep.Conflicts, func(a, b Conflict) int {
		return cmp.Or(a.Container.Compare(b.Container), strings.Compare(a.Name, b.Name))
	})
	slices.SortFunc(rep.Failed, func(a, b Failure) int {
		return cmp.Or(a.Path.Compare(b.Path), strings.Compare(a.Op, b.Op))
	})
	slices.SortFunc(rep.Requests, func(a, b RequestRef) int {
		return cmp.Or(a.Table.Compare(b.Table), strings.Compare(a.Column, b.Column), strings.Compare(a.Kind, b.Kind))
	})
	var err error
	if cerr := ctx.Err(); cerr != nil {
		err = connections.Wrap("sync", r.root.String(), cerr)
	} else if !r.dry && len(r.root) == 1 {
		r.recordLastSync(ctx, rep.Finished)
	}
	c := rep.Counts
	r.e.log.Info("sync finished", "connection", r.conn.Key, "root", r.root.String(), "dry_run", r.dry,
		"duration", rep.Duration, "tables", c.Tables, "unchanged", c.Unchanged, "added", c.Added,
		"deleted", c.Deleted, "reactivated", c.Reactivated, "updated", c.Updated,
		"conflicts", c.Conflicts, "failed", c.Failed, "err", err)
	out := &rep
	if !r.dry {
		r.e.emit(Event{Kind: EventFinished, Connection: r.conn.Key, Root: r.root, Report: out, Err: err})
	}
	return out, err
}

// recordLastSync stamps the connection's LastSync after a sync of the
// whole connection, changing nothing else of the record (a settings
// change made meanwhile is kept) and never moving LastSync back.
func (r *run) recordLastSync(ctx context.Context, at time.Time) {
	_, err := store.ModifyConnection(ctx, r.e.st, r.conn.Key, func(c *store.Connection) error {
		if at.After(c.LastSync) {
			c.LastSync = at
		}
		return nil
	})
	if err != nil {
		r.e.log.Warn("sync: record last sync", "connection", r.conn.Key, "err", err)
	}
}
