package perms_test

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
)

// Shape of the benchmark hierarchy: 10 databases of 100 schemas of 1,000
// tables (1,000,000 tables), with 10,000 grants: 10 on databases, 990 on
// schemas, 9,000 on tables, to 1,000 users and 100 groups.
const (
	benchDBs     = 10
	benchSchemas = 100 // per database
	benchTables  = 1000
	benchGrants  = 10000
)

type benchWorld struct {
	hostID  hierarchy.ID
	dbs     []hierarchy.ID
	schemas []hierarchy.ID // benchDBs*benchSchemas
	tables  []hierarchy.ID // benchDBs*benchSchemas*benchTables
	grants  []store.Grant
	users   []perms.Principal
}

func seqID(kind byte, n int) hierarchy.ID {
	var id hierarchy.ID
	id[0] = kind
	binary.BigEndian.PutUint64(id[8:], uint64(n)*0x9E3779B97F4A7C15) // spread over the map's hash
	id[6] = 0x70
	id[8] = id[8]&0x3f | 0x80
	return id
}

func newBenchWorld() *benchWorld {
	w := &benchWorld{hostID: seqID(1, 0)}
	for i := range benchDBs {
		w.dbs = append(w.dbs, seqID(2, i))
	}
	w.schemas = make([]hierarchy.ID, benchDBs*benchSchemas)
	for i := range w.schemas {
		w.schemas[i] = seqID(3, i)
	}
	w.tables = make([]hierarchy.ID, len(w.schemas)*benchTables)
	for i := range w.tables {
		w.tables[i] = seqID(4, i)
	}
	subject := func(i int) store.Subject {
		if i%10 == 0 {
			return store.Subject{Kind: store.SubjectGroup, Name: fmt.Sprintf("group%03d", i/10%100)}
		}
		return store.Subject{Kind: store.SubjectUser, Name: fmt.Sprintf("user%04d", i%1000)}
	}
	add := func(i int, obj hierarchy.ID) {
		w.grants = append(w.grants, store.Grant{Connection: "k", Object: obj, Subject: subject(i), Role: store.RoleDataOwner, GrantedAt: t0})
	}
	n := 0
	for _, db := range w.dbs {
		add(n, db)
		n++
	}
	for i := 0; n < 1000; i++ {
		add(n, w.schemas[i*7%len(w.schemas)])
		n++
	}
	for i := 0; n < benchGrants; i++ {
		add(n, w.tables[i*104729%len(w.tables)])
		n++
	}
	for i := range 100 {
		w.users = append(w.users, perms.User(fmt.Sprintf("user%04d", i*7), fmt.Sprintf("group%03d", i), fmt.Sprintf("group%03d", (i+50)%100), "everyone"))
	}
	return w
}

// table sets obj to the i-th table, as a host holding the object would
// have it.
func (w *benchWorld) table(obj *hierarchy.Object, i int) {
	s := i / benchTables
	obj.ID = w.tables[i]
	obj.Ancestors = [3]hierarchy.ID{w.hostID, w.dbs[s/benchSchemas], w.schemas[s]}
}

// BenchmarkIsOwner checks ownership of tables spread over 1,000,000
// tables against 10,000 grants, through the Resolver (freshness check and
// input validation included) and against a Snapshot directly.
func BenchmarkIsOwner(b *testing.B) {
	w := newBenchWorld()
	gs := &grantList{grants: w.grants}
	path := hierarchy.Path{"k", "d", "s", "t"} // only its length matters
	run := func(b *testing.B, check func(p perms.Principal, obj *hierarchy.Object) bool) {
		obj := hierarchy.Object{Path: path}
		owned := 0
		b.ReportAllocs()
		start := time.Now()
		i := 0
		for b.Loop() {
			w.table(&obj, (i*7919)%len(w.tables))
			if check(w.users[i%len(w.users)], &obj) {
				owned++
			}
			i++
		}
		b.ReportMetric(float64(i)/time.Since(start).Seconds(), "checks/s")
		b.ReportMetric(float64(owned)/float64(i), "owned/check")
	}
	b.Run("Resolver", func(b *testing.B) {
		r := perms.NewResolver(gs, nil)
		ctx := b.Context()
		if s, err := r.Snapshot(ctx); err != nil || s.Len() != benchGrants {
			b.Fatalf("snapshot: %v", err)
		}
		run(b, func(p perms.Principal, obj *hierarchy.Object) bool {
			ok, err := r.IsOwner(ctx, p, obj)
			if err != nil {
				b.Fatal(err)
			}
			return ok
		})
	})
	b.Run("Snapshot", func(b *testing.B) {
		s := perms.NewSnapshot(w.grants)
		run(b, s.IsOwner)
	})
	// Check is what the facade asks before every call: stored admins
	// first, then ownership. It is measured on owned tables only, where
	// it allows (a denial builds its error).
	b.Run("CheckAllowed", func(b *testing.B) {
		r := perms.NewResolver(gs, nil)
		ctx := b.Context()
		s := perms.NewSnapshot(w.grants)
		type pair struct{ user, table int }
		var owned []pair
		obj := hierarchy.Object{Path: path}
		for i := 0; len(owned) < 10000 && i < 20*len(w.tables); i++ {
			w.table(&obj, (i*7919)%len(w.tables))
			if s.IsOwner(w.users[i%len(w.users)], &obj) {
				owned = append(owned, pair{i % len(w.users), (i * 7919) % len(w.tables)})
			}
		}
		if len(owned) == 0 {
			b.Fatal("no owned table found")
		}
		if _, err := r.Snapshot(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		start := time.Now()
		i := 0
		for b.Loop() {
			pr := owned[i%len(owned)]
			w.table(&obj, pr.table)
			if err := r.Check(ctx, w.users[pr.user], perms.ActionSync, &obj); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(i)/time.Since(start).Seconds(), "checks/s")
	})
}

// BenchmarkNewSnapshot measures rebuilding the index of 10,000 grants, as
// a Resolver does after a grant change or every MaxAge.
func BenchmarkNewSnapshot(b *testing.B) {
	w := newBenchWorld()
	b.ReportAllocs()
	for b.Loop() {
		perms.NewSnapshot(w.grants)
	}
}
