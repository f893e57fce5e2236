package main

import (
	"context"
	"log/slog"

	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/pgstore"
	"github.com/govkit/connections/store/sqlitestore"
)

// openStore opens the store --store names: a SQLite file, created if
// needed, or a PostgreSQL database (the store's tables go in the schema
// "govkit", or the one the DSN's govkit_schema parameter names).
func openStore(ctx context.Context, spec string, log *slog.Logger) (store.Store, error) {
	kind, target, err := storeKind(spec)
	if err != nil {
		return nil, err
	}
	if kind == "postgres" {
		dsn, schema, err := splitSchemaParam(target)
		if err != nil {
			return nil, err
		}
		st, err := pgstore.Open(ctx, dsn, &pgstore.Options{Schema: schema, Logger: log})
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	st, err := sqlitestore.Open(ctx, target, &sqlitestore.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	return st, nil
}
