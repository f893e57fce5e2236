package sync_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	objsync "github.com/govkit/connections/sync"
)

// bulkOnly is a connector that lists whole databases (DatabaseLister) and
// reads no tags, as the PostgreSQL connector does.
type bulkOnly struct {
	connectors.Connector
	connectors.DatabaseLister
}

func (v *env) bulkConnector() *objsync.RunOptions {
	c := v.p.Connector(nil)
	return &objsync.RunOptions{Connector: bulkOnly{Connector: c, DatabaseLister: c}}
}

// TestSync_DatabaseListerOneCallPerDatabase: with a connector that lists a
// whole database at once, sync makes one listing per database instead of
// one per schema, and the result is the same.
func TestSync_DatabaseListerOneCallPerDatabase(t *testing.T) {
	v := newEnv(t, nil)
	for i := range 5 {
		v.schema("DB", fmt.Sprintf("S%d", i), 3)
	}
	v.must(v.p.AddSchema("DB", "EMPTY", ""))
	v.p.ResetCalls()
	rep := v.sync(v.bulkConnector())
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	if got := v.p.Calls(memory.MethodTables); got != 0 {
		t.Fatalf("%d Tables calls, want none", got)
	}
	if got := v.p.Calls(memory.MethodDatabaseTables); got != 1 {
		t.Fatalf("%d DatabaseTables calls, want 1", got)
	}
	if rep.Counts.Tables != 15 || rep.Counts.Schemas != 6 {
		t.Fatalf("counts %+v", rep.Counts)
	}
	v.obj("snow.DB.S4.t2")
	v.obj("snow.DB.EMPTY")

	v.must(v.p.DropTable("DB", "S1", "t0"))
	rep = v.sync(v.bulkConnector())
	if rep.Counts.Deleted != 1 || v.obj("snow.DB.S1.t0").State != hierarchy.DeletedRemotely {
		t.Fatalf("the dropped table must be marked deleted: %+v", rep.Counts)
	}
	if rep.Counts.Unchanged != 5 {
		t.Fatalf("unchanged schemas are skipped by fingerprint: %+v", rep.Counts)
	}
}

// TestSync_B17_DatabaseListerFailureLeavesUnlistedSchemas: a bulk listing
// that fails part way syncs the schemas it delivered and leaves the rest
// as they were, reported.
func TestSync_B17_DatabaseListerFailureLeavesUnlistedSchemas(t *testing.T) {
	v := newEnv(t, nil)
	for i := range 4 {
		v.schema("DB", fmt.Sprintf("S%d", i), 2)
	}
	v.syncClean()
	for i := range 4 {
		v.must(v.p.DropTable("DB", fmt.Sprintf("S%d", i), "t0"))
	}
	v.must(v.p.InjectFault(memory.Fault{Method: memory.MethodDatabaseTables, Database: "DB", Schema: "S2", Err: errors.New("connection reset")}))
	rep := v.sync(v.bulkConnector())
	for i, want := range []hierarchy.State{hierarchy.DeletedRemotely, hierarchy.DeletedRemotely, hierarchy.Active, hierarchy.Active} {
		if got := v.obj(fmt.Sprintf("snow.DB.S%d.t0", i)).State; got != want {
			t.Fatalf("S%d.t0: %v, want %v", i, got, want)
		}
	}
	if len(rep.Failed) != 2 {
		t.Fatalf("S2 and S3 must be reported: %+v", rep.Failed)
	}
}
