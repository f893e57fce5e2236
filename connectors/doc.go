// Package connectors defines what the library needs from a data platform:
// the [Connector] interface, its optional abilities, the credentials a host
// supplies at run time, and a [Registry] of technologies that needs no
// global state.
//
// A connector lists one level of the hierarchy per call: the databases of
// the host, the schemas of a database, the tables of a schema with their
// columns. The number of calls therefore grows with the number of schemas,
// never with the number of tables. Optional abilities are discovered by
// type assertion, as database/sql does with its drivers:
//
//   - [TagReader]: the platform's own tags on tables and columns (B20).
//   - [DatabaseLister]: every table of a database in one pass.
//
// Connector implementations live in sub-packages (memory, postgres,
// snowflake, trino, databricks); only those import vendor SDKs. Each runs
// the conformance suite in connectortest.
package connectors
