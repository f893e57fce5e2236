package trino

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	trinodrv "github.com/trinodb/trino-go-client/trino"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
)

// Configuration keys; the package comment describes each.
const (
	ConfigServer          = "server"           // coordinator URI, required
	ConfigUser            = "user"             // Trino user, required
	ConfigSource          = "source"           // X-Trino-Source
	ConfigCatalogs        = "catalogs"         // comma-separated catalogs to list
	ConfigExcludeCatalogs = "exclude_catalogs" // comma-separated catalogs to skip
	ConfigTableComments   = "table_comments"   // "false" skips table comments
	ConfigSSLVerification = "ssl_verification" // FULL, CA or NONE
	ConfigSSLCert         = "ssl_cert"         // PEM certificate to trust
	ConfigSSLCertPath     = "ssl_cert_path"    // path of a PEM certificate to trust
	ConfigQueryTimeout    = "query_timeout"    // Go duration
)

// Credentials keys; at most one is set.
const (
	CredentialPassword    = "password"     // Basic authentication, https only
	CredentialAccessToken = "access_token" // JWT bearer token
)

// DefaultSource is the X-Trino-Source sent when the configuration names
// none.
const DefaultSource = "govkit-connections"

// Technology returns the Trino technology for a connectors.Registry, with
// default Options.
func Technology() connectors.Technology {
	return NewTechnology(nil)
}

// NewTechnology returns the Trino technology whose Open passes opts (a
// logger, an HTTP client...) to every connector it opens.
func NewTechnology(opts *Options) connectors.Technology {
	var o *Options
	if opts != nil {
		c := *opts
		o = &c
	}
	return connectors.Technology{
		Name:              "trino",
		DisplayName:       "Trino",
		Levels:            [4]string{"Cluster", "Catalog", "Schema", "Table"},
		Impersonation:     true,
		ProjectWorkspaces: false,
		Validate:          Validate,
		Open: func(ctx context.Context, cfg connectors.Config, creds connectors.Credentials) (connectors.Connector, error) {
			c, err := Open(ctx, cfg, creds, o)
			if err != nil {
				return nil, err // not a typed nil in the interface
			}
			return c, nil
		},
	}
}

// config is a validated connectors.Config.
type config struct {
	server            *url.URL
	user              string
	source            string
	catalogs          []string
	excludeCatalogs   []string
	hasCatalogs       bool
	hasExclude        bool
	skipTableComments bool
	hasTableComments  bool
	sslVerification   string
	sslCert           string
	sslCertPath       string
	queryTimeout      time.Duration
}

var knownKeys = map[string]bool{
	ConfigServer: true, ConfigUser: true, ConfigSource: true, ConfigCatalogs: true, ConfigExcludeCatalogs: true,
	ConfigTableComments: true, ConfigSSLVerification: true, ConfigSSLCert: true, ConfigSSLCertPath: true, ConfigQueryTimeout: true,
}

// Validate checks a configuration: the required keys are set, the server
// is an http or https URI without path or user info, the values parse, and
// no unknown key is present (a misspelt key would otherwise be ignored).
// Errors match connections.ErrInvalidInput and name the key.
func Validate(cfg connectors.Config) error {
	_, err := parseConfig(cfg)
	return err
}

func invalid(format string, args ...any) error {
	return connections.Wrap("trino: validate configuration", "", fmt.Errorf("%w: "+format, append([]any{connections.ErrInvalidInput}, args...)...))
}

