package databricks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/retry"
)

// TagMode says which platform tags [Connector.Tags] reads, and so what it
// costs; see the package documentation.
type TagMode uint8

// The tag modes.
const (
	// TagsOff reads no tags: the connector does not offer
	// connectors.TagReader through Open, and Tags fails with
	// connections.ErrUnsupported. The default.
	TagsOff TagMode = iota
	// TagsTables reads the tags on tables: one request per table.
	TagsTables
	// TagsColumns reads the tags on tables and on their columns: one
	// request per table and one per column.
	TagsColumns
)

var tagModeNames = [...]string{"off", "tables", "columns"}

// String returns "off", "tables" or "columns", the values of the "tags"
// Config key.
func (m TagMode) String() string {
	if int(m) < len(tagModeNames) {
		return tagModeNames[m]
	}
	return fmt.Sprintf("TagMode(%d)", uint8(m))
}

// Defaults.
const (
	// DefaultConcurrency is the default number of requests in flight.
	DefaultConcurrency = 8
	// MaxConcurrency caps Options.Concurrency.
	MaxConcurrency = 64
	// DefaultTimeout is the per-request timeout of the HTTP client Open
	// builds.
	DefaultTimeout = 2 * time.Minute
)

// Options configure a [Connector]. A nil *Options means the defaults.
type Options struct {
	// Auth authenticates requests: [PAT] or [OAuthM2M]. The zero value
	// sends no credentials.
	Auth Auth
	// MaxResults is the max_results sent with every listing: 0 (the
	// default, and what Databricks recommends) lets the server choose the
	// page size; a larger value is capped at the spec's maximum for the
	// endpoint (50 for tables, 1000 for catalogs and schemas).
	MaxResults int
	// Concurrency caps the requests in flight at once, across every
	// goroutine using the connector. Zero means DefaultConcurrency; at
	// most MaxConcurrency.
	Concurrency int
	// IncludeSystem lists the SYSTEM_CATALOG catalog ("system") and the
	// information_schema schema of each catalog, which are skipped by
	// default.
	IncludeSystem bool
	// Tags chooses which platform tags Tags reads; TagsOff by default.
	Tags TagMode
	// Logger receives debug records of requests and retries, never
	// headers or secrets. Nil means silent.
	Logger *slog.Logger
}

// Connector reads a Unity Catalog metastore over the REST API. It is safe
// for concurrent use.
type Connector struct {
	base     string // workspace URL without a trailing slash
	host     string // workspace host name, the Host name of last resort
	tokenURL string
	client   *http.Client
	ownsHTTP bool
	auth     Auth
	tokens   tokenCache

	maxResults    int
	includeSystem bool
	tags          TagMode
	concurrency   int
	slots         chan struct{}
	retry         retry.Policy
	log           *slog.Logger
	now           func() time.Time
	closed        atomic.Bool
}

var (
	_ connectors.Connector = (*Connector)(nil)
	_ connectors.TagReader = (*Connector)(nil)
)

var errClosed = errors.New("connector is closed")

