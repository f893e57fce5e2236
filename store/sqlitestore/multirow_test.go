package sqlitestore_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	connections "github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/storetest"
)

// TestApply_MultiRowForms applies change sets whose new rows share their
// common values in some statements and not in others (the shared and
// the full form of the multi-row INSERTs), and reads every row back.
func TestApply_MultiRowForms(t *testing.T) {
	ctx := t.Context()
	s, _ := open(t, nil)
	tr := storetest.NewTree(t, s)
	const n = 150 // 64 + 64 + 16 + 4 + 2: several statements of each size
	for _, mixed := range []bool{false, true} {
		sc := storetest.Child(tr.Database, fmt.Sprintf("S_%v", mixed))
		storetest.Add(t, s, tr.Conn.Key, tr.Database, sc)
		cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: sc.ID, Fingerprint: 7}
		want := map[string]hierarchy.Object{}
		for i := range n {
			tb := storetest.Table(sc, fmt.Sprintf("T%04d", i), "A", "B")
			tb.Fingerprint = hierarchy.Fingerprint(i + 1)
			tag := hierarchy.Tag{Name: "conn", Source: hierarchy.TagSystem}
			if mixed {
				switch i % 5 {
				case 1:
					tb.Enable = hierarchy.Enable
				case 2:
					tb.State = hierarchy.DeletedRemotely
				case 3:
					tag.Value = "v"
				case 4:
					tag.Name = ""
				}
			}
			cs.Add = append(cs.Add, tb)
			if tag.Name != "" {
				cs.AddTags = append(cs.AddTags, store.TagRef{Object: tb.ID, Tag: tag})
				tb.Tags = []hierarchy.Tag{tag}
			}
			want[tb.Name()] = tb
		}
		require.NoError(t, s.Apply(ctx, cs), "Apply (mixed %v)", mixed)
		got, err := s.Snapshot(ctx, sc.ID)
		require.NoError(t, err)
		require.Len(t, got, n)
		tagged := 0
		for _, o := range got {
			w := want[o.Name()]
			require.Equal(t, w.ID, o.ID, o.Name())
			require.Equal(t, w.Fingerprint, o.Fingerprint, o.Name())
			require.Equal(t, w.Enable, o.Enable, o.Name())
			require.Equal(t, w.State, o.State, o.Name())
			require.Equal(t, w.State == hierarchy.DeletedRemotely, !o.DeletedAt.IsZero(), o.Name())
			require.Len(t, o.Columns, 2, o.Name())
			require.Equal(t, w.Tags, o.Tags, o.Name())
			tagged += len(o.Tags)
		}
		hits, _, err := s.FindByTag(ctx, store.TagQuery{Name: "conn"}, store.Page{Limit: 1000})
		require.NoError(t, err)
		found := 0
		for _, h := range hits {
			if h.Path[2] == sc.Name() {
				found++
				require.Equal(t, want[h.Path.Name()].ID, h.Object)
				require.Equal(t, want[h.Path.Name()].Tags[0].Value, h.Tag.Value)
			}
		}
		require.Equal(t, tagged, found, "FindByTag (mixed %v)", mixed)
	}

	// A name taken in the middle of a statement (the 31st of 64 rows):
	// ErrAlreadyExists, and nothing is written.
	stored, err := s.Lookup(ctx, tr.Database.Path.Child("S_false"))
	require.NoError(t, err)
	cs := &store.ChangeSet{Connection: tr.Conn.Key, Container: stored.ID}
	for i := range 30 {
		cs.Add = append(cs.Add, storetest.Table(stored, fmt.Sprintf("S%04d", i), "A"))
	}
	cs.Add = append(cs.Add, storetest.Table(stored, "T0040", "A"))
	for i := range 33 {
		cs.Add = append(cs.Add, storetest.Table(stored, fmt.Sprintf("U%04d", i), "A"))
	}
	err = s.Apply(ctx, cs)
	require.ErrorIs(t, err, connections.ErrAlreadyExists)
	require.ErrorContains(t, err, `name "T0040" is taken`)
	_, err = s.Lookup(ctx, stored.Path.Child("S0000"))
	require.ErrorIs(t, err, connections.ErrNotFound, "a failed Apply must write nothing")

	// An ID taken in the middle of a statement.
	taken, err := s.Lookup(ctx, stored.Path.Child("T0040"))
	require.NoError(t, err)
	cs.Add[30] = storetest.Table(stored, "T0040a", "A")
	cs.Add[30].ID = taken.ID
	err = s.Apply(ctx, cs)
	require.ErrorIs(t, err, connections.ErrAlreadyExists)
	require.ErrorContains(t, err, "object ID "+taken.ID.String()+" is taken")
	n2, err := s.CountDescendants(ctx, stored.ID)
	require.NoError(t, err)
	require.EqualValues(t, n, n2)
}
