package databricks

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestConnector_B7_PrintsNoSecrets(t *testing.T) {
	c, err := New("https://example.cloud.databricks.com", http.DefaultClient, &Options{Auth: OAuthM2M("client-x", "s3cr3t-client")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		out = append(out, fmt.Sprintf(verb, c))
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "c", c)
	out = append(out, buf.String())
	for _, s := range out {
		if strings.Contains(s, "s3cr3t") {
			t.Fatalf("printed a secret: %s", s)
		}
	}
}
