package connectortest_test

import (
	"fmt"
	"testing"

	"github.com/govkit/connections/connectors/connectortest"
)

// fatalRecorder is a testing.TB whose Fatalf records instead of stopping.
type fatalRecorder struct {
	testing.TB
	failed string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

type leaky struct{ Password string }

func TestPrintsNoSecrets_CatchesALeak(t *testing.T) {
	r := &fatalRecorder{TB: t}
	connectortest.PrintsNoSecrets(r, leaky{Password: "hunter2"}, "hunter2")
	if r.failed == "" {
		t.Fatal("a value that prints its password passed")
	}
	r.failed = ""
	connectortest.PrintsNoSecrets(r, leaky{}, "hunter2")
	if r.failed != "" {
		t.Fatalf("a value without the secret failed: %s", r.failed)
	}
}
