package databricks

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Structs derived from the Unity Catalog OpenAPI spec
// (testdata/unity-catalog-api.subset.yaml), one field per property, for
// the fake server and fixture checks. Fields tagged uc:"hosted" are in the
// hosted Databricks API but not in the OSS spec. TestSpecStructsMatchSpec
// keeps them in step with the spec, so decoding with DisallowUnknownFields
// into them is a check of a JSON document's shape.

type specMetastoreSummary struct {
	MetastoreID string `json:"metastore_id,omitempty"`
	Name        string `json:"name,omitempty" uc:"hosted"`
	Region      string `json:"region,omitempty" uc:"hosted"`
	Cloud       string `json:"cloud,omitempty" uc:"hosted"`
	Owner       string `json:"owner,omitempty" uc:"hosted"`
}

type specCatalogInfo struct {
	Name            string            `json:"name,omitempty"`
	Comment         string            `json:"comment,omitempty"`
	Properties      map[string]string `json:"properties,omitempty"`
	Owner           string            `json:"owner,omitempty"`
	CreatedAt       int64             `json:"created_at,omitempty"`
	CreatedBy       string            `json:"created_by,omitempty"`
	UpdatedAt       int64             `json:"updated_at,omitempty"`
	UpdatedBy       string            `json:"updated_by,omitempty"`
	ID              string            `json:"id,omitempty"`
	StorageRoot     string            `json:"storage_root,omitempty"`
	StorageLocation string            `json:"storage_location,omitempty"`
	CatalogType     string            `json:"catalog_type,omitempty" uc:"hosted"`
	FullName        string            `json:"full_name,omitempty" uc:"hosted"`
}

type specListCatalogsResponse struct {
	Catalogs      []specCatalogInfo `json:"catalogs"`
	NextPageToken string            `json:"next_page_token,omitempty"`
}

type specSchemaInfo struct {
	Name            string            `json:"name,omitempty"`
	CatalogName     string            `json:"catalog_name,omitempty"`
	Comment         string            `json:"comment,omitempty"`
	Properties      map[string]string `json:"properties,omitempty"`
	FullName        string            `json:"full_name,omitempty"`
	Owner           string            `json:"owner,omitempty"`
	CreatedAt       int64             `json:"created_at,omitempty"`
	CreatedBy       string            `json:"created_by,omitempty"`
	UpdatedAt       int64             `json:"updated_at,omitempty"`
	UpdatedBy       string            `json:"updated_by,omitempty"`
	SchemaID        string            `json:"schema_id,omitempty"`
	StorageRoot     string            `json:"storage_root,omitempty"`
	StorageLocation string            `json:"storage_location,omitempty"`
}

type specListSchemasResponse struct {
	Schemas       []specSchemaInfo `json:"schemas"`
	NextPageToken string           `json:"next_page_token,omitempty"`
}

type specColumnInfo struct {
	Name             string `json:"name,omitempty"`
	TypeText         string `json:"type_text,omitempty"`
	TypeJSON         string `json:"type_json,omitempty"`
	TypeName         string `json:"type_name,omitempty"`
	TypePrecision    int    `json:"type_precision,omitempty"`
	TypeScale        int    `json:"type_scale,omitempty"`
	TypeIntervalType string `json:"type_interval_type,omitempty"`
	Position         int    `json:"position,omitempty"`
	Comment          string `json:"comment,omitempty"`
	Nullable         *bool  `json:"nullable,omitempty"`
	PartitionIndex   *int   `json:"partition_index,omitempty"`
}

type specDependencyList struct {
	Dependencies []struct {
		Table *struct {
			TableFullName string `json:"table_full_name"`
		} `json:"table,omitempty"`
		Function *struct {
			FunctionFullName string `json:"function_full_name"`
		} `json:"function,omitempty"`
	} `json:"dependencies,omitempty"`
}

