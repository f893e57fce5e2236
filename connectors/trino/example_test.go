package trino_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/trino"
)

// ExampleOpen opens a connector on a cluster and lists its catalogs. It
// needs a running cluster, so it is compiled but not run.
func ExampleOpen() {
	ctx := context.Background()
	cfg := connectors.Config{
		trino.ConfigServer:          "https://trino.example.com:8443",
		trino.ConfigUser:            "crawler",
		trino.ConfigExcludeCatalogs: "system,jmx",
	}
	creds := connectors.Credentials{trino.CredentialPassword: "from your secret store"}
	c, err := trino.Open(ctx, cfg, creds, &trino.Options{Logger: slog.Default()})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Check(ctx); err != nil {
		log.Fatal(err)
	}
	catalogs, err := c.Databases(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, cat := range catalogs {
		fmt.Println(cat.Name)
	}
}

// ExampleTechnology registers Trino with a registry, as a host does at
// start-up.
func ExampleTechnology() {
	reg, err := connectors.NewRegistry(trino.Technology())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reg.Names())
	// Output: [trino]
}
