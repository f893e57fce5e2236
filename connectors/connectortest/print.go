package connectortest

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// PrintsNoSecrets prints v as a host might — with every fmt verb, and as
// an attribute of slog's text and JSON handlers — and fails the test if
// any of the secrets shows in what was printed (B7). It returns the
// printed forms, the %v one first, for further checks.
func PrintsNoSecrets(t testing.TB, v any, secrets ...string) []string {
	t.Helper()
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out = append(out, fmt.Sprintf(verb, v))
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "c", v)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "c", v)
	out = append(out, buf.String())
	for _, s := range out {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Fatalf("printed a secret: %s", s)
			}
		}
	}
	return out
}
