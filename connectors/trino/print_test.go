package trino

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestConnector_B7_PrintsNoSecrets(t *testing.T) {
	c := &Connector{serverHost: "trino.example", secrets: []string{"s3cr3t-pass", "tok-abc"}}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out = append(out, fmt.Sprintf(verb, c))
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "c", c)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "c", c)
	out = append(out, buf.String())
	for _, s := range out {
		if strings.Contains(s, "s3cr3t") || strings.Contains(s, "tok-abc") {
			t.Fatalf("printed a secret: %s", s)
		}
	}
	if !strings.Contains(out[0], "trino.example") {
		t.Fatalf("String should name the server: %s", out[0])
	}
}
