package pgstore

import (
	"bytes"
	"testing"
	"time"

	"github.com/govkit/connections/hierarchy"
)

func TestEpoch(t *testing.T) {
	if got := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(); got != pgEpoch {
		t.Fatalf("pgEpoch = %d, want %d", pgEpoch, got)
	}
}

func TestColumnsRoundTrip(t *testing.T) {
	cols := []hierarchy.Column{
		{Name: "ID", Type: "NUMBER(38,0)", Position: 1},
		{Name: `"q".x\y`, Type: "", Position: 2, Nullable: true, Comment: "ÄÖü 表"},
		{Name: "big", Type: "T", Position: 1<<31 - 1},
	}
	b := encodeColumns(nil, cols)
	if len(b) > encodedSize(cols) {
		t.Fatalf("encoded %d bytes, bound %d", len(b), encodedSize(cols))
	}
	got, err := decodeColumns(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cols {
		if !got[i].SameShape(cols[i]) {
			t.Fatalf("column %d: got %+v, want %+v", i, got[i], cols[i])
		}
	}
	if encodeColumns(nil, nil) != nil {
		t.Fatal("no columns must encode as nil (NULL)")
	}
	// Malformed encodings give an error, never a panic.
	for i := range len(b) {
		_, _ = decodeColumns(b[:i])
	}
	for _, bad := range [][]byte{{2}, {1, 5}, {1, 1, 200}, {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		if _, err := decodeColumns(bad); err == nil {
			t.Errorf("decodeColumns(%v) succeeded", bad)
		}
	}
}

func FuzzDecodeColumns(f *testing.F) {
	f.Add(encodeColumns(nil, []hierarchy.Column{{Name: "a", Type: "b", Position: 3, Nullable: true}}))
	f.Add([]byte{1, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		cols, err := decodeColumns(b)
		if err != nil {
			return
		}
		again, err := decodeColumns(encodeColumns(nil, cols))
		if err != nil || len(again) != len(cols) {
			t.Fatalf("decoded columns do not round-trip: %v", err)
		}
		for i := range cols {
			if !again[i].SameShape(cols[i]) {
				t.Fatalf("column %d: %+v became %+v", i, cols[i], again[i])
			}
		}
	})
}

func TestPathKey(t *testing.T) {
	paths := []hierarchy.Path{{"a"}, {"a", "b"}, {"a", "b c"}, {"a", "bc"}, {"a b"}, {"ab"}, {"a", "b", "ä"}}
	for i, p := range paths {
		k := appendPathKey(nil, p)
		if got := splitPathKey(k); !got.Equal(p) {
			t.Fatalf("splitPathKey(appendPathKey(%q)) = %q", []string(p), []string(got))
		}
		for j, q := range paths {
			want := p.Compare(q)
			got := bytes.Compare(k, appendPathKey(nil, q))
			if (want < 0) != (got < 0) || (want == 0) != (got == 0) {
				t.Fatalf("path keys of %q and %q compare %d, paths %d (%d, %d)", []string(p), []string(q), got, want, i, j)
			}
		}
		lo, hi := connectionRange(p[0])
		if bytes.Compare(k, lo) < 0 || bytes.Compare(k, hi) >= 0 {
			t.Fatalf("key of %q is outside its connection's range", []string(p))
		}
	}
	if lo, hi := connectionRange("a"); bytes.Compare(appendPathKey(nil, hierarchy.Path{"ab"}), hi) < 0 && bytes.Compare(appendPathKey(nil, hierarchy.Path{"ab"}), lo) >= 0 {
		t.Fatal("connection ab is inside connection a's range")
	}
}
