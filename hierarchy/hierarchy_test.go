package hierarchy_test

import (
	"strings"
	"testing"

	"github.com/govkit/connections/hierarchy"
)

func TestID_RoundTripAndOrder(t *testing.T) {
	a := hierarchy.NewID()
	b := hierarchy.NewID()
	if a == b || a.IsZero() {
		t.Fatal("IDs must be distinct and non-zero")
	}
	s := a.String()
	if len(s) != 36 || s[14] != '7' {
		t.Fatalf("not a v7 UUID: %s", s)
	}
	back, err := hierarchy.ParseID(s)
	if err != nil || back != a {
		t.Fatalf("ParseID: %v %v", back, err)
	}
	for _, bad := range []string{"", "xyz", "0190a6e2-7c4b-7d2e-9f10-3a5b6c7d8e9", "0190a6e2x7c4b-7d2e-9f10-3a5b6c7d8e9f", "zz90a6e2-7c4b-7d2e-9f10-3a5b6c7d8e9f"} {
		if _, err := hierarchy.ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) succeeded", bad)
		}
	}
}

func TestResolve_B8_NearestExplicitWins(t *testing.T) {
	I, E, D := hierarchy.Inherit, hierarchy.Enable, hierarchy.Disable
	cases := []struct {
		def   bool
		chain []hierarchy.Setting
		want  bool
	}{
		{false, nil, false},
		{false, []hierarchy.Setting{I, I, I, I}, false},
		{false, []hierarchy.Setting{E, I, I, I}, true},
		{false, []hierarchy.Setting{E, D, I, I}, false},
		{false, []hierarchy.Setting{D, I, E, I}, true},
		{true, []hierarchy.Setting{I, I}, true},
	}
	for _, c := range cases {
		if got := hierarchy.Resolve(c.def, c.chain...); got != c.want {
			t.Errorf("Resolve(%v, %v) = %v", c.def, c.chain, got)
		}
	}
}

func TestObject_Lineage(t *testing.T) {
	host, db, sch, tbl := hierarchy.NewID(), hierarchy.NewID(), hierarchy.NewID(), hierarchy.NewID()
	o := hierarchy.Object{ID: tbl, Ancestors: [3]hierarchy.ID{host, db, sch}, Path: hierarchy.Path{"k", "d", "s", "t"}}
	if o.ParentID() != sch || o.Kind() != hierarchy.KindTable {
		t.Fatal("ParentID")
	}
	var buf [hierarchy.MaxDepth]hierarchy.ID
	got := o.Lineage(buf[:0])
	if len(got) != 4 || got[0] != host || got[3] != tbl {
		t.Fatalf("Lineage %v", got)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = o.Lineage(buf[:0]) }); allocs != 0 {
		t.Fatalf("Lineage allocates %v", allocs)
	}
	h := hierarchy.Object{ID: host, Path: hierarchy.Path{"k"}}
	if !h.ParentID().IsZero() || len(h.Lineage(nil)) != 1 {
		t.Fatal("host lineage")
	}
	if a := h.ChildAncestors(); a[0] != host || !a[1].IsZero() {
		t.Fatal("ChildAncestors")
	}
	c := o
	c.Columns = []hierarchy.Column{{Name: "a", Tags: []hierarchy.Tag{{Name: "x"}}}}
	d := c.Clone()
	d.Columns[0].Tags[0].Name = "y"
	if c.Columns[0].Tags[0].Name != "x" {
		t.Fatal("Clone shares column tags")
	}
}

func TestSettingAndKindText(t *testing.T) {
	for _, s := range []hierarchy.Setting{hierarchy.Inherit, hierarchy.Enable, hierarchy.Disable} {
		b, _ := s.MarshalText()
		var back hierarchy.Setting
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Fatalf("setting %v: %v", s, err)
		}
	}
	for k := hierarchy.KindHost; k <= hierarchy.KindColumn; k++ {
		back, err := hierarchy.ParseKind(k.String())
		if err != nil || back != k {
			t.Fatalf("kind %v: %v", k, err)
		}
	}
	if _, err := hierarchy.ParseSetting("on"); err == nil {
		t.Fatal("ParseSetting accepted junk")
	}
}

func TestNewIDs(t *testing.T) {
	before := hierarchy.NewID()
	ids := make([]hierarchy.ID, 1000)
	hierarchy.NewIDs(ids)
	after := hierarchy.NewID()
	seen := make(map[hierarchy.ID]bool, len(ids))
	for _, id := range ids {
		s := id.String()
		if id.IsZero() || s[14] != '7' || !strings.ContainsRune("89ab", rune(s[19])) {
			t.Fatalf("not a v7 UUID: %s", s)
		}
		if seen[id] {
			t.Fatalf("%s made twice", s)
		}
		seen[id] = true
		// The timestamp (the first 48 bits) lies between the IDs made
		// before and after.
		if string(id[:6]) < string(before[:6]) || string(id[:6]) > string(after[:6]) {
			t.Fatalf("timestamp of %s is not between %s and %s", s, before, after)
		}
	}
	hierarchy.NewIDs(nil) // no-op
}

func BenchmarkNewID(b *testing.B) {
	for b.Loop() {
		_ = hierarchy.NewID()
	}
}

func BenchmarkNewIDs(b *testing.B) {
	ids := make([]hierarchy.ID, 1000)
	for b.Loop() {
		hierarchy.NewIDs(ids)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ids)), "ns/id")
}
