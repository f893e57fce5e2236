package memstore_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	"github.com/govkit/connections/store/storetest"
)

// TestIndexesFollowRandomChanges adds and deletes children and tags at
// random, reading between changes so that the lazily sorted indexes are
// rebuilt from every kind of state, and compares with a simple model.
func TestIndexesFollowRandomChanges(t *testing.T) {
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(1, 2))
	s := memstore.New(nil)
	tr := storetest.NewTree(t, s)
	live := map[string]hierarchy.Object{} // by name
	tagged := map[string]bool{}           // "name|column"
	for step := range 600 {
		switch r := rng.IntN(10); {
		case r < 4 || len(live) == 0: // add a few tables, some tagged
			cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Schema.ID}
			for range 1 + rng.IntN(4) {
				name := fmt.Sprintf("t%03d", rng.IntN(400))
				if _, ok := live[name]; ok || slices.ContainsFunc(cs.Add, func(o hierarchy.Object) bool { return o.Name() == name }) {
					continue
				}
				tb := storetest.Table(tr.Schema, name, "a", "b")
				cs.Add = append(cs.Add, tb)
				live[name] = tb
				if rng.IntN(2) == 0 {
					col := []string{"", "a", "b"}[rng.IntN(3)]
					cs.AddTags = append(cs.AddTags, store.TagRef{Object: tb.ID, Column: col, Tag: hierarchy.Tag{Name: "x"}})
					tagged[name+"|"+col] = true
				}
			}
			require.NoError(t, s.Apply(ctx, cs))
		case r < 6: // delete one
			for name, o := range live {
				_, err := s.DeleteObject(ctx, o.ID)
				require.NoError(t, err)
				delete(live, name)
				for _, col := range []string{"", "a", "b"} {
					delete(tagged, name+"|"+col)
				}
				break
			}
		case r < 8: // tag or untag one
			for name, o := range live {
				col := []string{"", "a", "b"}[rng.IntN(3)]
				ref := store.TagRef{Object: o.ID, Column: col, Tag: hierarchy.Tag{Name: "x"}}
				if tagged[name+"|"+col] {
					require.NoError(t, s.RemoveTag(ctx, ref))
					delete(tagged, name+"|"+col)
				} else {
					require.NoError(t, s.AddTag(ctx, ref))
					tagged[name+"|"+col] = true
				}
				break
			}
		default: // mark one deleted: it stays listed
			for _, o := range live {
				cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: tr.Schema.ID, MarkDeleted: []hierarchy.ID{o.ID}}
				require.NoError(t, s.Apply(ctx, cs))
				break
			}
		}
		if rng.IntN(3) > 0 {
			continue // let changes pile up between reads
		}

		var want []string
		for name := range live {
			want = append(want, name)
		}
		slices.Sort(want)
		var got []string
		after := ""
		for {
			page, next, err := s.Children(ctx, tr.Schema.ID, store.Page{After: after, Limit: 7})
			require.NoError(t, err)
			for _, c := range page {
				got = append(got, c.Name())
			}
			if next == "" {
				break
			}
			after = next
		}
		require.Equal(t, want, got, "step %d: Children", step)

		var wantTags []string
		for k := range tagged {
			wantTags = append(wantTags, k)
		}
		slices.Sort(wantTags) // "name|" sorts before "name|a": object tags first
		var gotTags []string
		after = ""
		for {
			hits, next, err := s.FindByTag(ctx, store.TagQuery{Name: "x"}, store.Page{After: after, Limit: 5})
			require.NoError(t, err)
			for _, h := range hits {
				gotTags = append(gotTags, h.Path.Name()+"|"+h.Column)
			}
			if next == "" {
				break
			}
			after = next
		}
		require.Equal(t, wantTags, gotTags, "step %d: FindByTag", step)
	}
}
