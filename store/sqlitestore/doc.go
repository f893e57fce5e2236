// Package sqlitestore is a [store.Store], [store.Locker],
// [store.ChildLister] and [store.ConnectionModifier] kept in one SQLite
// file, through the pure-Go driver modernc.org/sqlite (no cgo). It
// is the default persistent store of the examples and the CLI, and passes
// the conformance suite in
// [github.com/govkit/connections/store/storetest].
//
//	s, err := sqlitestore.Open(ctx, "connections.db", nil)
//	if err != nil {
//		return err
//	}
//	defer s.Close()
//
// A host that keeps its own pool passes it to [NewWithDB] instead.
//
// # The file
//
// Open creates the file if it does not exist, and creates or migrates its
// schema in one transaction: a list of versioned migration steps, applied
// in order, the version kept in PRAGMA user_version. The file is marked
// with PRAGMA application_id ([ApplicationID]). A file that is not SQLite,
// or is an SQLite database of another application, gives [ErrForeignFile];
// one written by a newer version of this package gives [ErrSchemaTooNew].
// Neither is changed.
//
// The file is in WAL mode: reads run while a write commits, and several
// processes may share the file. Connections use synchronous=NORMAL: a
// commit survives the process being killed at any moment and the file is
// never corrupted, but after a power loss or an operating system crash
// the last commits may be rolled back (re-running the sync puts them
// back). That saves an fsync per change set, which at one change set per
// schema dominates a sync; Options.FullSync trades it back for
// durability of every commit.
//
// # Atomicity and crashes
//
// Every write is one SQLite transaction (BEGIN IMMEDIATE ... COMMIT), so
// a change set — a schema's tables, their columns, tags and requests — is
// applied whole or not at all, also when the process is killed halfway,
// the context is cancelled or the disk fills: a later open finds the old
// state or the new one, never part of it. Deleting a connection or an
// object is one transaction too; it works a schema at a time with
// set-based DELETEs over index ranges, so memory holds one schema's worth
// at most, whatever the size of the connection.
//
// # Layout
//
// Each object is one row keyed by its depth and an order-preserving
// encoding of its path, so a container's children are one index range in
// name order (byte order), and so is everything below an object at each
// level: Snapshot, Children, cascading marks and deletes are range scans.
// A table's columns and the tags on the object and its columns are BLOBs
// in its row, so Snapshot of a schema reads one row per table; the tags
// are also rows of a tags table kept in FindByTag's order (by name, then
// path). Counts of children and descendants are kept in the rows by every
// write. A container's fingerprint is a column of its row, so an
// unchanged schema costs a sync one indexed read of its database's
// children.
//
// Foreign keys are on; they tie grants and requests to their connection.
// The objects and tags tables, written a million rows at a time by an
// initial sync, are kept consistent by the store's own set-based writes
// rather than per-row checks.
//
// # Concurrency
//
// SQLite has one writer at a time. A Store queues its own writes (fairly,
// and a cancelled context leaves the queue), and waits up to
// Options.BusyTimeout for another process's write; reads do not wait.
// Every write transaction takes the write lock with its first statement,
// so it never fails with SQLITE_BUSY halfway; what stays busy longer than
// BusyTimeout is an error that says so.
//
// The statements a sync runs are prepared once per connection. Open keeps
// one connection for writes (its page cache stays valid from one write to
// the next) and the others for reads. A store never holds one pooled
// connection while it waits for another, so a pool of any size, one
// included, cannot deadlock it. NewWithDB sets
// busy_timeout, foreign_keys, synchronous and the WAL checkpoint interval
// on each connection before it writes with it.
//
// # Performance
//
// On a shared 2-core machine, the change set of a schema of 1,000 tables
// of ten columns is written in about 6 ms (one transaction), a schema is
// read back (Snapshot) in about 4 ms, and an initial sync of a million
// such tables takes about 6.5 s: a little less than writing the same rows
// into the same tables with a plain batched insert, and about 1.4 times
// writing them into tables without keys or indexes (the indexes are what
// Snapshot, Object and FindByTag read). New rows go in by multi-row
// INSERT OR FAIL statements (no statement journal: a failed change set is
// rolled back whole), binding once the values a schema's rows share. A sync that finds every schema unchanged
// reads one row per schema and writes nothing. Deleting a connection of a
// million objects takes a few seconds in bounded memory. See
// BENCHMARKS.md.
//
// # Errors
//
// Errors are *connections.Error values naming the operation, and match
// the sentinels of package connections: a violated uniqueness gives
// ErrAlreadyExists, a read-only file ErrPermissionDenied, a cancelled
// context context.Canceled. A file held by another process's write for
// longer than BusyTimeout, a full disk or an I/O error give an error that
// says so.
//
// # Leases
//
// TryLock keeps leases in a table of the file, with an expiry that a
// goroutine renews while the holder's context lives, so that processes
// sharing the file never sync one connection at once.
package sqlitestore