func parseConfig(cfg connectors.Config) (config, error) {
	var c config
	for k := range cfg {
		if !knownKeys[k] {
			if k == CredentialPassword || k == CredentialAccessToken {
				return c, invalid("%q is a credential: supply it in Credentials, not in Config", k)
			}
			return c, invalid("unknown configuration key %q", k)
		}
	}
	server := strings.TrimSpace(cfg[ConfigServer])
	if server == "" {
		return c, invalid("%q is required, such as https://trino.example.com:8443", ConfigServer)
	}
	u, err := url.Parse(server)
	if err != nil {
		// url.Error repeats the input, which may hold a secret pasted
		// into the wrong key: say what is wrong without it.
		return c, invalid("%q is not a URI", ConfigServer)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return c, invalid("%q must start with http:// or https://", ConfigServer)
	case u.User != nil:
		return c, invalid("%q must not hold user info: use %q and the %q credential", ConfigServer, ConfigUser, CredentialPassword)
	case u.Host == "":
		return c, invalid("%q has no host", ConfigServer)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return c, invalid("%q must be scheme://host[:port] only, without path or query", ConfigServer)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return c, invalid("%q has an invalid port", ConfigServer)
		}
	}
	c.server = &url.URL{Scheme: u.Scheme, Host: u.Host}
	c.user = cfg[ConfigUser]
	if strings.TrimSpace(c.user) == "" {
		return c, invalid("%q is required", ConfigUser)
	}
	c.source = cfg[ConfigSource]
	if c.source == "" {
		c.source = DefaultSource
	}
	c.catalogs, c.hasCatalogs = splitList(cfg, ConfigCatalogs)
	c.excludeCatalogs, c.hasExclude = splitList(cfg, ConfigExcludeCatalogs)
	if v, ok := cfg[ConfigTableComments]; ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, invalid("%q must be true or false, got %q", ConfigTableComments, v)
		}
		c.skipTableComments, c.hasTableComments = !b, true
	}
	if v := cfg[ConfigSSLVerification]; v != "" {
		switch strings.ToUpper(v) {
		case trinodrv.SSLVerificationFull, trinodrv.SSLVerificationCA, trinodrv.SSLVerificationNone:
			c.sslVerification = strings.ToUpper(v)
		default:
			return c, invalid("%q must be FULL, CA or NONE, got %q", ConfigSSLVerification, v)
		}
	}
	c.sslCert, c.sslCertPath = cfg[ConfigSSLCert], cfg[ConfigSSLCertPath]
	if c.sslCert != "" && c.sslCertPath != "" {
		return c, invalid("set %q or %q, not both", ConfigSSLCert, ConfigSSLCertPath)
	}
	if (c.sslVerification != "" || c.sslCert != "" || c.sslCertPath != "") && u.Scheme != "https" {
		return c, invalid("the ssl_* keys need an https %q", ConfigServer)
	}
	if v := cfg[ConfigQueryTimeout]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, invalid("%q must be a positive duration such as 2m, got %q", ConfigQueryTimeout, v)
		}
		c.queryTimeout = d
	}
	return c, nil
}

// splitList reads a comma-separated list, dropping blanks; ok reports
// that the key was set.
func splitList(cfg connectors.Config, key string) (list []string, ok bool) {
	v, ok := cfg[key]
	if !ok || strings.TrimSpace(v) == "" {
		return nil, false
	}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, s)
		}
	}
	return list, true
}

// Open opens a connector on the cluster that cfg names, authenticating with
// creds, through trino.NewConnector and sql.OpenDB (no DSN, no global
// client registry). It does no I/O; call Check to verify the credentials.
// Errors match connections.ErrInvalidInput and never hold a credential.
func Open(ctx context.Context, cfg connectors.Config, creds connectors.Credentials, opts *Options) (*Connector, error) {
	if err := ctx.Err(); err != nil {
		return nil, connections.Wrap("trino: open", "", err)
	}
	c, err := parseConfig(cfg)
	if err != nil {
		return nil, err
	}
	password, token := creds[CredentialPassword], creds[CredentialAccessToken]
	for k := range creds {
		if k != CredentialPassword && k != CredentialAccessToken {
			return nil, invalid("unknown credential %q (known: %s, %s)", k, CredentialPassword, CredentialAccessToken)
		}
	}
	if password != "" && token != "" {
		return nil, invalid("credentials hold both %q and %q: set one", CredentialPassword, CredentialAccessToken)
	}
	if password != "" && c.server.Scheme != "https" {
		return nil, invalid("the %q credential needs an https %q", CredentialPassword, ConfigServer)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if c.hasCatalogs {
		o.Catalogs = c.catalogs
	}
	if c.hasExclude {
		o.ExcludeCatalogs = c.excludeCatalogs
	}
	if c.hasTableComments {
		o.SkipTableComments = c.skipTableComments
	}
	if o.HTTPClient != nil && (c.sslVerification != "" || c.sslCert != "" || c.sslCertPath != "") {
		return nil, invalid("the ssl_* keys cannot be combined with Options.HTTPClient: configure its transport instead")
	}

	server := *c.server
	if password != "" {
		server.User = url.UserPassword(c.user, password)
	} else {
		server.User = url.User(c.user)
	}
	// The driver retries nothing: the connector's own loop does, once.
	one := 1
	tc := &trinodrv.Config{
		ServerURI:               server.String(),
		Source:                  c.source,
		AccessToken:             token,
		SSLVerification:         c.sslVerification,
		SSLCert:                 c.sslCert,
		SSLCertPath:             c.sslCertPath,
		HTTPClient:              o.HTTPClient,
		RequestRetryMaxAttempts: &one,
	}
	if c.queryTimeout > 0 {
		tc.QueryTimeout = &c.queryTimeout
	}
	secrets := []string{password, token}
	if password != "" {
		secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(c.user+":"+password)))
	}
	drv, err := trinodrv.NewConnector(tc)
	if err != nil {
		return nil, invalid("trino driver: %s", redactSecrets(err.Error(), secrets))
	}
	conn := newConnector(sql.OpenDB(drv), true, &o)
	conn.retryHTTP = true
	conn.serverHost = c.server.Hostname()
	conn.secrets = secrets
	return conn, nil
}
