package trino

import "github.com/govkit/connections/internal/sqlmeta"

// The metadata queries. They carry no bind parameters: names are quoted
// with sqlmeta.QuoteIdent or sqlmeta.QuoteLiteral, so every server and
// proxy sees plain SQL and the driver needs no prepared statements.

const informationSchema = "information_schema"

const (
	sqlCheck              = `SELECT catalog_name FROM system.metadata.catalogs LIMIT 1`
	sqlCatalogs           = `SELECT catalog_name FROM system.metadata.catalogs ORDER BY catalog_name`
	sqlCoordinatorVersion = `SELECT node_version FROM system.runtime.nodes WHERE coordinator`
)

func sqlSchemas(catalog string) string {
	return `SELECT schema_name FROM ` + sqlmeta.QuoteIdent(catalog) + `.information_schema.schemata` +
		` WHERE schema_name <> ` + sqlmeta.QuoteLiteral(informationSchema) + ` ORDER BY schema_name`
}

func sqlSchemaExists(catalog, schema string) string {
	return `SELECT schema_name FROM ` + sqlmeta.QuoteIdent(catalog) + `.information_schema.schemata` +
		` WHERE schema_name = ` + sqlmeta.QuoteLiteral(schema)
}

func sqlTables(catalog, schema string) string {
	return `SELECT table_name, table_type FROM ` + sqlmeta.QuoteIdent(catalog) + `.information_schema.tables` +
		` WHERE table_schema = ` + sqlmeta.QuoteLiteral(schema)
}

func sqlColumns(catalog, schema string) string {
	return `SELECT table_name, column_name, ordinal_position, data_type, is_nullable, comment FROM ` +
		sqlmeta.QuoteIdent(catalog) + `.information_schema.columns` +
		` WHERE table_schema = ` + sqlmeta.QuoteLiteral(schema) + ` ORDER BY table_name, ordinal_position`
}

func sqlMaterializedViews(catalog, schema string) string {
	return `SELECT name FROM system.metadata.materialized_views WHERE catalog_name = ` + sqlmeta.QuoteLiteral(catalog) +
		` AND schema_name = ` + sqlmeta.QuoteLiteral(schema)
}

func sqlTableComments(catalog, schema string) string {
	return `SELECT table_name, comment FROM system.metadata.table_comments WHERE catalog_name = ` + sqlmeta.QuoteLiteral(catalog) +
		` AND schema_name = ` + sqlmeta.QuoteLiteral(schema)
}
