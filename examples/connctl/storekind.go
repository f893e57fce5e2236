package main

import (
	"net/url"
	"strings"
)

// storeSchemaParam is the query parameter of a postgres:// --store that
// names the PostgreSQL schema of the store's tables.
const storeSchemaParam = "govkit_schema"

// storeKind tells which store a --store value names, and the path or DSN
// to open: a postgres:// or postgresql:// URL is PostgreSQL, anything else
// a SQLite file (an optional "sqlite:" or "sqlite://" prefix is dropped).
func storeKind(spec string) (kind, target string, err error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "":
		return "", "", usageErrorf("--store is empty")
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return "postgres", spec, nil
	case strings.HasPrefix(spec, "sqlite://"):
		return "sqlite", strings.TrimPrefix(spec, "sqlite://"), nil
	case strings.HasPrefix(spec, "sqlite:"):
		return "sqlite", strings.TrimPrefix(spec, "sqlite:"), nil
	default:
		return "sqlite", spec, nil
	}
}

// splitSchemaParam removes the query parameter govkit_schema from a
// postgres:// DSN and returns it apart (PostgreSQL would take it for a
// server setting).
func splitSchemaParam(dsn string) (string, string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Parse errors quote the URL, password included.
		return "", "", usageErrorf("--store: malformed PostgreSQL URL")
	}
	q := u.Query()
	schema := q.Get(storeSchemaParam)
	if schema == "" {
		return dsn, "", nil
	}
	q.Del(storeSchemaParam)
	u.RawQuery = q.Encode()
	return u.String(), schema, nil
}
