package databricks

import (
	"net/http"
	"testing"

	"github.com/govkit/connections/connectors/connectortest"
)

func TestConnector_B7_PrintsNoSecrets(t *testing.T) {
	c, err := New("https://example.cloud.databricks.com", http.DefaultClient, &Options{Auth: OAuthM2M("client-x", "s3cr3t-client")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	connectortest.PrintsNoSecrets(t, c, "s3cr3t")
}
