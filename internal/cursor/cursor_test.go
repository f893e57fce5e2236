package cursor

import (
	"errors"
	"testing"

	connections "github.com/govkit/connections"
)

func TestRoundTrip(t *testing.T) {
	type key struct {
		P []byte `json:"p"`
		C string `json:"c,omitempty"`
		S int16  `json:"s"`
	}
	in := key{P: []byte{0, 1, 'a'}, C: "col", S: 3}
	s := Encode(in)
	var out key
	if !Decode(s, &out) || string(out.P) != string(in.P) || out.C != in.C || out.S != in.S {
		t.Fatalf("Decode(Encode(%+v)) = %+v", in, out)
	}
	for _, bad := range []string{"!", "e30=", Encode("a string")} {
		if Decode(bad, &out) {
			t.Errorf("Decode(%q) accepted a malformed cursor", bad)
		}
	}
}

func TestParse(t *testing.T) {
	type key struct {
		P string `json:"p"`
	}
	nonEmpty := func(k *key) bool { return k.P != "" }
	if c, err := Parse("op", "k", "", nonEmpty); c != nil || err != nil {
		t.Errorf(`Parse("") = %v, %v; want nil, nil`, c, err)
	}
	if c, err := Parse("op", "k", Encode(key{P: "x"}), nonEmpty); err != nil || c.P != "x" {
		t.Errorf("Parse(valid) = %v, %v", c, err)
	}
	for _, bad := range []string{"!", Encode(key{})} {
		_, err := Parse("op", "k", bad, nonEmpty)
		var ce *connections.Error
		if !errors.As(err, &ce) || ce.Op != "op" || ce.Path != "k" || !errors.Is(err, connections.ErrInvalidInput) ||
			ce.Err.Error() != `invalid input: malformed cursor "`+bad+`"` {
			t.Errorf("Parse(%q) = %v", bad, err)
		}
	}
	if _, err := Parse[key]("op", "k", Encode(key{}), nil); err != nil {
		t.Errorf("Parse without valid = %v", err)
	}
}
