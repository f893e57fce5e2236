package tags_test

import (
	"testing"

	"github.com/govkit/connections/tags"
)

func TestDefaultConnectionTag_B19_OrderAndEscaping(t *testing.T) {
	got := tags.DefaultConnectionTag("Snowflake", "Prod.EU", "SALES", "PUBLIC")
	want := `Immuta Connections . Snowflake . Prod\.EU . PUBLIC . SALES`
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if tags.DefaultConnectionTag("T", "c", `a\b`, "s") != `Immuta Connections . T . c . s . a\\b` {
		t.Fatal("backslash not escaped")
	}
}
