package snowflake_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/snowflakedb/gosnowflake"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/snowflake"
)

// A host registers the technology and opens connections from stored
// configuration and credentials it supplies at run time. (Compiled, not
// run: it needs a Snowflake account.)
func ExampleTechnology() {
	ctx := context.Background()
	reg, err := connectors.NewRegistry(snowflake.Technology())
	if err != nil {
		log.Fatal(err)
	}
	tech, err := reg.Lookup("snowflake")
	if err != nil {
		log.Fatal(err)
	}
	cfg := connectors.Config{
		"account":   "myorg-myaccount",
		"user":      "GOVKIT_READER",
		"role":      "GOVKIT_READER",
		"warehouse": "GOVKIT_WH",
	}
	if err := tech.Validate(cfg); err != nil {
		log.Fatal(err)
	}
	c, err := tech.Open(ctx, cfg, connectors.Credentials{
		"private_key":            os.Getenv("SNOWFLAKE_PRIVATE_KEY"), // PEM PKCS#8
		"private_key_passphrase": os.Getenv("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Check(ctx); err != nil {
		log.Fatal(err)
	}
	dbs, err := c.Databases(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range dbs {
		fmt.Println(d.Name)
	}
}

// Open takes Options, such as a logger.
func ExampleOpen() {
	ctx := context.Background()
	c, err := snowflake.Open(ctx,
		connectors.Config{"account": "myorg-myaccount", "user": "GOVKIT_READER", "warehouse": "GOVKIT_WH"},
		connectors.Credentials{"password": os.Getenv("SNOWFLAKE_PASSWORD")},
		&snowflake.Options{Logger: slog.Default()})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	tables, err := c.Tables(ctx, "SALES", "PUBLIC")
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tables {
		fmt.Println(t.Name, t.Type, len(t.Columns))
	}
}

// New runs on a *sql.DB the host builds and keeps, here on gosnowflake
// with an OAuth token.
func ExampleNew() {
	db := sql.OpenDB(gosnowflake.NewConnector(gosnowflake.SnowflakeDriver{}, gosnowflake.Config{
		Account:       "myorg-myaccount",
		Authenticator: gosnowflake.AuthTypeOAuth,
		Token:         os.Getenv("SNOWFLAKE_TOKEN"),
		Warehouse:     "GOVKIT_WH",
	}))
	defer db.Close()
	c, err := snowflake.New(db, &snowflake.Options{Redact: []string{os.Getenv("SNOWFLAKE_TOKEN")}})
	if err != nil {
		log.Fatal(err)
	}
	host, err := c.Host(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(host.Name)
}

// Tags may be read with other credentials than the hierarchy (B20): a
// second connector, here signed in as a role that can read
// SNOWFLAKE.ACCOUNT_USAGE.
func ExampleConnector_Tags() {
	ctx := context.Background()
	tagReader, err := snowflake.Open(ctx,
		connectors.Config{"account": "myorg-myaccount", "user": "GOVKIT_TAGS", "role": "GOVERNANCE_VIEWER", "warehouse": "GOVKIT_WH"},
		connectors.Credentials{"private_key": os.Getenv("SNOWFLAKE_TAGS_PRIVATE_KEY")}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer tagReader.Close()
	tags, err := tagReader.Tags(ctx, "SALES", "PUBLIC")
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tags {
		fmt.Println(t.Table, t.Column, t.Name, t.Value) // e.g. CUSTOMERS EMAIL GOVERNANCE.TAGS.PII email
	}
}
