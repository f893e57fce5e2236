package sync

import (
	"errors"
	"time"

	"github.com/govkit/connections/hierarchy"
)

// Report is what one sync did (B18). Lists hold at most
// Options.MaxReportEntries entries each (Truncated says when one was cut);
// Counts are always complete. In a dry run the report says what the sync
// would have done.
type Report struct {
	// Connection is the key of the connection synced.
	Connection string `json:"connection"`
	// Root is the path of the object the sync ran on: the host for a
	// whole connection, or a database, schema or table.
	Root hierarchy.Path `json:"root"`
	// DryRun reports that nothing was written.
	DryRun bool `json:"dry_run"`
	// Started and Finished are the times, by Options.Now, the sync began
	// and ended; Duration is the time between.
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Duration time.Duration `json:"duration_ns"`
	// Added are the objects found on the platform and created. Their
	// children are created with them and are not listed separately, except
	// tables, which are always listed.
	Added []ObjectChange `json:"added,omitempty"`
	// Deleted are the objects the platform no longer lists, marked deleted
	// remotely with everything under them (B12).
	Deleted []ObjectChange `json:"deleted,omitempty"`
	// Reactivated are objects marked deleted that the platform lists again;
	// they keep their settings, grants and tags (B12).
	Reactivated []ObjectChange `json:"reactivated,omitempty"`
	// ColumnsAdded, ColumnsDeleted and ColumnsChanged are the changes to the
	// data dictionaries of existing tables (B13).
	ColumnsAdded   []ColumnChange `json:"columns_added,omitempty"`
	ColumnsDeleted []ColumnChange `json:"columns_deleted,omitempty"`
	ColumnsChanged []ColumnChange `json:"columns_changed,omitempty"`
	// Conflicts are names the platform lists more than once in one
	// container (B16). The objects of those names are left as they were.
	Conflicts []Conflict `json:"conflicts,omitempty"`
	// Failed are the subtrees that could not be synced, or only in part,
	// with the reason (B17). Nothing under a failed listing was deleted or
	// disabled.
	Failed []Failure `json:"failed,omitempty"`
	// Requests are the validation requests raised (B22).
	Requests []RequestRef `json:"requests,omitempty"`
	// Counts sums up the run.
	Counts Counts `json:"counts"`
	// Truncated reports that at least one list above was cut at
	// Options.MaxReportEntries.
	Truncated bool `json:"truncated,omitempty"`
}

// Err returns the errors of the failed subtrees joined, or nil when no
// subtree failed. Each error names its step and path and matches the
// sentinels of package connections (and context errors) with errors.Is.
func (r *Report) Err() error {
	if r == nil || len(r.Failed) == 0 {
		return nil
	}
	errs := make([]error, len(r.Failed))
	for i, f := range r.Failed {
		errs[i] = f.Err
	}
	return errors.Join(errs...)
}

// Counts are the totals of a sync.
type Counts struct {
	// Databases, Schemas, Tables and Columns count what the platform
	// listed (crawled) in the synced subtree.
	Databases int64 `json:"databases"`
	Schemas   int64 `json:"schemas"`
	Tables    int64 `json:"tables"`
	Columns   int64 `json:"columns"`
	// Unchanged counts schemas whose listing had the fingerprint recorded
	// by the previous sync: they were neither compared nor written.
	Unchanged int64 `json:"unchanged"`
	// Applied counts change sets written to the store (or, in a dry run,
	// that would have been).
	Applied int64 `json:"applied"`
	// Added, Deleted, Reactivated and Updated count objects; Updated are
	// objects whose type, comment or columns changed.
	Added       int64 `json:"added"`
	Deleted     int64 `json:"deleted"`
	Reactivated int64 `json:"reactivated"`
	Updated     int64 `json:"updated"`
	// ColumnsAdded, ColumnsDeleted and ColumnsChanged count column changes
	// of existing tables.
	ColumnsAdded   int64 `json:"columns_added"`
	ColumnsDeleted int64 `json:"columns_deleted"`
	ColumnsChanged int64 `json:"columns_changed"`
	// Conflicts, Failed and Requests count the entries of those lists.
	Conflicts int64 `json:"conflicts"`
	Failed    int64 `json:"failed"`
	Requests  int64 `json:"requests"`
}

// ObjectChange names an object a sync added, marked deleted or
// reactivated.
type ObjectChange struct {
	ID   hierarchy.ID   `json:"id"`
	Path hierarchy.Path `json:"path"`
	Kind hierarchy.Kind `json:"kind"`
	// Type is the platform's object type, such as "TABLE" or "VIEW".
	Type string `json:"type,omitempty"`
}

// ColumnChange is a change to one column of a table's data dictionary.
// Old is nil for an added column, New for a deleted one.
type ColumnChange struct {
	Table   hierarchy.Path    `json:"table"`
	TableID hierarchy.ID      `json:"table_id"`
	Column  string            `json:"column"`
	Old     *hierarchy.Column `json:"old,omitempty"`
	New     *hierarchy.Column `json:"new,omitempty"`
}

// Conflict is a name listed more than once in one container (B16): the
// platform exposes several objects the hierarchy cannot tell apart. The
// stored object of that name, if any, is left as it was; the rest of the
// container is synced.
type Conflict struct {
	// Container is the path of the host, database, schema or (for
	// columns) table that lists the name more than once.
	Container hierarchy.Path `json:"container"`
	// Kind is the kind of the objects that share the name.
	Kind hierarchy.Kind `json:"kind"`
	// Name is the shared name; Count how many objects carry it.
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Failure is a subtree a sync could not sync, or not completely (B17).
type Failure struct {
	// Path is the root of the subtree left as it was.
	Path hierarchy.Path `json:"path"`
	// Op is the step that failed: "list databases", "list schemas", "list
	// tables", "list tags", "snapshot", "apply", "fail-safe", "policy" or
	// "open tag connector".
	Op string `json:"op"`
	// Err is the cause; it names the step and the path and matches the
	// sentinels of package connections. Error is its text.
	Err   error  `json:"-"`
	Error string `json:"error"`
}

// RequestRef names a validation request a sync raised.
type RequestRef struct {
	ID     hierarchy.ID   `json:"id"`
	Kind   string         `json:"kind"`
	Table  hierarchy.Path `json:"table"`
	Column string         `json:"column"`
}

// Progress is what a sync has crawled so far, given to
// RunOptions.Progress.
type Progress struct {
	Connection string `json:"connection"`
	// Databases, Schemas, Tables and Columns listed so far.
	Databases int64 `json:"databases"`
	Schemas   int64 `json:"schemas"`
	Tables    int64 `json:"tables"`
	Columns   int64 `json:"columns"`
	// SchemasDone counts schemas fully handled (compared, skipped or
	// failed).
	SchemasDone int64 `json:"schemas_done"`
	// Elapsed is the time since the sync started.
	Elapsed time.Duration `json:"elapsed_ns"`
}
