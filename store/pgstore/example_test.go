package pgstore_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govkit/connections/store/pgstore"
	"github.com/govkit/connections/store/storetest"
)

// Open a store from a DSN; it owns its pool and migrates its schema.
func ExampleOpen() {
	ctx := context.Background()
	s, err := pgstore.Open(ctx, os.Getenv("GOVKIT_TEST_POSTGRES_DSN"), &pgstore.Options{Schema: "govkit_example"})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	c, host := storetest.NewConnection(storetest.Key("example"))
	if err := s.CreateConnection(ctx, c, host); err != nil {
		log.Fatal(err)
	}
	got, err := s.Connection(ctx, c.Key)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.HostID == host.ID)
}

// Build a store over the host's own pool, which the host keeps.
func ExampleNewWithPool() {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(os.Getenv("GOVKIT_TEST_POSTGRES_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["jit"] = "off" // as Open does
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	s, err := pgstore.NewWithPool(ctx, pool, nil) // schema "govkit"
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close() // leaves pool open
	fmt.Println(s.Schema())
}
