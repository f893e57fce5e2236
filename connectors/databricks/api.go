package databricks

import (
	"cmp"
	"slices"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
)

// The JSON shapes this package reads. Field names follow the Unity Catalog
// OpenAPI spec (components/schemas); fields only the hosted Databricks API
// returns are marked "hosted". Only the fields the connector uses are
// declared: decoding ignores the rest, so new server fields never break a
// listing.

// apiPrefix is the path of the Unity Catalog REST API under the workspace
// URL.
const apiPrefix = "/api/2.1/unity-catalog"

// Page-size maxima from the spec (max_results "maximum").
const (
	maxCatalogPage = 1000
	maxSchemaPage  = 1000
	maxTablePage   = 50
	maxTagPage     = 1000 // hosted; the docs give no maximum
)

// metastoreSummary is GetMetastoreSummaryResponse.
type metastoreSummary struct {
	MetastoreID string `json:"metastore_id"`
	Name        string `json:"name"` // hosted
}

// catalogInfo is CatalogInfo.
type catalogInfo struct {
	Name        string `json:"name"`
	Comment     string `json:"comment"`
	CatalogType string `json:"catalog_type"` // hosted
}

type listCatalogsResponse struct {
	Catalogs      []catalogInfo `json:"catalogs"`
	NextPageToken string        `json:"next_page_token"`
}

// schemaInfo is SchemaInfo.
type schemaInfo struct {
	Name    string `json:"name"`
	Comment string `json:"comment"`
}

type listSchemasResponse struct {
	Schemas       []schemaInfo `json:"schemas"`
	NextPageToken string       `json:"next_page_token"`
}

// columnInfo is ColumnInfo.
type columnInfo struct {
	Name     string `json:"name"`
	TypeText string `json:"type_text"`
	TypeName string `json:"type_name"`
	// Position is 0-based; the hosted API omits it when it is 0.
	Position int    `json:"position"`
	Comment  string `json:"comment"`
	// Nullable defaults to true when absent, as the spec says.
	Nullable *bool `json:"nullable"`
}

// tableInfo is TableInfo.
type tableInfo struct {
	Name             string       `json:"name"`
	TableType        string       `json:"table_type"`
	DataSourceFormat string       `json:"data_source_format"`
	Comment          string       `json:"comment"`
	Columns          []columnInfo `json:"columns"`
}

type listTablesResponse struct {
	Tables        []tableInfo `json:"tables"`
	NextPageToken string      `json:"next_page_token"`
}

// tagAssignment is the hosted EntityTagAssignment; it is not in the OSS
// spec.
type tagAssignment struct {
	EntityName string `json:"entity_name"`
	EntityType string `json:"entity_type"`
	TagKey     string `json:"tag_key"`
	TagValue   string `json:"tag_value"`
}

type listTagAssignmentsResponse struct {
	TagAssignments []tagAssignment `json:"tag_assignments"`
	NextPageToken  string          `json:"next_page_token"`
}

// apiErrorBody is the error JSON of the REST API (databricks-sdk-go
// apierr): {"error_code": "...", "message": "..."}.
type apiErrorBody struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

// oauthTokenResponse is the OAuth token endpoint's answer (RFC 6749 §5.1),
// or its error (§5.2).
type oauthTokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// Catalog types (hosted CatalogInfo.catalog_type).
const (
	catalogTypeSystem   = "SYSTEM_CATALOG"
	catalogTypeInternal = "INTERNAL_CATALOG"
)

// informationSchema is the read-only schema of metadata views Databricks
// puts in every catalog.
const informationSchema = "information_schema"

// tableType maps a TableInfo's table_type (and data_source_format) to a
// hierarchy type (B2). Types with no matching constant, such as
// METRIC_VIEW or one added after this was written, keep the platform's
// name; an empty type is a plain table.
func tableType(t tableInfo) string {
	switch t.TableType {
	case "", "MANAGED", "MANAGED_SHALLOW_CLONE":
		if t.DataSourceFormat == "ICEBERG" {
			return hierarchy.TypeIceberg
		}
		return hierarchy.TypeTable
	case "EXTERNAL", "EXTERNAL_SHALLOW_CLONE":
		return hierarchy.TypeExternal
	case "VIEW":
		return hierarchy.TypeView
	case "MATERIALIZED_VIEW":
		return hierarchy.TypeMaterializedView
	case "STREAMING_TABLE":
		return hierarchy.TypeStreaming
	case "FOREIGN":
		return hierarchy.TypeForeign
	default:
		return t.TableType
	}
}

// toTable converts a TableInfo to a connectors.Table with its columns in
// position order, numbered from 1. Columns without a position keep the
// order the server listed them in.
func toTable(t tableInfo) connectors.Table {
	cols := slices.Clone(t.Columns)
	slices.SortStableFunc(cols, func(a, b columnInfo) int { return cmp.Compare(a.Position, b.Position) })
	out := connectors.Table{
		Name:    t.Name,
		Type:    tableType(t),
		Comment: t.Comment,
		Columns: make([]hierarchy.Column, len(cols)),
	}
	for i, c := range cols {
		typ := c.TypeText
		if typ == "" {
			typ = c.TypeName
		}
		out.Columns[i] = hierarchy.Column{
			Name:     c.Name,
			Type:     typ,
			Position: i + 1,
			Nullable: c.Nullable == nil || *c.Nullable,
			Comment:  c.Comment,
		}
	}
	return out
}
