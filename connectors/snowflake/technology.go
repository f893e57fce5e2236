package snowflake

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/snowflakedb/gosnowflake"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
)

// Config keys. See the package documentation for what each means.
const (
	KeyAccount              = "account"
	KeyUser                 = "user"
	KeyAuthenticator        = "authenticator"
	KeyWarehouse            = "warehouse"
	KeyRole                 = "role"
	KeyHost                 = "host"
	KeyPort                 = "port"
	KeyProtocol             = "protocol"
	KeyOAuthClientID        = "oauth_client_id"
	KeyOAuthTokenRequestURL = "oauth_token_request_url"
	KeyOAuthScope           = "oauth_scope"
	KeyQueryTag             = "query_tag"
	KeyPageSize             = "page_size"
	KeyIncludeImported      = "include_imported_databases"
)

// Credentials keys.
const (
	CredPassword             = "password"
	CredPrivateKey           = "private_key"
	CredPrivateKeyPassphrase = "private_key_passphrase"
	CredToken                = "token"
	CredOAuthClientSecret    = "oauth_client_secret"
)

// Authenticator values of the authenticator config key (any case).
const (
	AuthPassword                = "snowflake"
	AuthKeyPair                 = "snowflake_jwt"
	AuthOAuth                   = "oauth"
	AuthProgrammaticAccessToken = "programmatic_access_token"
	AuthOAuthClientCredentials  = "oauth_client_credentials"
)

// configKeys returns the known config keys.
func configKeys() []string {
	return []string{
		KeyAccount, KeyUser, KeyAuthenticator, KeyWarehouse, KeyRole, KeyHost, KeyPort, KeyProtocol,
		KeyOAuthClientID, KeyOAuthTokenRequestURL, KeyOAuthScope, KeyQueryTag, KeyPageSize, KeyIncludeImported,
	}
}

// authType returns the driver's authenticator for a name of the
// authenticator config key (lower case).
func authType(name string) (gosnowflake.AuthType, bool) {
	switch name {
	case AuthPassword:
		return gosnowflake.AuthTypeSnowflake, true
	case AuthKeyPair:
		return gosnowflake.AuthTypeJwt, true
	case AuthOAuth:
		return gosnowflake.AuthTypeOAuth, true
	case AuthProgrammaticAccessToken:
		return gosnowflake.AuthTypePat, true
	case AuthOAuthClientCredentials:
		return gosnowflake.AuthTypeOAuthClientCredentials, true
	}
	return 0, false
}

const authNames = AuthPassword + ", " + AuthKeyPair + ", " + AuthOAuth + ", " + AuthProgrammaticAccessToken + ", " + AuthOAuthClientCredentials

// Technology returns the Snowflake technology for a connectors.Registry:
// levels Account > Database > Schema > Object, impersonation and project
// workspaces supported. Its Open is Open with nil Options.
func Technology() connectors.Technology {
	return connectors.Technology{
		Name:              "snowflake",
		DisplayName:       "Snowflake",
		Levels:            [4]string{"Account", "Database", "Schema", "Object"},
		Impersonation:     true,
		ProjectWorkspaces: true,
		Validate:          Validate,
		Open: func(ctx context.Context, cfg connectors.Config, creds connectors.Credentials) (connectors.Connector, error) {
			c, err := Open(ctx, cfg, creds, nil)
			if err != nil {
				return nil, err
			}
			return c, nil
		},
	}
}

func invalid(format string, args ...any) error {
	return connections.Wrap("snowflake: validate config", "", fmt.Errorf("%w: "+format, append([]any{connections.ErrInvalidInput}, args...)...))
}

// Validate checks a connection's Config without connecting: account is
// required, every key must be known, and numbers, booleans and
// the authenticator must parse. Errors wrap connections.ErrInvalidInput.
func Validate(cfg connectors.Config) error {
	known := configKeys()
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		if !slices.Contains(known, k) {
			return invalid("unknown config key %q (known: %s)", k, strings.Join(known, ", "))
		}
	}
	account := strings.TrimSpace(cfg[KeyAccount])
	if account == "" {
		return invalid("%s is required (the account identifier, such as myorg-myaccount)", KeyAccount)
	}
	if strings.ContainsAny(account, " \t\r\n/@?#:") {
		return invalid("%s %q is not an account identifier (such as myorg-myaccount)", KeyAccount, account)
	}
	auth := strings.ToLower(strings.TrimSpace(cfg[KeyAuthenticator]))
	if _, ok := authType(auth); auth != "" && !ok {
		return invalid("unknown %s %q (known: %s)", KeyAuthenticator, cfg[KeyAuthenticator], authNames)
	}
	if (auth == AuthPassword || auth == AuthKeyPair) && strings.TrimSpace(cfg[KeyUser]) == "" {
		return invalid("%s is required with %s %s", KeyUser, KeyAuthenticator, auth)
	}
	if auth == AuthOAuthClientCredentials && strings.TrimSpace(cfg[KeyOAuthClientID]) == "" {
		return invalid("%s is required with %s %s", KeyOAuthClientID, KeyAuthenticator, auth)
	}
	if v, ok := cfg[KeyPort]; ok {
		if p, err := strconv.Atoi(v); err != nil || p < 1 || p > 65535 {
			return invalid("%s %q is not a port number", KeyPort, v)
		}
	}
	if v, ok := cfg[KeyProtocol]; ok && v != "http" && v != "https" {
		return invalid("%s %q: want http or https", KeyProtocol, v)
	}
	if v, ok := cfg[KeyPageSize]; ok {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > MaxPageSize {
			return invalid("%s %q is not a number from 1 to %d", KeyPageSize, v, MaxPageSize)
		}
	}
	if v, ok := cfg[KeyIncludeImported]; ok {
		if _, err := strconv.ParseBool(v); err != nil {
			return invalid("%s %q is not true or false", KeyIncludeImported, v)
		}
	}
	return nil
}

