// Package connections is the root of govkit/connections, an embeddable
// library that registers a whole data platform (Snowflake, Databricks Unity
// Catalog, Trino, PostgreSQL) as one connection, keeps the platform's
// Host > Database > Schema > Table > Column hierarchy in a pluggable store,
// keeps it in step by a concurrent object sync, tags what it finds,
// resolves Data Owner permissions that inherit down the hierarchy, and asks
// owners to validate column changes.
//
// This package holds only what every other package shares: the sentinel
// errors a caller matches with errors.Is, and the [Error] type that names
// the operation and path an error concerns.
//
// # Packages
//
//   - hierarchy: kinds, objects, paths with escaping, settings.
//   - connection: the facade a host uses: register, browse, sync, govern.
//   - sync: the concurrent, diff-based object sync engine and scheduler.
//   - connectors: the Connector interface and technology registry, with
//     memory, postgres, snowflake, trino and databricks implementations.
//   - store: the Store interface, with memstore, sqlitestore and pgstore.
//   - tags, perms, requests: connection tags, Data Owner grants, and
//     validation requests.
package connections
