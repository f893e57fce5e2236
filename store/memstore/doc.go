// Package memstore is an in-memory [store.Store], [store.Locker],
// [store.ChildLister] and [store.ConnectionModifier]: for tests, examples,
// policy unit tests of host applications, and embedding where nothing
// needs to outlive the process.
// It passes the conformance suite in
// [github.com/govkit/connections/store/storetest].
//
//	s := memstore.New(nil)
//	defer s.Close()
//
// # Scale
//
// A table with ten columns costs about 450 bytes, so a platform of a
// million such tables takes under 500 MB. Objects are compact records:
// strings that repeat
// (column names and types, object types, tag names and values) are kept
// once in a string table that only grows, columns and tags are slices of
// small pointer-free records, and counts of descendants are kept up to
// date on every write. Children are indexed by name, with a sorted list
// rebuilt lazily after changes, so paging through a million children
// costs a binary search per page; tags are indexed by name per
// connection, so FindByTag never scans objects.
//
// # Concurrency
//
// One read-write mutex guards the store, and writers hold it briefly:
// Apply checks the change set's shape and builds its records before
// taking the lock, then checks it against the store and writes it, all or
// nothing. Reads copy compact records under the lock and build the values
// they return (which the caller owns) after releasing it.
//
// # Leases
//
// TryLock gives in-process leases: a lease is held until it is released or
// until its ttl has passed after the context given to TryLock is done,
// which is how a holder that dies is modelled.
package memstore
