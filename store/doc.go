// Package store defines where the library keeps what it knows: connections,
// the object hierarchy with its data dictionaries, tags, Data Owner grants,
// validation requests and policies.
//
// [Store] is composed of small role interfaces so that a package asks only
// for what it uses. Implementations: [github.com/govkit/connections/store/memstore]
// (in memory, for tests and embedding), sqlitestore (one file) and pgstore
// (PostgreSQL, many replicas). Every implementation passes the conformance
// suite in [github.com/govkit/connections/store/storetest].
//
// # Contract
//
// Every method is safe for concurrent use. Values passed in are not
// retained; values returned are copies the caller owns. Errors match the
// sentinels of package connections with errors.Is: a missing connection,
// object, request, grant or tag gives ErrNotFound; a taken key, a duplicate
// name under one parent, a duplicate grant or tag gives ErrAlreadyExists; a
// change set that refers to objects that no longer exist gives ErrConflict.
// A method that fails writes nothing.
//
// Secrets never reach a store: a [Connection] holds configuration, never
// credentials.
package store