type specTableInfo struct {
	Name             string              `json:"name,omitempty"`
	CatalogName      string              `json:"catalog_name,omitempty"`
	SchemaName       string              `json:"schema_name,omitempty"`
	TableType        string              `json:"table_type,omitempty"`
	DataSourceFormat string              `json:"data_source_format,omitempty"`
	Columns          []specColumnInfo    `json:"columns,omitempty"`
	StorageLocation  string              `json:"storage_location,omitempty"`
	Comment          string              `json:"comment,omitempty"`
	Properties       map[string]string   `json:"properties,omitempty"`
	Owner            string              `json:"owner,omitempty"`
	CreatedAt        int64               `json:"created_at,omitempty"`
	CreatedBy        string              `json:"created_by,omitempty"`
	UpdatedAt        int64               `json:"updated_at,omitempty"`
	UpdatedBy        string              `json:"updated_by,omitempty"`
	TableID          string              `json:"table_id,omitempty"`
	ViewDefinition   string              `json:"view_definition,omitempty"`
	ViewDependencies *specDependencyList `json:"view_dependencies,omitempty"`
	FullName         string              `json:"full_name,omitempty" uc:"hosted"`
}

type specListTablesResponse struct {
	Tables        []specTableInfo `json:"tables"`
	NextPageToken string          `json:"next_page_token,omitempty"`
}

// specTagAssignment is the hosted EntityTagAssignment
// (docs.databricks.com/api/.../entity-tag-assignment/object); the OSS spec
// has no tags API.
type specTagAssignment struct {
	EntityName string `json:"entity_name"`
	EntityType string `json:"entity_type"`
	TagKey     string `json:"tag_key"`
	TagValue   string `json:"tag_value,omitempty"`
	SourceType string `json:"source_type,omitempty"`
	UpdateTime string `json:"update_time,omitempty"`
	UpdatedBy  string `json:"updated_by,omitempty"`
}

type specListTagAssignmentsResponse struct {
	TagAssignments []specTagAssignment `json:"tag_assignments"`
	NextPageToken  string              `json:"next_page_token,omitempty"`
}

// Enum values the hosted API adds to the OSS spec's.
var hostedEnums = map[string][]string{
	"TableType":        {"FOREIGN", "MANAGED_SHALLOW_CLONE", "EXTERNAL_SHALLOW_CLONE"},
	"DataSourceFormat": {"ICEBERG", "DELTASHARING", "SNOWFLAKE_FORMAT"},
}

var hostedCatalogTypes = []string{"MANAGED_CATALOG", "DELTASHARING_CATALOG", "FOREIGN_CATALOG", "SYSTEM_CATALOG", "INTERNAL_CATALOG", "MANAGED_ONLINE_CATALOG"}

// specSchema is what the tests need of one components/schemas entry.
type specSchema struct {
	props map[string]string // property name -> "$ref" target or type
	enum  []string
}

// loadSpec reads the components/schemas of an OpenAPI YAML file. It reads
// the indentation the spec file uses (schemas at 4 spaces, properties at
// 8) rather than YAML in general; that is all these tests need.
func loadSpec(t *testing.T, path string) map[string]*specSchema {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var (
		out                   = map[string]*specSchema{}
		cur                   *specSchema
		section, prop         string
		inComponents, schemas bool
		schemaRE              = regexp.MustCompile(`^    ([A-Za-z]+):\s*$`)
		propRE                = regexp.MustCompile(`^        ([a-z_]+):\s*$`)
		refRE                 = regexp.MustCompile(`^          "?\$ref"?:\s*['"]?#/components/schemas/([A-Za-z]+)`)
		typeRE                = regexp.MustCompile(`^          type:\s*(\w+)`)
		enumRE                = regexp.MustCompile(`^        - '?([A-Za-z_]+)'?`)
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		switch {
		case line == "components:":
			inComponents = true
			continue
		case inComponents && line == "  schemas:":
			schemas = true
			continue
		case !schemas:
			continue
		case strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "    ") && strings.TrimSpace(line) != "":
			schemas = false // the next components section
			continue
		}
		if m := schemaRE.FindStringSubmatch(line); m != nil {
			cur = &specSchema{props: map[string]string{}}
			out[m[1]] = cur
			section = ""
			continue
		}
		if cur == nil {
			continue
		}
		if strings.HasPrefix(line, "      ") && !strings.HasPrefix(line, "       ") {
			section = strings.TrimSuffix(strings.TrimSpace(line), ":")
			continue
		}
		switch section {
		case "properties":
			if m := propRE.FindStringSubmatch(line); m != nil {
				prop = m[1]
				cur.props[prop] = ""
			} else if m := refRE.FindStringSubmatch(line); m != nil && prop != "" {
				cur.props[prop] = m[1]
			} else if m := typeRE.FindStringSubmatch(line); m != nil && prop != "" && cur.props[prop] == "" {
				cur.props[prop] = m[1]
			}
		case "enum":
			if m := enumRE.FindStringSubmatch(line); m != nil {
				cur.enum = append(cur.enum, m[1])
			}
		}
	}
	return out
}