// New returns a connector for the workspace at baseURL, such as
// "https://adb-1234567890123456.7.azuredatabricks.net", or a Unity Catalog
// OSS server such as "http://localhost:8080". API paths
// (/api/2.1/unity-catalog/...) and the OAuth token path (/oidc/v1/token)
// are appended to it. client may be nil for a client with DefaultTimeout.
// New makes no request; call Check to try the credentials.
func New(baseURL string, client *http.Client, opts *Options) (*Connector, error) {
	if opts == nil {
		opts = &Options{}
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("databricks: %w: base URL must be http(s)://host[:port][/path] without query or user info", connections.ErrInvalidInput)
	}
	if err := opts.Auth.validate(); err != nil {
		return nil, err
	}
	if opts.MaxResults < 0 {
		return nil, fmt.Errorf("databricks: %w: max results %d is negative", connections.ErrInvalidInput, opts.MaxResults)
	}
	if opts.Concurrency < 0 || opts.Concurrency > MaxConcurrency {
		return nil, fmt.Errorf("databricks: %w: concurrency %d not in 0..%d", connections.ErrInvalidInput, opts.Concurrency, MaxConcurrency)
	}
	if opts.Tags > TagsColumns {
		return nil, fmt.Errorf("databricks: %w: unknown tag mode %d", connections.ErrInvalidInput, opts.Tags)
	}
	c := &Connector{
		base:          strings.TrimSuffix(u.String(), "/"),
		host:          u.Hostname(),
		client:        client,
		auth:          opts.Auth,
		tokens:        tokenCache{lock: make(chan struct{}, 1)},
		maxResults:    opts.MaxResults,
		includeSystem: opts.IncludeSystem,
		tags:          opts.Tags,
		concurrency:   cmp.Or(opts.Concurrency, DefaultConcurrency),
		log:           opts.Logger,
		now:           time.Now,
	}
	c.tokenURL = c.base + "/oidc/v1/token"
	c.slots = make(chan struct{}, c.concurrency)
	if c.client == nil {
		c.client = &http.Client{Timeout: DefaultTimeout}
		c.ownsHTTP = true
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// pageSize returns the max_results to send to an endpoint with the given
// maximum.
func (c *Connector) pageSize(limit int) int { return min(c.maxResults, limit) }

// Host returns the metastore: its name (its ID on servers that give no
// name) and type "METASTORE".
func (c *Connector) Host(ctx context.Context) (connectors.Host, error) {
	var m metastoreSummary
	if err := c.get(ctx, "databricks: get metastore summary", "", "/metastore_summary", nil, &m); err != nil {
		return connectors.Host{}, err
	}
	return connectors.Host{Name: cmp.Or(m.Name, m.MetastoreID, c.host), Type: "METASTORE"}, nil
}

// Check verifies that the credentials are accepted and can read metadata:
// it reads the metastore summary and one page of catalogs.
func (c *Connector) Check(ctx context.Context) error {
	if _, err := c.Host(ctx); err != nil {
		return err
	}
	var r listCatalogsResponse
	q := url.Values{"max_results": {"1"}}
	return c.get(ctx, "databricks: list catalogs", "", "/catalogs", q, &r)
}

// Databases lists the catalogs, in name order. The "system" catalog
// (SYSTEM_CATALOG) is skipped unless Options.IncludeSystem, and
// Databricks-internal catalogs (INTERNAL_CATALOG) always are.
func (c *Connector) Databases(ctx context.Context) ([]connectors.Database, error) {
	cats, err := list[catalogInfo, listCatalogsResponse](ctx, c, "databricks: list catalogs", "", "/catalogs", nil, c.pageSize(maxCatalogPage))
	if err != nil {
		return nil, err
	}
	out := make([]connectors.Database, 0, len(cats))
	for _, k := range cats {
		if k.CatalogType == catalogTypeInternal || (k.CatalogType == catalogTypeSystem && !c.includeSystem) {
			continue
		}
		out = append(out, connectors.Database{Name: k.Name, Type: k.CatalogType, Comment: k.Comment})
	}
	slices.SortFunc(out, func(a, b connectors.Database) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Schemas lists the schemas of a catalog, in name order. The catalog's
// information_schema is skipped unless Options.IncludeSystem.
func (c *Connector) Schemas(ctx context.Context, database string) ([]connectors.Schema, error) {
	obj := hierarchy.Path{database}.String()
	if database == "" {
		return nil, connections.Wrap("databricks: list schemas", obj, fmt.Errorf("%w: empty catalog name", connections.ErrInvalidInput))
	}
	q := url.Values{"catalog_name": {database}}
	schemas, err := list[schemaInfo, listSchemasResponse](ctx, c, "databricks: list schemas", obj, "/schemas", q, c.pageSize(maxSchemaPage))
	if err != nil {
		return nil, err
	}
	out := make([]connectors.Schema, 0, len(schemas))
	for _, s := range schemas {
		if s.Name == informationSchema && !c.includeSystem {
			continue
		}
		out = append(out, connectors.Schema{Name: s.Name, Comment: s.Comment})
	}
	slices.SortFunc(out, func(a, b connectors.Schema) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Tables lists the tables, views and other table-like objects of a schema
// with their columns, in name order: one listing (of one or more pages)
// per schema, whatever the number of tables.
func (c *Connector) Tables(ctx context.Context, database, schema string) ([]connectors.Table, error) {
	infos, err := c.listTables(ctx, database, schema)
	if err != nil {
		return nil, err
	}
	out := make([]connectors.Table, len(infos))
	for i, t := range infos {
		out[i] = toTable(t)
	}
	slices.SortFunc(out, func(a, b connectors.Table) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (c *Connector) listTables(ctx context.Context, database, schema string) ([]tableInfo, error) {
	obj := hierarchy.Path{database, schema}.String()
	if database == "" || schema == "" {
		return nil, connections.Wrap("databricks: list tables", obj, fmt.Errorf("%w: empty catalog or schema name", connections.ErrInvalidInput))
	}
	q := url.Values{"catalog_name": {database}, "schema_name": {schema}}
	return list[tableInfo, listTablesResponse](ctx, c, "databricks: list tables", obj, "/tables", q, c.pageSize(maxTablePage))
}

// Close releases idle connections of the HTTP client New made (not of one
// the caller passed in). Later calls fail. It is safe to call more than
// once.
func (c *Connector) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	if c.ownsHTTP {
		c.client.CloseIdleConnections()
	}
	return nil
}

// Config keys and Credentials keys; see the package documentation.
const (
	ConfigHost          = "host"
	ConfigAuthType      = "auth_type"
	ConfigClientID      = "client_id"
	ConfigMaxResults    = "max_results"
	ConfigConcurrency   = "concurrency"
	ConfigIncludeSystem = "include_system"
	ConfigTags          = "tags"

	CredentialToken        = "token"
	CredentialClientSecret = "client_secret"
)

// Values of the auth_type Config key.
const (
	AuthTypePAT      = "pat"
	AuthTypeOAuthM2M = "oauth-m2m"
)

var configKeys = []string{ConfigHost, ConfigAuthType, ConfigClientID, ConfigMaxResults, ConfigConcurrency, ConfigIncludeSystem, ConfigTags}

// Technology returns the Databricks Unity Catalog technology for a
// connectors.Registry. It supports neither user impersonation nor project
// workspaces (B6).
func Technology() connectors.Technology {
	return connectors.Technology{
		Name:        "databricks",
		DisplayName: "Databricks Unity Catalog",
		Levels:      [4]string{"Metastore", "Catalog", "Schema", "Table"},
		Validate:    Validate,
		Open:        Open,
	}
}

// settings is a parsed Config.
type settings struct {
	baseURL  string
	authType string
	clientID string
	opts     Options
}

// Validate checks a Config: the keys are known, host is a workspace URL or
// host name, and the numbers and choices parse. It reads no credentials.
func Validate(cfg connectors.Config) error {
	_, err := parseConfig(cfg)
	return err
}

func parseConfig(cfg connectors.Config) (settings, error) {
	var s settings
	bad := func(format string, args ...any) (settings, error) {
		return settings{}, fmt.Errorf("databricks: config: %w: %s", connections.ErrInvalidInput, fmt.Sprintf(format, args...))
	}
	for k := range cfg {
		if !slices.Contains(configKeys, k) {
			return bad("unknown key %q (known: %s)", k, strings.Join(configKeys, ", "))
		}
	}
	host := strings.TrimSpace(cfg[ConfigHost])
	if host == "" {
		return bad("%q is required: the workspace URL, such as https://adb-1234567890123456.7.azuredatabricks.net", ConfigHost)
	}
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	u, err := url.Parse(host)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return bad("%q must be a workspace URL or host name", ConfigHost)
	}
	switch u.Scheme {
	case "https":
	case "http":
		// Credentials in clear text only to this machine, such as a
		// local Unity Catalog OSS server.
		if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return bad("%q must use https (http is allowed for localhost only)", ConfigHost)
		}
	default:
		return bad("%q must use https", ConfigHost)
	}
	s.baseURL = strings.TrimSuffix(u.String(), "/")

	s.clientID = cfg[ConfigClientID]
	s.authType = cfg[ConfigAuthType]
	if s.authType == "" {
		s.authType = AuthTypePAT
		if s.clientID != "" {
			s.authType = AuthTypeOAuthM2M
		}
	}
	switch s.authType {
	case AuthTypePAT:
		if s.clientID != "" {
			return bad("%q is only for %s=%s", ConfigClientID, ConfigAuthType, AuthTypeOAuthM2M)
		}
	case AuthTypeOAuthM2M:
		if s.clientID == "" {
			return bad("%q is required with %s=%s", ConfigClientID, ConfigAuthType, AuthTypeOAuthM2M)
		}
	default:
		return bad("%q is %q; want %q or %q", ConfigAuthType, s.authType, AuthTypePAT, AuthTypeOAuthM2M)
	}

	if v, ok := cfg[ConfigMaxResults]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return bad("%q must be a whole number >= 0 (0 lets the server choose the page size)", ConfigMaxResults)
		}
		s.opts.MaxResults = n
	}
	if v, ok := cfg[ConfigConcurrency]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > MaxConcurrency {
			return bad("%q must be a whole number from 1 to %d", ConfigConcurrency, MaxConcurrency)
		}
		s.opts.Concurrency = n
	}
	if v, ok := cfg[ConfigIncludeSystem]; ok {
		switch strings.ToLower(v) {
		case "true":
			s.opts.IncludeSystem = true
		case "false", "":
		default:
			return bad("%q must be true or false", ConfigIncludeSystem)
		}
	}
	if v, ok := cfg[ConfigTags]; ok {
		i := slices.Index(tagModeNames[:], strings.ToLower(v))
		if v != "" && i < 0 {
			return bad("%q must be one of %s", ConfigTags, strings.Join(tagModeNames[:], ", "))
		}
		s.opts.Tags = TagMode(max(i, 0))
	}
	return s, nil
}

// Open opens a connector from a connection's Config and Credentials (see
// the package documentation for the keys). It makes no request. The
// connector it returns offers connectors.TagReader only when the "tags"
// key is "tables" or "columns".
func Open(_ context.Context, cfg connectors.Config, creds connectors.Credentials) (connectors.Connector, error) {
	s, err := parseConfig(cfg)
	if err != nil {
		return nil, err
	}
	switch s.authType {
	case AuthTypePAT:
		if creds[CredentialToken] == "" {
			return nil, fmt.Errorf("databricks: credentials: %w: %q is required for %s=%s", connections.ErrInvalidInput, CredentialToken, ConfigAuthType, AuthTypePAT)
		}
		s.opts.Auth = PAT(creds[CredentialToken])
	case AuthTypeOAuthM2M:
		if creds[CredentialClientSecret] == "" {
			return nil, fmt.Errorf("databricks: credentials: %w: %q is required for %s=%s", connections.ErrInvalidInput, CredentialClientSecret, ConfigAuthType, AuthTypeOAuthM2M)
		}
		s.opts.Auth = OAuthM2M(s.clientID, creds[CredentialClientSecret])
	}
	c, err := New(s.baseURL, nil, &s.opts)
	if err != nil {
		return nil, err
	}
	if c.tags == TagsOff {
		return withoutTags{c}, nil
	}
	return c, nil
}

// withoutTags hides the Tags method, so that sync does not discover a
// TagReader when tags are off.
type withoutTags struct{ connectors.Connector }
