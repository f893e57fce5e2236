package databricks_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/databricks"
)

// Register the technology and open a connection's connector from its
// stored Config and run-time Credentials. (Compiled, not run: it needs a
// workspace.)
func ExampleTechnology() {
	reg, err := connectors.NewRegistry(databricks.Technology())
	if err != nil {
		log.Fatal(err)
	}
	tech, err := reg.Lookup("databricks")
	if err != nil {
		log.Fatal(err)
	}
	cfg := connectors.Config{
		"host":      "https://adb-1234567890123456.7.azuredatabricks.net",
		"auth_type": "oauth-m2m",
		"client_id": "4f1c2d3e-0000-1111-2222-333344445555",
	}
	if err := tech.Validate(cfg); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	conn, err := tech.Open(ctx, cfg, connectors.Credentials{"client_secret": os.Getenv("DATABRICKS_CLIENT_SECRET")})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Check(ctx); err != nil {
		log.Fatal(err)
	}
}

// Use the connector directly with your own HTTP client. (Compiled, not
// run: it needs a workspace.)
func ExampleNew() {
	c, err := databricks.New("https://dbc-a1b2c3d4-e5f6.cloud.databricks.com",
		&http.Client{Timeout: time.Minute},
		&databricks.Options{Auth: databricks.PAT(os.Getenv("DATABRICKS_TOKEN")), Concurrency: 4})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	catalogs, err := c.Databases(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, cat := range catalogs {
		schemas, err := c.Schemas(ctx, cat.Name)
		if err != nil {
			log.Printf("catalog %s: %v", cat.Name, err)
			continue
		}
		for _, s := range schemas {
			tables, err := c.Tables(ctx, cat.Name, s.Name)
			if err != nil {
				log.Printf("schema %s.%s: %v", cat.Name, s.Name, err)
				continue
			}
			fmt.Println(cat.Name, s.Name, len(tables))
		}
	}
}
