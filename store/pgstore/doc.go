// Package pgstore is a [store.Store], [store.Locker], [store.ChildLister]
// and [store.ConnectionModifier] over PostgreSQL, through
// github.com/jackc/pgx/v5: for hosts that run several replicas on
// one database, and for platforms of millions of objects. It passes the
// conformance suite in [github.com/govkit/connections/store/storetest].
//
//	s, err := pgstore.Open(ctx, "postgres://app@db:5432/gov?sslmode=require", nil)
//	...
//	defer s.Close()
//
// [NewWithPool] builds a store over the host's own *pgxpool.Pool, which
// the host keeps (Close leaves it open), like OpenFGA's NewWithDB.
//
// # Schema and migrations
//
// Every table lives in one PostgreSQL schema (Options.Schema, default
// "govkit"), so several stores can share a database. Open creates the
// schema and applies the versioned migrations that are missing, each in
// one transaction holding an advisory lock on the schema's name, so
// replicas that start at once migrate it once. A schema migrated by a
// newer version of this package gives ErrNewerSchema; a schema holding
// tables of something else gives ErrForeignSchema; in both cases nothing
// is written. Options.SkipMigrate leaves migrating to Store.Migrate.
//
// Tables: connections; objects (one row per host, database, schema or
// table, with its ancestors' IDs, a name in COLLATE "C" so that every
// listing sorts in byte order, UNIQUE (parent_id, name), its fingerprint
// (a container's listing, a table's own entry) and count of children,
// and a table's whole data dictionary as one encoded bytea value, so that
// a table is written and read as one row); tags (one row per tag on an object or column, with the object's
// path, indexed by name and path so FindByTag pages in path order);
// grants; requests; policies; leases; schema_version.
//
// # Writes
//
// Apply runs a change set in one transaction: a crash, a kill or a lost
// connection at any moment leaves the old or the new state of the
// container, never part of it, and running the sync again converges. It
// takes a shared advisory lock on each of the container's ancestors and
// then the container's row lock, top down, and checks the change set
// against what is stored in the same round trip; new children and their
// tags go in by COPY (in the binary format, encoded without the driver's
// per-value reflection), and updates, deletions, tag changes and requests
// by one batch of set-based statements over arrays, never a statement
// per row. Applies on one container run one at a time; on different
// containers, in parallel. DeleteObject, DeleteConnection and
// UpdateSettings with ResetDescendants work on the subtree level by level
// in the database (each level found through the parent index from the
// one above), in one transaction, without loading it into this process;
// DeleteObject and DeleteConnection take the exclusive advisory lock of
// the object they delete, so nothing is added below it meanwhile.
// Transactions PostgreSQL aborts to break a deadlock are run again.
//
// Statements are written so that their plans do not depend on
// statistics (a table just bulk-loaded has none): tags are looked up per
// object through their primary key, subtrees through the parent index.
// Open turns JIT compilation off for its connections.
//
// Descendant counts are not maintained on every ancestor (that would make
// every Apply under a host contend for the host's row): each container
// keeps its count of children, and descendants are summed over the
// containers below, never over tables.
//
// # Leases
//
// TryLock keeps a row per connection in the leases table with a random
// holder ID and an expiry set by the database's clock (so replicas need
// not agree on time), renewed every ttl/3 while the context given to
// TryLock lives. A holder that dies (or whose context ends) stops
// renewing and its lease lapses within ttl, after which another replica
// takes it over. Session-level advisory locks were not used: they pin a
// pooled connection for the length of a sync, and a network blip drops
// them silently while the holder keeps syncing.
//
// # Errors
//
// Errors are *connections.Error values naming the operation
// ("pgstore.Apply") and path, and match the sentinels of package
// connections: unique violations give ErrAlreadyExists, a refused login
// or missing privilege ErrPermissionDenied, values PostgreSQL rejects
// (such as a NUL byte in a name) ErrInvalidInput. A lost connection says
// so; its transaction is rolled back by the server, unless the
// connection was lost during COMMIT itself, in which case the error says
// that the outcome is unknown. Errors and logs never hold the DSN's
// password.
package pgstore
