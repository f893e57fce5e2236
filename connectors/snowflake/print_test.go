package snowflake

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestConnector_B7_PrintsNoSecrets(t *testing.T) {
	c := &Connector{redact: newRedactor("s3cr3t-pass", "-----BEGIN PRIVATE KEY-----")}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out = append(out, fmt.Sprintf(verb, c))
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "c", c)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "c", c)
	out = append(out, buf.String())
	for _, s := range out {
		if strings.Contains(s, "s3cr3t") || strings.Contains(s, "PRIVATE KEY") {
			t.Fatalf("printed a secret: %s", s)
		}
	}
}
