package sqlitestore_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store/storetest"
)

// TestBig_DeleteConnectionOfAMillion deregisters a connection of 1,000
// schemas of 1,000 tables of ten columns, each with the connection tag,
// and reports the time and the process's resident memory. It takes a
// minute and a few GB of disk: it runs only with
// GOVKIT_SQLITESTORE_BIG=1 (and the DIR in GOVKIT_SQLITESTORE_BIG_DIR, if
// set, instead of the test's temporary directory).
func TestBig_DeleteConnectionOfAMillion(t *testing.T) {
	if os.Getenv("GOVKIT_SQLITESTORE_BIG") != "1" {
		t.Skip("set GOVKIT_SQLITESTORE_BIG=1 to run")
	}
	ctx := t.Context()
	s, _ := open(t, nil)
	tr := storetest.NewTree(t, s)
	start := time.Now()
	for i := range 1000 {
		sc := storetest.Child(tr.Database, fmt.Sprintf("S%04d", i))
		storetest.Add(t, s, tr.Conn.Key, tr.Database, sc)
		require.NoError(t, s.Apply(ctx, schemaChanges(tr, sc, 1000)))
	}
	n, err := s.CountDescendants(ctx, tr.Host.ID)
	require.NoError(t, err)
	t.Logf("stored %d objects in %v; resident %s", n, time.Since(start), memStatus())

	resetHWM()
	start = time.Now()
	require.NoError(t, s.DeleteConnection(ctx, tr.Conn.Key))
	t.Logf("DeleteConnection of %d objects: %v; during it: %s", n, time.Since(start), memStatus())
	_, err = s.Lookup(ctx, hierarchy.Path{tr.Conn.Key})
	require.Error(t, err)
}

// memStatus returns VmRSS and VmHWM (peak) of the process.
func memStatus() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") || strings.HasPrefix(line, "VmHWM:") {
			out = append(out, strings.Join(strings.Fields(line), " "))
		}
	}
	return strings.Join(out, ", ")
}

// resetHWM resets the peak resident set (VmHWM) to the current one, where
// the kernel allows it.
func resetHWM() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte(strconv.Itoa(5)), 0)
}
