package connectors

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/govkit/connections"
)

// Config is a connection's non-secret configuration, such as host, port,
// warehouse or role. It is stored with the connection.
type Config map[string]string

// Credentials are secrets (passwords, tokens, private keys) a host supplies
// at run time. They are never stored, and never printed: String, GoString,
// JSON and slog all show them redacted (B7).
type Credentials map[string]string

const redacted = "[REDACTED]"

// String returns the credential names with their values redacted.
func (c Credentials) String() string {
	if len(c) == 0 {
		return "Credentials{}"
	}
	keys := slices.Sorted(maps.Keys(c))
	return "Credentials{" + strings.Join(keys, ":"+redacted+", ") + ":" + redacted + "}"
}

// GoString is String, so that %#v redacts too.
func (c Credentials) GoString() string { return c.String() }

// Format implements fmt.Formatter so that every verb redacts.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// MarshalJSON writes the names with redacted values.
func (c Credentials) MarshalJSON() ([]byte, error) {
	keys := slices.Sorted(maps.Keys(c))
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%q", k, redacted)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// Use says what credentials are for: reading the hierarchy, or reading
// tags, which may use other credentials (B20).
type Use string

// The uses of credentials.
const (
	UseConnection Use = "connection"
	UseTags       Use = "tags"
)

// CredentialsFunc supplies credentials for a connection at run time. It
// returns connections.ErrNotFound (wrapped) when it has none for that use.
type CredentialsFunc func(ctx context.Context, connection string, use Use) (Credentials, error)

// OpenFunc opens a connector on a platform.
type OpenFunc func(ctx context.Context, cfg Config, creds Credentials) (Connector, error)

// Technology is a kind of data platform a connection can register.
type Technology struct {
	// Name is the key, such as "snowflake"; lower case letters and digits.
	Name string
	// DisplayName is what people read, such as "Snowflake"; it is part of
	// connection tags (B19).
	DisplayName string
	// Levels names the four levels on this platform, top down, such as
	// {"Account", "Database", "Schema", "Table"} (B1).
	Levels [4]string
	// Impersonation says the platform supports user impersonation (B6).
	Impersonation bool
	// ProjectWorkspaces says the platform supports project workspaces (B6).
	ProjectWorkspaces bool
	// Validate, when set, checks a Config before Open is ever called.
	Validate func(Config) error
	// Open opens a connector.
	Open OpenFunc
}

// Registry maps technology names to technologies. The zero value is an
// empty registry ready to use; a Registry is not safe for concurrent
// Register calls, and is meant to be filled once at start-up.
type Registry struct {
	techs map[string]Technology
}

// NewRegistry returns a registry holding the given technologies.
func NewRegistry(techs ...Technology) (*Registry, error) {
	r := &Registry{}
	for _, t := range techs {
		if err := r.Register(t); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Register adds a technology. A missing name or Open func, or a name
// already registered, is an error.
func (r *Registry) Register(t Technology) error {
	if t.Name == "" || t.Open == nil {
		return fmt.Errorf("connectors: register technology %q: %w: name and Open are required", t.Name, connections.ErrInvalidInput)
	}
	if _, ok := r.techs[t.Name]; ok {
		return fmt.Errorf("connectors: register technology %q: %w", t.Name, connections.ErrAlreadyExists)
	}
	if r.techs == nil {
		r.techs = make(map[string]Technology)
	}
	if t.DisplayName == "" {
		t.DisplayName = t.Name
	}
	r.techs[t.Name] = t
	return nil
}

// Lookup returns the technology with the name; an unknown name gives an
// error matching connections.ErrNotFound that lists the known ones.
func (r *Registry) Lookup(name string) (Technology, error) {
	if t, ok := r.techs[name]; ok {
		return t, nil
	}
	return Technology{}, fmt.Errorf("unknown technology %q (known: %s): %w", name, strings.Join(r.Names(), ", "), connections.ErrNotFound)
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.techs))
	for n := range r.techs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
