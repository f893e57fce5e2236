package postgres_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/postgres"
)

// A host registers the technology and opens connectors from a stored
// configuration and credentials supplied at run time.
func ExampleTechnology() {
	reg, err := connectors.NewRegistry(postgres.Technology())
	if err != nil {
		log.Fatal(err)
	}
	tech, err := reg.Lookup("postgres")
	if err != nil {
		log.Fatal(err)
	}
	cfg := connectors.Config{"host": "db.example.com", "user": "govkit_reader", "sslmode": "verify-full"}
	fmt.Println(tech.DisplayName, tech.Levels, tech.Validate(cfg))
	// Output: PostgreSQL [Server Database Schema Relation] <nil>
}

// A host with its own pgx configuration, here with a logger and a small
// pool per database, walks the hierarchy. (Compiled, not run: it needs a
// server.)
func ExampleNew() {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	c, err := postgres.New(ctx, cfg, &postgres.Options{
		Logger:              slog.Default(),
		MaxConnsPerDatabase: 2,
		ExcludeDatabases:    []string{"govkit_internal"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	dbs, err := c.Databases(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, db := range dbs {
		err := c.DatabaseTables(ctx, db.Name, func(schema string, tables []connectors.Table) error {
			fmt.Println(db.Name, schema, len(tables))
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
	}
}
