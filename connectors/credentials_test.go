package connectors_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/govkit/connections/connectors"
)

// TestCredentials_B7_RedactedWhereverPrinted proves that a credential's
// value never shows in fmt output (every verb, alone or inside a struct,
// slice or error), JSON, or slog's text and JSON handlers, while the
// names still do.
func TestCredentials_B7_RedactedWhereverPrinted(t *testing.T) {
	const secret = "hunter2-very-secret"
	creds := connectors.Credentials{"password": secret, "token": secret}
	type holder struct {
		Creds connectors.Credentials
	}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		outs = append(outs,
			fmt.Sprintf(verb, creds),
			fmt.Sprintf(verb, &creds),
			fmt.Sprintf(verb, holder{creds}),
			fmt.Sprintf(verb, []connectors.Credentials{creds}),
		)
	}
	outs = append(outs, creds.String(), creds.GoString(), fmt.Errorf("open: %v", creds).Error(), errors.Join(fmt.Errorf("%+v", holder{creds})).Error())
	b, err := json.Marshal(holder{creds})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(b))
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(w *bytes.Buffer) slog.Handler { return slog.NewTextHandler(w, nil) },
		func(w *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(w, nil) },
	} {
		var w bytes.Buffer
		slog.New(h(&w)).Info("opening", "creds", creds, "holder", holder{creds})
		outs = append(outs, w.String())
	}
	for _, out := range outs {
		if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
			t.Errorf("a credential value shows: %s", out)
		}
	}
	if s := creds.String(); !strings.Contains(s, "password") || !strings.Contains(s, "[REDACTED]") {
		t.Errorf("String() = %q, want the names with redacted values", s)
	}
	var back map[string]map[string]string
	if err := json.Unmarshal(b, &back); err != nil || back["Creds"]["password"] != "[REDACTED]" {
		t.Errorf("JSON %s: %v", b, err)
	}
}
