package postgres

import "github.com/govkit/connections/hierarchy"

// The catalog queries. Names are always bind parameters; every catalog
// object is qualified with pg_catalog so that a search_path cannot change
// what the queries read.
const (
	// checkSQL is the trivial catalog query of Check.
	checkSQL = `SELECT count(*) FROM pg_catalog.pg_database`

	// versionSQL gives the server's version for Host.
	versionSQL = `SELECT pg_catalog.current_setting('server_version')`

	// databasesSQL lists the databases one can connect to.
	databasesSQL = `SELECT d.datname, COALESCE(pg_catalog.shobj_description(d.oid, 'pg_database'), '')
FROM pg_catalog.pg_database d
WHERE d.datallowconn AND NOT d.datistemplate AND pg_catalog.has_database_privilege(d.oid, 'CONNECT')
ORDER BY d.datname`

	// databaseSQL checks one database ($1) before the first connection to
	// it: whether databasesSQL lists it, and whether the user may connect.
	databaseSQL = `SELECT d.datallowconn AND NOT d.datistemplate, pg_catalog.has_database_privilege(d.oid, 'CONNECT')
FROM pg_catalog.pg_database d
WHERE d.datname = $1`

	// schemaFilter leaves out information_schema and the system schemas.
	schemaFilter = `n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'`

	// relationFilter keeps the relation kinds listed, and partitions only
	// when $1 is true.
	relationFilter = `c.relkind IN ('r', 'p', 'v', 'm', 'f') AND (NOT c.relispartition OR $1::boolean)`

	// schemasSQL lists the schemas of the current database.
	schemasSQL = `SELECT n.nspname, COALESCE(pg_catalog.obj_description(n.oid, 'pg_namespace'), '')
FROM pg_catalog.pg_namespace n
WHERE ` + schemaFilter + `
ORDER BY n.nspname`

	// beginSQL starts the transaction that gives the relations and the
	// columns queries one snapshot.
	beginSQL  = `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`
	commitSQL = `COMMIT`

	// schemaTablesSQL lists the relations of schema $2. The outer join
	// gives one row with a NULL name for a schema without relations, and
	// none for a schema that does not exist.
	schemaTablesSQL = `SELECT c.relname, COALESCE(c.relkind::text, ''), COALESCE(pg_catalog.obj_description(c.oid, 'pg_class'), '')
FROM pg_catalog.pg_namespace n
LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND ` + relationFilter + `
WHERE n.nspname = $2 AND ` + schemaFilter

	// columnsSelect reads the columns of the relations relationFilter keeps.
	columnsSelect = `SELECT n.nspname, c.relname, a.attname,
	pg_catalog.format_type(a.atttypid, a.atttypmod),
	row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
	NOT a.attnotnull,
	COALESCE(pg_catalog.col_description(a.attrelid, a.attnum), '')
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND ` + relationFilter + ` AND ` + schemaFilter

	// schemaColumnsSQL lists the columns of the relations of schema $2.
	schemaColumnsSQL = columnsSelect + ` AND n.nspname = $2`

	// databaseTablesSQL lists the relations of every schema.
	databaseTablesSQL = `SELECT n.nspname, c.relname, c.relkind::text, COALESCE(pg_catalog.obj_description(c.oid, 'pg_class'), '')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ` + relationFilter + ` AND ` + schemaFilter

	// databaseColumnsSQL lists the columns of every schema, grouped by
	// schema in the byte order of the names' UTF-8 encoding, which is the
	// order Go compares strings in, whatever the server's encoding.
	databaseColumnsSQL = columnsSelect + `
ORDER BY pg_catalog.convert_to(n.nspname::text, 'UTF8')`
)

// relationType maps a pg_class relkind to a hierarchy type (B2).
func relationType(kind string) string {
	switch kind {
	case "r":
		return hierarchy.TypeTable
	case "p":
		return hierarchy.TypePartitioned
	case "v":
		return hierarchy.TypeView
	case "m":
		return hierarchy.TypeMaterializedView
	case "f":
		return hierarchy.TypeForeign
	}
	return "RELKIND_" + kind
}
