// Package databricks is a connector for Databricks Unity Catalog. It reads
// a metastore's catalogs, schemas, tables and columns over the Unity
// Catalog REST API (/api/2.1/unity-catalog) with net/http, and works with
// the hosted Databricks API and with a Unity Catalog OSS server.
//
// Levels map as Metastore > Catalog > Schema > Table (B1).
//
// # Opening
//
// [Technology] registers the connector in a connectors.Registry; its Open
// takes these Config keys (stored with the connection):
//
//   - host (required): the workspace URL, such as
//     https://adb-1234567890123456.7.azuredatabricks.net, or its host
//     name. It must use https, except for localhost (an OSS server).
//   - auth_type: "pat" (a personal access token, or any bearer token such
//     as a Microsoft Entra ID token) or "oauth-m2m" (a service principal's
//     OAuth client credentials). Default: oauth-m2m when client_id is set,
//     pat otherwise.
//   - client_id: the service principal's OAuth client ID (oauth-m2m).
//   - max_results: the page size sent with every listing. 0, the default
//     and what Databricks recommends, lets the server choose; larger values
//     are capped at the spec's maxima (50 for tables, 1000 for catalogs and
//     schemas).
//   - concurrency: requests in flight at once, 1 to 64; default 8.
//   - include_system: "true" to list the system catalog and each catalog's
//     information_schema; default false.
//   - tags: "off" (default), "tables" or "columns"; see Tags below.
//
// and these Credentials keys (supplied at run time, never stored):
//
//   - token: the personal access token (pat).
//   - client_secret: the OAuth client secret (oauth-m2m).
//
// Unknown Config keys are refused, so that a misspelt key is not silently
// ignored. [New] is the constructor behind Open: it takes a base URL, an
// *http.Client and [Options], and is the seam tests use to point the
// connector at an httptest server.
//
// # Requests
//
//   - Host: GET /metastore_summary. The host name is the metastore's name
//     (its ID on servers that give no name); its type is "METASTORE".
//   - Databases: GET /catalogs.
//   - Schemas: GET /schemas?catalog_name=.
//   - Tables: GET /tables?catalog_name=&schema_name=, which includes each
//     table's columns: one listing per schema, so round trips grow with
//     schemas, never with tables.
//
// Every listing sends max_results and follows next_page_token until it is
// absent or empty; a page may be empty and still carry a token. Names go
// into query parameters URL-encoded, and into path segments with
// url.PathEscape, so any name (periods, quotes, spaces, slashes, Unicode)
// reaches the server intact.
//
// Catalogs of type SYSTEM_CATALOG (the "system" catalog of Databricks
// system tables) and each catalog's information_schema are skipped unless
// include_system is set: they are read-only metadata that Databricks
// changes on its own schedule, and ingesting them would raise sync noise and
// validation requests no owner can act on. Catalogs of type
// INTERNAL_CATALOG (such as __databricks_internal, which holds the backing
// tables of pipelines and cannot be queried) are always skipped. The
// library's own internal catalog (B15) is excluded by the sync engine, not
// here.
//
// Table types map to hierarchy types (B2): MANAGED and
// MANAGED_SHALLOW_CLONE to TABLE (ICEBERG_TABLE when the data source format
// is ICEBERG), EXTERNAL and EXTERNAL_SHALLOW_CLONE to EXTERNAL_TABLE, VIEW,
// MATERIALIZED_VIEW, STREAMING_TABLE, and FOREIGN to FOREIGN_TABLE. Any
// other type, such as METRIC_VIEW, keeps the platform's name; a table with
// no type is a TABLE. Columns carry type_text, nullability (true when the
// server omits it, as the spec says), the comment, and their position: the
// API counts from 0, hierarchy from 1.
//
// # Retries, limits and errors
//
// Answers 429, 502, 503 and 504, and failed round trips, are retried with
// jittered exponential backoff that honours Retry-After (seconds or an HTTP
// date), up to 5 attempts. At most Options.Concurrency requests are in
// flight at once across all goroutines; a request waiting for a slot, a
// backoff, or a token honours its context.
//
// Error answers ({"error_code", "message"}) become an [*APIError], wrapped
// in a *connections.Error naming the step and the object, such as
// "databricks: list tables main.sales: HTTP 403 PERMISSION_DENIED: ...".
// RESOURCE_DOES_NOT_EXIST or 404 match connections.ErrNotFound;
// PERMISSION_DENIED, 401 and 403 match connections.ErrPermissionDenied. An
// answer that is not JSON (an HTML page from a proxy, say) gives an error
// naming its status and content type, never its body. Errors and logs never
// contain the token, the client secret or an access token (B7).
//
// # Authentication
//
// A personal access token is sent as "Authorization: Bearer <token>". With
// OAuth M2M the connector posts grant_type=client_credentials&scope=all-apis
// to https://<host>/oidc/v1/token with HTTP Basic client_id:client_secret,
// caches the access token until a minute before it expires (halfway through
// its life if that is shorter), and fetches a new one then, or at once when
// the API answers 401. Concurrent callers share one fetch.
//
// # Tags
//
// Unity Catalog keeps tags apart from tables: the table listing does not
// return them, and the only REST API for them is the hosted, per-entity GET
// /entity-tag-assignments/{entity_type}/{entity_name}/tags (the OSS server
// has none). Reading tags therefore costs one request per table ("tables")
// or one per table plus one per column ("columns") at every sync: a schema
// of 1,000 tables of 20 columns takes 21,000 requests in "columns" mode,
// which at 8 in flight and 50 ms each is over two minutes, and may meet
// Databricks' per-endpoint rate limits (429s are retried). That is why tags
// are off by default, and why Open offers connectors.TagReader only when
// they are on. The bulk alternative, the information_schema.*_tags views,
// needs a SQL warehouse and is not implemented. Table properties are not
// read as tags: on Databricks they hold Delta settings (delta.*), not
// governance tags.
//
// The connector does not implement connectors.DatabaseLister: the API has
// no listing of a catalog's tables with their columns, so it would save no
// round trips.
package databricks
