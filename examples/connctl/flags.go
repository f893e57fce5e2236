package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
)

// DefaultStore is the SQLite file connctl uses when neither --store nor
// GOVKIT_STORE names a store.
const DefaultStore = "connctl.db"

// Environment variables connctl reads.
const (
	EnvStore           = "GOVKIT_STORE"
	EnvAs              = "GOVKIT_AS"
	EnvGroups          = "GOVKIT_GROUPS"
	EnvAdmins          = "GOVKIT_ADMINS"
	EnvCredentialsFile = "GOVKIT_CREDENTIALS_FILE"
)

// globals are the flags every command accepts, before or after its name.
type globals struct {
	store    string
	as       string
	groups   string
	admins   string
	credFile string
	json     bool
	verbose  bool
	timeout  time.Duration
}

// newGlobals returns the globals with the defaults the environment gives.
func newGlobals(getenv func(string) string) *globals {
	g := &globals{
		store:    getenv(EnvStore),
		as:       getenv(EnvAs),
		groups:   getenv(EnvGroups),
		admins:   getenv(EnvAdmins),
		credFile: getenv(EnvCredentialsFile),
	}
	if g.store == "" {
		g.store = DefaultStore
	}
	return g
}

// bind defines the global flags on fs, with the current values as
// defaults so that binding a second flag set keeps what the first parsed.
func (g *globals) bind(fs *flag.FlagSet) {
	fs.StringVar(&g.store, "store", g.store, "the `store`: a SQLite file path (or sqlite:PATH), or a postgres:// DSN; env "+EnvStore)
	fs.StringVar(&g.as, "as", g.as, "the `user` acting; env "+EnvAs)
	fs.StringVar(&g.groups, "groups", g.groups, "comma-separated `groups` of the acting user; env "+EnvGroups)
	fs.StringVar(&g.admins, "admins", g.admins, "comma-separated admin `users` (group:NAME for a group); env "+EnvAdmins)
	fs.StringVar(&g.credFile, "credentials-file", g.credFile, "JSON or KEY=VALUE `file` of credentials; env "+EnvCredentialsFile)
	fs.BoolVar(&g.json, "json", g.json, "print one JSON document on stdout")
	fs.BoolVar(&g.verbose, "verbose", g.verbose, "log what the library does to stderr")
	fs.DurationVar(&g.timeout, "timeout", g.timeout, "give up after this `duration` (0: no limit)")
}

// principal returns the actor --as names, an admin when --admins lists it
// or one of its groups. Admins the store keeps ("connctl admins add") are
// admins too: the library looks them up on every check.
func (g *globals) principal() (perms.Principal, error) {
	user := strings.TrimSpace(g.as)
	if user == "" {
		return perms.Principal{}, usageErrorf("no actor: pass --as USER or set %s", EnvAs)
	}
	groups := splitList(g.groups)
	admin := false
	for _, a := range splitList(g.admins) {
		if name, ok := strings.CutPrefix(a, "group:"); ok {
			admin = admin || slices.Contains(groups, name)
		} else {
			admin = admin || strings.TrimPrefix(a, "user:") == user
		}
	}
	p := perms.User(user, groups...)
	p.Admin = admin
	return p, nil
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parseInterspersed parses fs from args, allowing flags after positional
// arguments as well as before; "--" ends the flags. It returns the
// positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// keyValues is a repeatable flag of key=value pairs.
type keyValues struct {
	m    map[string]string
	keys []string
}

func (kv *keyValues) String() string {
	if kv == nil {
		return ""
	}
	parts := make([]string, 0, len(kv.keys))
	for _, k := range kv.keys {
		parts = append(parts, k+"="+kv.m[k])
	}
	return strings.Join(parts, ",")
}

func (kv *keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	if kv.m == nil {
		kv.m = map[string]string{}
	}
	if _, dup := kv.m[k]; !dup {
		kv.keys = append(kv.keys, k)
	}
	kv.m[k] = v
	return nil
}

// parsePath parses a path argument in the library's text form.
func parsePath(s string) (hierarchy.Path, error) {
	p, err := hierarchy.Parse(s)
	if err != nil {
		return nil, usageErrorf("path %q: %v", s, err)
	}
	if err := p.Validate(); err != nil {
		return nil, usageErrorf("path %q: %v", s, err)
	}
	return p, nil
}

// parseObjectPath parses the path of a host, database, schema or table.
func parseObjectPath(s string) (hierarchy.Path, error) {
	p, err := parsePath(s)
	if err != nil {
		return nil, err
	}
	if p.Kind() == hierarchy.KindColumn {
		return nil, usageErrorf("path %q names a column; name its table", s)
	}
	return p, nil
}
