package trino

import (
	"strings"
	"testing"

	"github.com/govkit/connections/connectors/connectortest"
)

func TestConnector_B7_PrintsNoSecrets(t *testing.T) {
	c := &Connector{serverHost: "trino.example", secrets: []string{"s3cr3t-pass", "tok-abc"}}
	out := connectortest.PrintsNoSecrets(t, c, "s3cr3t", "tok-abc")
	if !strings.Contains(out[0], "trino.example") {
		t.Fatalf("String should name the server: %s", out[0])
	}
}
