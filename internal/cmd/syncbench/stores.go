package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	gosync "sync"
	"time"

	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
)

// opener opens a store for one run; dsn is the -store-dsn flag (a file or
// URL), which stores that need no data source ignore. Each run gets a
// store of its own: the latency run opens a second one.
type opener func(ctx context.Context, dsn string) (store.Store, error)

// openers lists the stores -store can name: memory, and those that a file
// of their own (stores_sqlite.go, ...) adds to storeOpeners.
func openers() map[string]opener {
	m := map[string]opener{
		"memory": func(context.Context, string) (store.Store, error) { return memstore.New(nil), nil },
	}
	maps.Copy(m, storeOpeners)
	return m
}

// storeFloor measures a store's write floor: the rows an initial sync of
// p writes into that store, written by a plain batched insert (or COPY)
// into tables of the same columns with no keys or indexes, in a fresh
// database of its own (dsn as for the opener). It returns the time spent
// writing, and nothing else: reading the platform and encoding the rows
// are not timed.
type storeFloor func(ctx context.Context, dsn string, p *memory.Platform) (time.Duration, error)

// storeOpeners, storeFloors and storeFloorExtras are filled, one entry per
// store, by the init funcs of the files stores_*.go, before main runs;
// nothing changes them after. storeFloorExtras holds informational
// variants of a store's floor by name (such as "same_schema": the rows
// into the store's own tables, keys and indexes included).
var (
	storeOpeners     = map[string]opener{}
	storeFloors      = map[string]storeFloor{}
	storeFloorExtras = map[string]map[string]storeFloor{}
)

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
