package hierarchy_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/govkit/connections/hierarchy"
)

func TestPath_B3_StringEscapes(t *testing.T) {
	cases := []struct {
		path hierarchy.Path
		text string
	}{
		{hierarchy.Path{"snow"}, "snow"},
		{hierarchy.Path{"snow", "SALES", "PUBLIC", "ORDERS"}, "snow.SALES.PUBLIC.ORDERS"},
		{hierarchy.Path{"snow", "my.db", `a\b`}, `snow.my\.db.a\\b`},
		{hierarchy.Path{"k", ".", `\`, `\.`}, `k.\..\\.\\\.`},
		{hierarchy.Path{"k", "naïve schema", `"Quoted" Name`}, `k.naïve schema."Quoted" Name`},
	}
	for _, c := range cases {
		if got := c.path.String(); got != c.text {
			t.Errorf("%q.String() = %q, want %q", []string(c.path), got, c.text)
		}
		got, err := hierarchy.Parse(c.text)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.text, err)
		}
		if !got.Equal(c.path) {
			t.Errorf("Parse(%q) = %q, want %q", c.text, []string(got), []string(c.path))
		}
	}
}

func TestPath_B3_ParseRejectsMalformed(t *testing.T) {
	cases := map[string]string{
		"":             "empty path",
		`a\`:           "unfinished escape",
		"a..b":         "empty segment",
		".a":           "empty segment",
		"a.":           "ends with an empty segment",
		`a\x`:          "invalid escape",
		"a.b.c.d.e.f":  "6 segments",
		`a.b\`:         "unfinished escape",
		`conn.db.\\\`:  "unfinished escape",
		"conn.db..tbl": "empty segment",
	}
	for in, want := range cases {
		_, err := hierarchy.Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error containing %q", in, want)
			continue
		}
		if !errors.Is(err, hierarchy.ErrInvalidPath) {
			t.Errorf("Parse(%q) error %v does not match ErrInvalidPath", in, err)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error %q does not say %q", in, err, want)
		}
	}
}

func TestPath_Accessors(t *testing.T) {
	p := hierarchy.MustParse(`k.db.s\.x.t`)
	if p.Kind() != hierarchy.KindTable || p.Key() != "k" || p.Name() != "t" {
		t.Fatalf("kind %v key %q name %q", p.Kind(), p.Key(), p.Name())
	}
	parent := p.Parent()
	if parent.String() != `k.db.s\.x` || parent.Kind() != hierarchy.KindSchema {
		t.Fatalf("parent %v", parent)
	}
	parent[0] = "changed"
	if p[0] != "k" {
		t.Fatal("Parent aliases the receiver")
	}
	if !p.HasPrefix(hierarchy.Path{"k", "db"}) || p.HasPrefix(hierarchy.Path{"k", "dbx"}) {
		t.Fatal("HasPrefix")
	}
	if c := p.Child("col"); c.Kind() != hierarchy.KindColumn || len(p) != 4 {
		t.Fatal("Child")
	}
	if err := (hierarchy.Path{"k", ""}).Validate(); !errors.Is(err, hierarchy.ErrInvalidPath) {
		t.Fatalf("Validate empty segment: %v", err)
	}
}

func TestPath_JSONRoundTrip(t *testing.T) {
	in := struct{ P hierarchy.Path }{hierarchy.Path{"k", "a.b"}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"P":"k.a\\.b"}` {
		t.Fatalf("json %s", b)
	}
	var out struct{ P hierarchy.Path }
	if err := json.Unmarshal(b, &out); err != nil || !out.P.Equal(in.P) {
		t.Fatalf("round trip %v %v", out.P, err)
	}
}

// FuzzPath_B3_RoundTrip proves Parse(p.String()) == p for every path of
// non-empty segments, and that any text Parse accepts is written back
// unchanged.
func FuzzPath_B3_RoundTrip(f *testing.F) {
	for _, s := range []string{"a", `a.b\.c`, `\\`, "x.y.z.w.v", `a\`, "..", "é.\x00"} {
		f.Add(s, "seg", `.\`)
	}
	f.Fuzz(func(t *testing.T, text, s1, s2 string) {
		if p, err := hierarchy.Parse(text); err == nil {
			if err := p.Validate(); err != nil {
				t.Fatalf("Parse(%q) gave invalid path: %v", text, err)
			}
			if p.String() != text {
				t.Fatalf("Parse(%q).String() = %q", text, p.String())
			}
		} else if !errors.Is(err, hierarchy.ErrInvalidPath) {
			t.Fatalf("Parse(%q) error does not wrap ErrInvalidPath: %v", text, err)
		}
		var segs hierarchy.Path
		for _, s := range []string{text, s1, s2} {
			if s != "" {
				segs = append(segs, s)
			}
		}
		if len(segs) == 0 {
			return
		}
		back, err := hierarchy.Parse(segs.String())
		if err != nil {
			t.Fatalf("Parse(%q): %v", segs.String(), err)
		}
		if !back.Equal(segs) {
			t.Fatalf("round trip of %q gave %q", []string(segs), []string(back))
		}
	})
}
