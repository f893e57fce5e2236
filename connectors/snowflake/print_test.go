package snowflake

import (
	"testing"

	"github.com/govkit/connections/connectors/connectortest"
)

func TestConnector_B7_PrintsNoSecrets(t *testing.T) {
	c := &Connector{redact: newRedactor("s3cr3t-pass", "-----BEGIN PRIVATE KEY-----")}
	connectortest.PrintsNoSecrets(t, c, "s3cr3t", "PRIVATE KEY")
}
