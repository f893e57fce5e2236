package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/sqlitestore"
	"github.com/govkit/connections/store/storetest"
)

// open opens a store in a new file of the test's temporary directory.
func open(t testing.TB, opts *sqlitestore.Options) (*sqlitestore.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := sqlitestore.Open(t.Context(), path, opts)
	require.NoError(t, err, "Open")
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := open(t, nil)
		return s
	})
}
