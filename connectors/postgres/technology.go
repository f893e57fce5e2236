package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
)

// The keys of [connectors.Config] and [connectors.Credentials] the
// technology reads; the package comment describes them.
const (
	KeyHost              = "host"
	KeyPort              = "port"
	KeyUser              = "user"
	KeyDatabase          = "database"
	KeySSLMode           = "sslmode"
	KeySSLRootCert       = "sslrootcert"
	KeyConnectTimeout    = "connect_timeout"
	KeyApplicationName   = "application_name"
	KeyDatabases         = "databases"
	KeyExcludeDatabases  = "exclude_databases"
	KeyIncludePartitions = "include_partitions"
	KeyMaxConns          = "max_conns"
	KeyMaxOpenDatabases  = "max_open_databases"
	// KeyPassword is the credential key of the password.
	KeyPassword = "password"
)

// Defaults of the configuration read by [Technology].
const (
	DefaultConnectTimeout  = 10 * time.Second
	DefaultApplicationName = "govkit-connections"
)

var configKeys = []string{
	KeyHost, KeyPort, KeyUser, KeyDatabase, KeySSLMode, KeySSLRootCert, KeyConnectTimeout,
	KeyApplicationName, KeyDatabases, KeyExcludeDatabases, KeyIncludePartitions, KeyMaxConns, KeyMaxOpenDatabases,
}

var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// Technology returns the PostgreSQL technology for a connectors.Registry:
// name "postgres", levels Server, Database, Schema, Relation, no
// impersonation and no project workspaces. It is TechnologyWith(nil).
func Technology() connectors.Technology { return TechnologyWith(nil) }

// TechnologyWith is Technology with options, such as a logger, for every
// connector it opens. The options' fields that the configuration also
// sets are overridden by the configuration where it sets them.
func TechnologyWith(opts *Options) connectors.Technology {
	var base Options
	if opts != nil {
		base = *opts
	}
	return connectors.Technology{
		Name:              "postgres",
		DisplayName:       "PostgreSQL",
		Levels:            [4]string{"Server", "Database", "Schema", "Relation"},
		Impersonation:     false,
		ProjectWorkspaces: false,
		Validate:          Validate,
		Open: func(ctx context.Context, cfg connectors.Config, creds connectors.Credentials) (connectors.Connector, error) {
			c, err := Open(ctx, cfg, creds, &base)
			if err != nil {
				return nil, err // not a nil *Connector in a non-nil interface
			}
			return c, nil
		},
	}
}

// settings is a validated configuration.
type settings struct {
	connString string
	opts       Options
}

// Validate checks a configuration without connecting: required keys are
// there, values are well formed, and no key is unknown or secret. Its
// errors wrap connections.ErrInvalidInput.
func Validate(cfg connectors.Config) error {
	_, err := parseConfig(cfg, nil)
	return err
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("postgres: invalid config: %w: %s", connections.ErrInvalidInput, fmt.Sprintf(format, args...))
}

