package tags_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/tags"
)

var connectionTagCases = [][4]string{ // technology, connection, database, schema
	{"Snowflake", "Prod.EU", "SALES", "PUBLIC"},
	{"Databricks", "my conn", "main", "default"},
	{"Trino", `a\b`, `db.with.dots`, `s\.x`},
	{"PostgreSQL", " . ", " lead", "trail "},
	{"", "", "", ""},
	{"T", `\`, `.`, `\\..`},
	{"T", "c . d", "naïve", "数据"},
	{"T", "ends with space ", " starts", "  "},
}

func TestParseConnectionTag_B19_RoundTrip(t *testing.T) {
	for _, c := range connectionTagCases {
		tag := tags.DefaultConnectionTag(c[0], c[1], c[2], c[3])
		tech, conn, schema, db, err := tags.ParseConnectionTag(tag)
		if err != nil {
			t.Fatalf("ParseConnectionTag(%q): %v", tag, err)
		}
		if tech != c[0] || conn != c[1] || db != c[2] || schema != c[3] {
			t.Errorf("ParseConnectionTag(%q) = %q %q %q %q, want %q", tag, tech, conn, schema, db, c)
		}
	}
}

func TestParseConnectionTag_B19_RejectsMalformed(t *testing.T) {
	cases := map[string]string{
		"":                                       "does not start with",
		"Immuta Connections":                     "does not start with",
		"Other . T . c . s . d":                  "does not start with",
		"Immuta Connections . T . c . s":         "has 3 parts",
		"Immuta Connections . T . c . s . d . e": "more than 4 parts",
		"Immuta Connections . T . c.x . s . d":   `unescaped "."`,
		"Immuta Connections . T . c .s . d":      `unescaped "."`,
		"Immuta Connections . T . c . s . d .":   `unescaped "."`,
		`Immuta Connections . T . c\x . s . d`:   `"\" at byte`,
		`Immuta Connections . T . c . s . d\`:    `"\" at byte`,
	}
	for in, want := range cases {
		_, _, _, _, err := tags.ParseConnectionTag(in)
		if !errors.Is(err, connections.ErrInvalidInput) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseConnectionTag(%q) = %v, want error containing %q", in, err, want)
		}
	}
}

func FuzzParseConnectionTag_B19_RoundTrip(f *testing.F) {
	for _, c := range connectionTagCases {
		f.Add(c[0], c[1], c[2], c[3])
	}
	f.Fuzz(func(t *testing.T, tech, conn, db, schema string) {
		tag := tags.DefaultConnectionTag(tech, conn, db, schema)
		gt, gc, gs, gd, err := tags.ParseConnectionTag(tag)
		if err != nil {
			t.Fatalf("ParseConnectionTag(%q): %v", tag, err)
		}
		if gt != tech || gc != conn || gd != db || gs != schema {
			t.Fatalf("round trip of %q gave %q %q %q %q", tag, gt, gc, gs, gd)
		}
		// Whatever the text, parsing never panics, and what parses
		// re-derives to the same text.
		if t2, c2, s2, d2, err := tags.ParseConnectionTag(tech); err == nil {
			if back := tags.DefaultConnectionTag(t2, c2, d2, s2); back != tech {
				t.Fatalf("%q parsed but re-derives to %q", tech, back)
			}
		}
	})
}

func ExampleParseConnectionTag() {
	tag := tags.DefaultConnectionTag("Snowflake", "Prod.EU", "SALES", "PUBLIC")
	fmt.Println(tag)
	tech, conn, schema, db, err := tags.ParseConnectionTag(tag)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("technology=%s connection=%s schema=%s database=%s\n", tech, conn, schema, db)
	// Output:
	// Immuta Connections . Snowflake . Prod\.EU . PUBLIC . SALES
	// technology=Snowflake connection=Prod.EU schema=PUBLIC database=SALES
}

func ExampleCheckEdit() {
	for _, src := range []hierarchy.TagSource{hierarchy.TagUser, hierarchy.TagSystem, hierarchy.TagPlatform, hierarchy.TagNew} {
		fmt.Printf("%s: %v\n", src, tags.CheckEdit(src))
	}
	// Output:
	// user: <nil>
	// system: immutable: system tags are derived by the library and cannot be edited or deleted
	// platform: immutable: platform tags are ingested from the platform and replaced by every sync; change them on the platform
	// new: immutable: the New tag is removed by validating the column's request, or by requests.Service.ClearNew when none is open
}
