// Package trino is the connector for Trino clusters, built on
// github.com/trinodb/trino-go-client (v1.1.0). It maps a cluster to the
// hierarchy as cluster > catalog > schema > table (B1).
//
// Open it through [Technology] and a connectors.Registry, with [Open], or
// with [New] on a *sql.DB the host opened itself with the trino driver.
//
// # Configuration
//
// Config keys (non-secret, stored with the connection):
//
//   - "server" (required): the coordinator's URI, scheme and host with an
//     optional port, such as "https://trino.example.com:8443". No path, no
//     user info: the user and the secrets have keys of their own.
//   - "user" (required): the Trino user, sent as X-Trino-User and used for
//     Basic authentication with a password.
//   - "source": the X-Trino-Source of the queries; default
//     "govkit-connections".
//   - "catalogs": comma-separated catalogs to list; default all.
//   - "exclude_catalogs": comma-separated catalogs never listed, such as
//     "system,jmx".
//   - "table_comments": "false" skips system.metadata.table_comments,
//     which some connectors answer slowly; default "true".
//   - "ssl_verification": FULL (default), CA or NONE.
//   - "ssl_cert": PEM of a certificate (or CA) to trust for https.
//   - "ssl_cert_path": path of such a PEM file.
//   - "query_timeout": the longest one metadata query may run, as a Go
//     duration such as "2m"; default no limit beyond the caller's context.
//
// Credentials keys (secrets, supplied at run time, never stored or
// printed):
//
//   - "password": Basic authentication of "user"; requires https.
//   - "access_token": a JWT sent as a bearer token.
//
// At most one of them may be set; with neither, the cluster must accept the
// user without authentication. Errors and logs never contain either: the
// connector removes them from any message that would.
//
// # Queries
//
// Every listing is one or a few plain SQL statements without bind
// parameters (names are quoted as identifiers or literals), so the number
// of round trips grows with the number of schemas, never with tables:
//
//	Databases: SELECT catalog_name FROM system.metadata.catalogs
//	Schemas:   SELECT schema_name FROM "<catalog>".information_schema.schemata
//	Tables:    "<catalog>".information_schema.tables and .columns filtered by
//	           table_schema; system.metadata.materialized_views and
//	           system.metadata.table_comments filtered by catalog and schema
//
// information_schema.tables reports only BASE TABLE and VIEW; materialized
// views are told apart through system.metadata.materialized_views. A
// catalog whose connector is broken fails only the listings of that
// catalog.
//
// # Retries
//
// Each failure is retried by one loop only. A connector made by [Open]
// turns the driver's own request retries off and runs a query again, with
// jittered exponential backoff, when it fails with HTTP 429, 502, 503 or
// 504 or a refused connection (Options.RetryAttempts, 4 attempts by
// default). On a *sql.DB given to [New], those are left to the driver,
// which retries them per request for up to two minutes unless its DSN
// says otherwise (request_retry_timeout, request_retry_max_attempts).
// Either way, a query that fails with a Trino error saying the cluster is
// starting, shutting down or out of nodes is run again. The server's
// Retry-After is honoured only by the driver's retries: the driver does
// not pass it on.
//
// # Errors
//
// Errors are *connections.Error values naming the step and the object.
// HTTP 401 and 403 and the Trino error PERMISSION_DENIED match
// connections.ErrPermissionDenied; CATALOG_NOT_FOUND, SCHEMA_NOT_FOUND and
// TABLE_NOT_FOUND, a schema that does not exist and a catalog left out by
// the configuration match connections.ErrNotFound; a cancelled or expired
// context matches ctx.Err(). The driver's *trino.ErrQueryFailed and
// *trino.ErrTrino stay reachable with errors.As.
package trino
