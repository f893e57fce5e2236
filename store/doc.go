// Package store defines where the library keeps what it knows: connections,
// the object hierarchy with its data dictionaries, tags, Data Owner grants,
// admins, validation requests and policies.
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
// change set that refers to objects that no longer exist gives ErrConflict,
// and so does an update of a connection record changed since it was read
// (its Revision). [ModifyConnection] reads, changes and writes a record
// without losing a concurrent update: in one step on a store that is a
// [ConnectionModifier] (every store here is), by retrying otherwise. A
// method that fails writes nothing.
//
// Secrets never reach a store: a [Connection] holds configuration, never
// credentials.
//
// # Implementing a store
//
// What the contract asks of a method's input does not depend on the
// backend, and is checked in one place: an implementation calls
// [ValidateConnection], [ValidateChangeSet], [ValidateSettingsUpdate],
// [ValidateObjectPath], [ValidateTagRef], [ValidateTagQuery],
// [ValidateGrant], [ValidateAdmin] or [ValidateValidation] first, before it reads or writes
// anything, so that every store rejects malformed input with the same
// error. Each takes op, the name of the caller's operation (such as
// "mystore.Apply"), and returns nil or a *connections.Error with that Op
// and, as Path, the path, key or ID concerned, which matches
// ErrInvalidInput (or, for a name a change set adds twice,
// ErrAlreadyExists). The implementation then checks what depends on what it
// holds (a container that no longer exists, a taken name) and what its
// backend cannot store, maps its driver's errors to the sentinels, and
// orders grants with [CompareGrants] and admins with [CompareSubjects].
package store