func parseConfig(cfg connectors.Config, opts *Options) (settings, error) {
	var s settings
	if opts != nil {
		s.opts = *opts
	}
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		if k == KeyPassword || strings.Contains(strings.ToLower(k), "password") {
			return s, invalid("key %q is a secret: pass it in the credentials, never in the config", k)
		}
		if !slices.Contains(configKeys, k) {
			return s, invalid("unknown key %q (known: %s)", k, strings.Join(configKeys, ", "))
		}
		if v := cfg[k]; !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return s, invalid("%s is not valid text", k)
		}
	}
	kv := [][2]string{}
	add := func(k, v string) { kv = append(kv, [2]string{k, v}) }

	host := strings.TrimSpace(cfg[KeyHost])
	if host == "" {
		return s, invalid("%s is required", KeyHost)
	}
	add("host", host)
	if p := strings.TrimSpace(cfg[KeyPort]); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return s, invalid("%s %q is not a port number", KeyPort, p)
		}
		add("port", strconv.Itoa(n))
	}
	user := cfg[KeyUser]
	if strings.TrimSpace(user) == "" {
		return s, invalid("%s is required", KeyUser)
	}
	add("user", user)
	add("dbname", orDefault(cfg[KeyDatabase], DefaultMaintenanceDatabase))
	if m := cfg[KeySSLMode]; m != "" {
		if !slices.Contains(sslModes, m) {
			return s, invalid("%s %q is not one of %s", KeySSLMode, m, strings.Join(sslModes, ", "))
		}
		add("sslmode", m)
	}
	if r := cfg[KeySSLRootCert]; r != "" {
		add("sslrootcert", r)
	}
	timeout := strconv.Itoa(int(DefaultConnectTimeout / time.Second))
	if t := strings.TrimSpace(cfg[KeyConnectTimeout]); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 || n > 24*3600 {
			return s, invalid("%s %q is not a number of seconds", KeyConnectTimeout, t)
		}
		timeout = strconv.Itoa(n)
	}
	add("connect_timeout", timeout)
	add("application_name", orDefault(cfg[KeyApplicationName], DefaultApplicationName))

	var err error
	if v, ok := cfg[KeyDatabases]; ok {
		if s.opts.Databases, err = parseList(KeyDatabases, v); err != nil {
			return s, err
		}
	}
	if v, ok := cfg[KeyExcludeDatabases]; ok {
		if s.opts.ExcludeDatabases, err = parseList(KeyExcludeDatabases, v); err != nil {
			return s, err
		}
	}
	if v := strings.TrimSpace(cfg[KeyIncludePartitions]); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return s, invalid("%s %q is not true or false", KeyIncludePartitions, v)
		}
		s.opts.IncludePartitions = b
	}
	if s.opts.MaxConnsPerDatabase == 0 {
		s.opts.MaxConnsPerDatabase = DefaultMaxConnsPerDatabase
	}
	if s.opts.MaxConnsPerDatabase, err = parseCount(cfg, KeyMaxConns, s.opts.MaxConnsPerDatabase, 1000); err != nil {
		return s, err
	}
	if s.opts.MaxOpenDatabases, err = parseCount(cfg, KeyMaxOpenDatabases, s.opts.MaxOpenDatabases, 100000); err != nil {
		return s, err
	}

	parts := make([]string, len(kv))
	for i, p := range kv {
		parts[i] = p[0] + "=" + quoteValue(p[1])
	}
	s.connString = strings.Join(parts, " ")
	return s, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// parseCount reads a positive integer key, def when it is absent.
func parseCount(cfg connectors.Config, key string, def, maxN int) (int, error) {
	v := strings.TrimSpace(cfg[key])
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxN {
		return 0, invalid("%s %q is not a number from 1 to %d", key, v, maxN)
	}
	return n, nil
}

// parseList reads a list of names: a JSON array of strings, or names
// separated by commas with the spaces around them trimmed.
func parseList(key, v string) ([]string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	var names []string
	if strings.HasPrefix(v, "[") {
		if err := json.Unmarshal([]byte(v), &names); err != nil {
			return nil, invalid("%s is not a JSON array of names: %v", key, err)
		}
	} else {
		for n := range strings.SplitSeq(v, ",") {
			names = append(names, strings.TrimSpace(n))
		}
	}
	for _, n := range names {
		if n == "" {
			return nil, invalid("%s has an empty name", key)
		}
	}
	return names, nil
}

// quoteValue quotes a keyword/value connection string value, as libpq
// reads it.
func quoteValue(v string) string {
	return `'` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + `'`
}

// Open validates a configuration and opens a connector with the
// credentials. Open does no I/O: Check verifies the settings. opts may be
// nil; the configuration's keys override its fields.
func Open(ctx context.Context, cfg connectors.Config, creds connectors.Credentials, opts *Options) (*Connector, error) {
	s, err := parseConfig(cfg, opts)
	if err != nil {
		return nil, err
	}
	for k := range creds {
		if k != KeyPassword {
			return nil, fmt.Errorf("postgres: invalid credentials: %w: unknown key %q (known: %s)", connections.ErrInvalidInput, k, KeyPassword)
		}
	}
	pcfg, err := pgxpool.ParseConfig(s.connString)
	if err != nil {
		// The string holds no secret, but scrub it all the same.
		return nil, fmt.Errorf("postgres: invalid config: %w: %w", connections.ErrInvalidInput, newScrubber(creds[KeyPassword]).wrap(ctx, err))
	}
	if pw := creds[KeyPassword]; pw != "" {
		pcfg.ConnConfig.Password = pw
	}
	if pcfg.MaxConnIdleTime > time.Minute {
		pcfg.MaxConnIdleTime = time.Minute
	}
	return New(ctx, pcfg, &s.opts)
}