// authenticator returns the authenticator the config names, or the one
// the credentials imply: a private key means key pair, a token OAuth, a
// client secret OAuth client credentials, otherwise password.
func authenticator(cfg connectors.Config, creds connectors.Credentials) string {
	if a := strings.ToLower(strings.TrimSpace(cfg[KeyAuthenticator])); a != "" {
		return a
	}
	switch {
	case creds[CredPrivateKey] != "":
		return AuthKeyPair
	case creds[CredToken] != "":
		return AuthOAuth
	case creds[CredOAuthClientSecret] != "":
		return AuthOAuthClientCredentials
	}
	return AuthPassword
}

// driverConfig builds the gosnowflake configuration. Errors name missing
// or invalid keys, never their values.
func driverConfig(cfg connectors.Config, creds connectors.Credentials) (gosnowflake.Config, error) {
	if err := Validate(cfg); err != nil {
		return gosnowflake.Config{}, err
	}
	auth := authenticator(cfg, creds)
	at, _ := authType(auth) // validated, or inferred
	sc := gosnowflake.Config{
		Account:       strings.TrimSpace(cfg[KeyAccount]),
		User:          cfg[KeyUser],
		Warehouse:     cfg[KeyWarehouse],
		Role:          cfg[KeyRole],
		Host:          cfg[KeyHost],
		Protocol:      cfg[KeyProtocol],
		Authenticator: at,
	}
	if v := cfg[KeyPort]; v != "" {
		sc.Port, _ = strconv.Atoi(v) // validated
	}
	if v, ok := cfg[KeyQueryTag]; ok {
		sc.Params = map[string]*string{"QUERY_TAG": &v}
	}
	need := func(key string) error {
		if strings.TrimSpace(creds[key]) == "" {
			return connections.Wrap("snowflake: open", "", fmt.Errorf("%w: credential %q is required with authenticator %s", connections.ErrInvalidInput, key, auth))
		}
		return nil
	}
	if (auth == AuthPassword || auth == AuthKeyPair) && strings.TrimSpace(sc.User) == "" {
		return gosnowflake.Config{}, invalid("%s is required with %s %s", KeyUser, KeyAuthenticator, auth)
	}
	switch auth {
	case AuthPassword:
		if err := need(CredPassword); err != nil {
			return gosnowflake.Config{}, err
		}
		sc.Password = creds[CredPassword]
	case AuthKeyPair:
		if err := need(CredPrivateKey); err != nil {
			return gosnowflake.Config{}, err
		}
		key, err := parsePrivateKey(creds[CredPrivateKey], creds[CredPrivateKeyPassphrase])
		if err != nil {
			return gosnowflake.Config{}, connections.Wrap("snowflake: open", "", fmt.Errorf("%w: %w", connections.ErrInvalidInput, err))
		}
		sc.PrivateKey = key
	case AuthOAuth, AuthProgrammaticAccessToken:
		if err := need(CredToken); err != nil {
			return gosnowflake.Config{}, err
		}
		sc.Token = creds[CredToken]
	case AuthOAuthClientCredentials:
		if err := need(CredOAuthClientSecret); err != nil {
			return gosnowflake.Config{}, err
		}
		if strings.TrimSpace(cfg[KeyOAuthClientID]) == "" {
			return gosnowflake.Config{}, invalid("%s is required with %s %s", KeyOAuthClientID, KeyAuthenticator, auth)
		}
		sc.OauthClientID = cfg[KeyOAuthClientID]
		sc.OauthClientSecret = creds[CredOAuthClientSecret]
		sc.OauthTokenRequestURL = cfg[KeyOAuthTokenRequestURL]
		sc.OauthScope = cfg[KeyOAuthScope]
	}
	return sc, nil
}

// Open opens a Connector on the account cfg names, signing in with creds
// (see the package documentation for the keys). It does not connect:
// the first call does, and Check is the way to verify the credentials.
// Config keys page_size and include_imported_databases override opts,
// which may be nil. The connector owns its connection pool: Close closes
// it.
func Open(ctx context.Context, cfg connectors.Config, creds connectors.Credentials, opts *Options) (*Connector, error) {
	if err := ctx.Err(); err != nil {
		return nil, connections.Wrap("snowflake: open", "", err)
	}
	sc, err := driverConfig(cfg, creds)
	if err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if v := cfg[KeyPageSize]; v != "" {
		o.PageSize, _ = strconv.Atoi(v) // validated
	}
	if v := cfg[KeyIncludeImported]; v != "" {
		o.IncludeImported, _ = strconv.ParseBool(v) // validated
	}
	for _, k := range slices.Sorted(maps.Keys(creds)) {
		o.Redact = append(slices.Clip(o.Redact), creds[k])
	}
	db := sql.OpenDB(gosnowflake.NewConnector(gosnowflake.SnowflakeDriver{}, sc))
	c, err := New(db, &o)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	c.ownsDB = true
	return c, nil
}