const specExcerpt = "testdata/unity-catalog-api.subset.yaml"

// TestSpecExcerptMatchesSpec checks the excerpt against the full spec in
// the shared reference folder, when this checkout has it next to it (set
// GOVKIT_UC_SPEC to point elsewhere).
func TestSpecExcerptMatchesSpec(t *testing.T) {
	full := os.Getenv("GOVKIT_UC_SPEC")
	if full == "" {
		full = filepath.Join("..", "..", "..", "shared", "reference", "unity-catalog-api.yaml")
	}
	if _, err := os.Stat(full); err != nil {
		t.Skipf("full spec not found at %s", full)
	}
	want := loadSpec(t, full)
	got := loadSpec(t, specExcerpt)
	if len(got) == 0 {
		t.Fatal("excerpt has no schemas")
	}
	for name, s := range got {
		if !reflect.DeepEqual(s, want[name]) {
			t.Errorf("schema %s: excerpt %+v, spec %+v", name, s, want[name])
		}
	}
}

// TestSpecStructsMatchSpec checks that each spec-derived struct has
// exactly the spec's properties plus its hosted extras.
func TestSpecStructsMatchSpec(t *testing.T) {
	spec := loadSpec(t, specExcerpt)
	for name, v := range map[string]any{
		"GetMetastoreSummaryResponse": specMetastoreSummary{},
		"CatalogInfo":                 specCatalogInfo{},
		"ListCatalogsResponse":        specListCatalogsResponse{},
		"SchemaInfo":                  specSchemaInfo{},
		"ListSchemasResponse":         specListSchemasResponse{},
		"TableInfo":                   specTableInfo{},
		"ColumnInfo":                  specColumnInfo{},
		"ListTablesResponse":          specListTablesResponse{},
		"DependencyList":              specDependencyList{},
	} {
		s := spec[name]
		if s == nil {
			t.Errorf("spec has no schema %s", name)
			continue
		}
		fields := map[string]bool{}
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Tag.Get("uc") == "hosted" {
				if _, ok := s.props[tag]; ok {
					t.Errorf("%s.%s is marked hosted but is in the OSS spec", name, tag)
				}
				continue
			}
			fields[tag] = true
			if _, ok := s.props[tag]; !ok {
				t.Errorf("%s.%s is not a property of the spec's %s", typ.Name(), tag, name)
			}
		}
		for p := range s.props {
			if !fields[p] {
				t.Errorf("%s lacks the spec's property %s.%s", typ.Name(), name, p)
			}
		}
	}
	// The connector's own wire types must use only names the spec (or
	// the hosted API) has.
	for name, v := range map[string]any{
		"CatalogInfo": catalogInfo{}, "SchemaInfo": schemaInfo{}, "TableInfo": tableInfo{},
		"ColumnInfo": columnInfo{}, "GetMetastoreSummaryResponse": metastoreSummary{},
		"ListCatalogsResponse": listCatalogsResponse{}, "ListSchemasResponse": listSchemasResponse{},
		"ListTablesResponse": listTablesResponse{},
	} {
		hosted := map[string]bool{"catalog_type": true, "name": name == "GetMetastoreSummaryResponse"}
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if _, ok := spec[name].props[tag]; !ok && !hosted[tag] {
				t.Errorf("connector type %s reads %q, which the spec's %s lacks", typ.Name(), tag, name)
			}
		}
	}
}

