package main

import (
	"context"
	"fmt"
	"slices"
	gosync "sync"

	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
)

// opener opens a store for one run; dsn is the -store-dsn flag (a file or
// URL), which stores that need no data source ignore. Each run gets a
// store of its own: the latency run opens a second one.
type opener func(ctx context.Context, dsn string) (store.Store, error)

// openers lists the stores -store can name. To benchmark another store,
// add an entry: "sqlite" and "postgres" go here once they exist.
func openers() map[string]opener {
	return map[string]opener{
		"memory": func(context.Context, string) (store.Store, error) { return memstore.New(nil), nil },
	}
}

func storeNames() []string {
	names := make([]string, 0, len(openers()))
	for n := range openers() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// openStore opens the named store and returns it with an idempotent func
// that closes it.
func openStore(ctx context.Context, name, dsn string) (store.Store, func(), error) {
	open, ok := openers()[name]
	if !ok {
		return nil, nil, fmt.Errorf("unknown store %q (known: %v)", name, storeNames())
	}
	st, err := open(ctx, dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("open store %q: %w", name, err)
	}
	var once gosync.Once
	return st, func() { once.Do(func() { _ = st.Close() }) }, nil
}
