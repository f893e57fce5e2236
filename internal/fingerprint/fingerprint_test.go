package fingerprint

import (
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
)

// TestEncoding pins the canonical encoding: a change here must come with a
// new fingerprintVersion in package sync.
func TestEncoding(t *testing.T) {
	var h Hasher
	tb := connectors.Table{Name: "T", Type: "VIEW", Comment: "c", Columns: []hierarchy.Column{
		{Name: "a", Type: "INT", Position: 1, Nullable: true, Comment: "x"},
		{Name: "b", Type: "TEXT", Position: 300},
	}}
	want := []byte{
		1, 'T', 4, 'V', 'I', 'E', 'W', 1, 'c', 2,
		1, 'a', 3, 'I', 'N', 'T', 1, 1, 1, 'x',
		1, 'b', 4, 'T', 'E', 'X', 'T', 0xac, 0x02, 0, 0,
	}
	if got := h.Table(&tb); got != xxhash.Sum64(want) {
		t.Errorf("Table = %#x, want %#x", got, xxhash.Sum64(want))
	}
	a := connectors.TagAssignment{Table: "T", Column: "a", Name: "pii", Value: ""}
	want = []byte{1, 'T', 1, 'a', 3, 'p', 'i', 'i', 0}
	if got := h.Tag(&a); got != xxhash.Sum64(want) {
		t.Errorf("Tag = %#x, want %#x", got, xxhash.Sum64(want))
	}
	if got := h.Sum(AppendString(h.Scratch(), "xy")); got != xxhash.Sum64([]byte{2, 'x', 'y'}) {
		t.Errorf("Sum(AppendString) = %#x", got)
	}
}