// specFixture is the layout of testdata/metastore.json: spec-shaped
// objects the fake server serves.
type specFixture struct {
	MetastoreSummary specMetastoreSummary `json:"metastore_summary"`
	Catalogs         []specCatalogInfo    `json:"catalogs"`
	Schemas          []specSchemaInfo     `json:"schemas"`
	Tables           []specTableInfo      `json:"tables"`
	TagAssignments   []specTagAssignment  `json:"tag_assignments"`
}

// decodeStrict decodes JSON refusing fields the target does not declare.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func loadFixture(t *testing.T) specFixture {
	t.Helper()
	data, err := os.ReadFile("testdata/metastore.json")
	if err != nil {
		t.Fatal(err)
	}
	var f specFixture
	if err := decodeStrict(data, &f); err != nil {
		t.Fatalf("testdata/metastore.json does not follow the spec's shapes: %v", err)
	}
	return f
}

// TestFixtureFollowsSpec checks the fixture's enums and required parent
// names beyond what strict decoding checks.
func TestFixtureFollowsSpec(t *testing.T) {
	spec := loadSpec(t, specExcerpt)
	f := loadFixture(t)
	enum := func(name, v string) {
		t.Helper()
		if v != "" && !slices.Contains(spec[name].enum, v) && !slices.Contains(hostedEnums[name], v) {
			t.Errorf("%s %q is not in the spec's enum %v", name, v, spec[name].enum)
		}
	}
	if len(spec["TableType"].enum) < 6 || len(spec["ColumnTypeName"].enum) < 20 {
		t.Fatalf("enums not read from the spec: %+v %+v", spec["TableType"], spec["ColumnTypeName"])
	}
	for _, c := range f.Catalogs {
		if c.CatalogType != "" && !slices.Contains(hostedCatalogTypes, c.CatalogType) {
			t.Errorf("catalog %q: catalog_type %q unknown", c.Name, c.CatalogType)
		}
	}
	for _, s := range f.Schemas {
		if s.CatalogName == "" || s.FullName != s.CatalogName+"."+s.Name {
			t.Errorf("schema %q: catalog_name %q full_name %q", s.Name, s.CatalogName, s.FullName)
		}
	}
	for _, tb := range f.Tables {
		if tb.CatalogName == "" || tb.SchemaName == "" {
			t.Errorf("table %q has no parent names", tb.Name)
		}
		enum("TableType", tb.TableType)
		enum("DataSourceFormat", tb.DataSourceFormat)
		for _, c := range tb.Columns {
			enum("ColumnTypeName", c.TypeName)
		}
	}
	for _, a := range f.TagAssignments {
		if !slices.Contains([]string{"catalogs", "schemas", "tables", "columns", "volumes"}, a.EntityType) {
			t.Errorf("tag assignment entity_type %q", a.EntityType)
		}
	}
}

// TestFakeAnswersFollowSpec reads every listing of the fake server as
// sent on the wire and decodes it strictly into the spec's shapes.
func TestFakeAnswersFollowSpec(t *testing.T) {
	f := newFakeUC(t, loadFixture(t))
	f.pageSize = 1
	get := func(path string, v any) {
		t.Helper()
		resp, err := f.srv.Client().Get(f.URL() + apiPrefix + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(resp.Body); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET %s: %s %s", path, resp.Status, buf.String())
		}
		if err := decodeStrict(buf.Bytes(), v); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, buf.String())
		}
	}
	get("/metastore_summary", &specMetastoreSummary{})
	var cats specListCatalogsResponse
	get("/catalogs?max_results=0", &cats)
	if len(cats.Catalogs) != 1 || cats.NextPageToken == "" {
		t.Fatalf("first page of catalogs: %+v", cats)
	}
	get("/schemas?max_results=0&catalog_name=main", &specListSchemasResponse{})
	var tables specListTablesResponse
	get("/tables?max_results=0&catalog_name=main&schema_name=default&page_token=o1", &tables)
	if len(tables.Tables) != 1 || len(tables.Tables[0].Columns) == 0 {
		t.Fatalf("tables page: %+v", tables)
	}
	get("/entity-tag-assignments/tables/main.default.orders/tags?max_results=0", &specListTagAssignmentsResponse{})
}
