// Package postgres is the PostgreSQL connector: a [connectors.Connector]
// that reads a server's databases, schemas and relations, with their
// columns, from pg_catalog through github.com/jackc/pgx/v5.
//
// # Hierarchy
//
// The levels are Server > Database > Schema > Relation (B1):
//
//   - Server: Host names it "host:port" as configured, with the server's
//     version; its type is "SERVER".
//   - Database: every pg_database row that allows connections, is not a
//     template, and that the user has CONNECT privilege on, listed through
//     a maintenance database ("postgres" by default). PostgreSQL binds a
//     session to one database, so the connector keeps one small pool per
//     database, opened on first use and closed when the connector is
//     closed or when more than [Options.MaxOpenDatabases] pools sit idle.
//   - Schema: every pg_namespace row except information_schema and the
//     system schemas whose names start with pg_ (pg_catalog, pg_toast,
//     temporary schemas).
//   - Relation: pg_class rows of kind r (TABLE), p (PARTITIONED_TABLE),
//     v (VIEW), m (MATERIALIZED_VIEW) and f (FOREIGN_TABLE), mapped to the
//     hierarchy.Type constants (B2). Partitions (relispartition) are left
//     out by default, since their parent partitioned table already
//     describes their data; set [Options.IncludePartitions] (config key
//     "include_partitions") to list them too, each with the type of its own
//     kind (TABLE, or PARTITIONED_TABLE for a sub-partitioned one).
//
// Columns come from pg_attribute (user columns that are not dropped) with
// their type as format_type prints it (such as "character varying(20)" or
// "integer[]"), nullability (NOT attnotnull; view columns are nullable) and
// comment (col_description). Column positions are 1..n in attnum order:
// columns dropped earlier leave no gaps. Comments of databases, schemas and
// relations come from shobj_description and obj_description. Names keep
// their exact case, and are only ever sent as bind parameters.
//
// # Queries
//
// Databases, Schemas, Host and Check each run one catalog query. Tables
// runs two, one for the relations of the schema and one for all of their
// columns, sent together in a read-only REPEATABLE READ transaction as a
// single pipelined batch, so both see the same snapshot: a relation
// created or dropped meanwhile is either fully there or not at all. The
// connector also implements [connectors.DatabaseLister]: DatabaseTables
// lists every relation of a database with the same two queries, whatever
// the number of schemas, and streams the result to its caller one schema
// at a time. The first use of a database (and the first after its idle pool
// was closed) runs one more query, through the maintenance database, to
// check that the database is listed. The number of queries thus grows
// with schemas, never with tables. The batches work in every pgx query
// mode, so a host behind a pooler such as PgBouncer may set
// ConnConfig.DefaultQueryExecMode to pgx.QueryExecModeExec or
// pgx.QueryExecModeSimpleProtocol.
//
// # Configuration
//
// [Technology] registers the connector under the name "postgres". Its
// [connectors.Config] keys, none of them secret, are:
//
//   - host (required): the server's host name, IP address or Unix socket
//     directory; several comma-separated hosts are tried in turn.
//   - port: the TCP port, 5432 by default.
//   - user (required): the role to connect as.
//   - database: the maintenance database used to list the others,
//     "postgres" by default.
//   - sslmode: disable, allow, prefer (the default), require, verify-ca or
//     verify-full, as libpq reads it.
//   - sslrootcert: the file of the certificate authorities that verify-ca
//     and verify-full check the server's certificate against.
//   - connect_timeout: seconds to wait for a connection, 10 by default; 0
//     waits as long as the context allows.
//   - application_name: what pg_stat_activity shows,
//     "govkit-connections" by default.
//   - databases: an allow-list of the databases to list, as a JSON array
//     of names (["a", "b,c"]) or a comma-separated list (a, b); empty means
//     all. A database outside it is not found.
//   - exclude_databases: databases never to list, in the same form.
//   - include_partitions: "true" to list partitions as relations too.
//   - max_conns: the size of each database's pool, 4 by default.
//   - max_open_databases: how many databases' pools may stay open while
//     idle, 8 by default.
//
// The [connectors.Credentials] key is "password"; it may be left out when
// the server trusts the client, or when PGPASSWORD or a pgpass file gives
// it, as libpq does. Other PG* environment variables fill in settings the
// config leaves out. Passwords never appear in errors, logs or a printed
// Connector: the connector scrubs them from the driver's messages, and
// keeps the driver's connection errors, which hold the settings, out of
// the chains it returns.
//
// Hosts that build their own pgx configuration, for instance to add a
// tracer, TLS client certificates or a BeforeConnect hook, call [New] with
// a *pgxpool.Config instead.
//
// # Errors
//
// Errors name the step and the object ("postgres: list schemas of
// database \"x\": ..."). A database or schema that does not exist, or is
// not listed, wraps connections.ErrNotFound; refused credentials (SQLSTATE
// class 28), a missing CONNECT privilege and other privilege errors
// (42501) wrap connections.ErrPermissionDenied. A *pgconn.PgError from the
// server stays reachable with errors.As; the driver's connection errors,
// which carry the connection settings, do not. Connection refused or
// reset, administrator shutdown (57P01), crash shutdown (57P02), server
// starting up (57P03), too many connections (53300), serialization
// failures (40001) and deadlocks (40P01) are retried with backoff, as long
// as the context allows.
package postgres
