package main

import (
	"context"
	"errors"
	"flag"
	"testing"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStoreKind(t *testing.T) {
	for spec, want := range map[string][2]string{
		"connctl.db":                         {"sqlite", "connctl.db"},
		"/var/lib/connctl/store.db":          {"sqlite", "/var/lib/connctl/store.db"},
		"sqlite:x.db":                        {"sqlite", "x.db"},
		"sqlite:///tmp/x.db":                 {"sqlite", "/tmp/x.db"},
		"postgres://u@h:5432/db":             {"postgres", "postgres://u@h:5432/db"},
		"postgresql://u@h/db?sslmode=verify": {"postgres", "postgresql://u@h/db?sslmode=verify"},
	} {
		kind, target, err := storeKind(spec)
		require.NoError(t, err, spec)
		assert.Equal(t, want, [2]string{kind, target}, spec)
	}
	_, _, err := storeKind(" ")
	assert.Error(t, err)

	dsn, schema, err := splitSchemaParam("postgres://u:pw@h/db?sslmode=disable&govkit_schema=s1")
	require.NoError(t, err)
	assert.Equal(t, "postgres://u:pw@h/db?sslmode=disable", dsn)
	assert.Equal(t, "s1", schema)
	dsn, schema, err = splitSchemaParam("postgres://u@h/db")
	require.NoError(t, err)
	assert.Equal(t, "postgres://u@h/db", dsn)
	assert.Empty(t, schema)
	_, _, err = splitSchemaParam("postgres://u:secret@h/db\x7f")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
}

func TestParseInterspersed(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	dry := fs.Bool("dry-run", false, "")
	n := fs.Int("n", 0, "")
	pos, err := parseInterspersed(fs, []string{"a", "--dry-run", "b", "-n", "3", "--", "-c", "--n"})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "-c", "--n"}, pos)
	assert.True(t, *dry)
	assert.Equal(t, 3, *n)
}

func TestCredentialsLookup(t *testing.T) {
	c, err := loadCredentials([]string{
		"GOVKIT_CRED_PROD_PG__PASSWORD=pw",
		"GOVKIT_CRED_PROD_PG_X__TOKEN=tok",
		"GOVKIT_TAGCRED_PROD_PG__PASSWORD=tagpw",
		"GOVKIT_CRED_BROKEN=x",
		"OTHER=y",
	}, "")
	require.NoError(t, err)
	ctx := context.Background()
	got, err := c.lookup(ctx, "prod-pg", connectors.UseConnection)
	require.NoError(t, err)
	assert.Equal(t, connectors.Credentials{"password": "pw"}, got, "prod-pg_x's are not prod-pg's")
	got, err = c.lookup(ctx, "prod-pg", connectors.UseTags)
	require.NoError(t, err)
	assert.Equal(t, connectors.Credentials{"password": "tagpw"}, got)
	got, err = c.lookup(ctx, "PROD-PG_X", connectors.UseConnection)
	require.NoError(t, err)
	assert.Equal(t, connectors.Credentials{"token": "tok"}, got)
	_, err = c.lookup(ctx, "other", connectors.UseConnection)
	assert.True(t, errors.Is(err, connections.ErrNotFound))
}

func TestClassify(t *testing.T) {
	for err, want := range map[error]int{
		usageErrorf("x"): exitUsage,
		connections.Wrap("show", "a", connections.ErrNotFound):             exitNotFound,
		connections.ErrPermissionDenied:                                    exitPermission,
		connections.ErrInvalidInput:                                        exitUsage,
		connections.ErrConflict:                                            exitFailure,
		errors.New("boom"):                                                 exitFailure,
		&partialError{failed: 2}:                                           exitPartial,
		&partialError{failed: 1, rootErr: connections.ErrPermissionDenied}: exitPermission,
	} {
		code, _ := classify(err)
		assert.Equal(t, want, code, "%v", err)
	}
}
