package sync

import (
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/fingerprint"
)

// fingerprintVersion changes whenever the encoding below, or the one of
// package internal/fingerprint, does, so that fingerprints recorded by an
// older version never match.
const fingerprintVersion = 1

// dirtyFingerprint is recorded on a container whose stored children were
// changed by something other than a complete, conflict-free listing (a
// sync restricted to one child, duplicate names, tags that could not be
// read): the next sync compares it whatever its listing. Fingerprints of
// listings are always odd, so they never equal it.
const dirtyFingerprint hierarchy.Fingerprint = 2

// hasher computes fingerprints of listings: the hashes of the canonical
// encoding of each child and tag (package internal/fingerprint), summed so
// that the order of the listing does not matter. A hasher reuses its
// buffer and is not safe for concurrent use.
type hasher struct {
	fingerprint.Hasher
}

// listing returns the fingerprint of a container's listing: its children,
// and, when tags were read, the platform tags on them. extra is mixed in
// for settings that change what a listing means (the internal database's
// name at the host level). When per is not nil (len(per) ==
// len(children)), per[i] receives the fingerprint of child i alone, with
// its platform tags: what a table records as its own Fingerprint.
func (h *hasher) listing(kind hierarchy.Kind, children []connectors.Table, tags []connectors.TagAssignment, withTags bool, extra string, per []hierarchy.Fingerprint) hierarchy.Fingerprint {
	var sum, tagSum uint64
	var byTable map[string]uint64
	if withTags {
		for i := range tags {
			th := h.Tag(&tags[i])
			tagSum += th
			if per != nil {
				if byTable == nil {
					byTable = make(map[string]uint64)
				}
				byTable[tags[i].Table] += th
			}
		}
	}
	for i := range children {
		ch := h.Table(&children[i])
		sum += ch
		if per != nil {
			own := ch + byTable[children[i].Name]*0x9e3779b97f4a7c15
			if withTags {
				own ^= 0x2545f4914f6cdd1d
			}
			per[i] = hierarchy.Fingerprint(own | 1)
		}
	}
	b := h.Scratch()
	b = append(b, fingerprintVersion, byte(kind))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(children)))
	b = binary.LittleEndian.AppendUint64(b, sum)
	if withTags {
		b = append(b, 1)
		b = binary.LittleEndian.AppendUint64(b, uint64(len(tags)))
		b = binary.LittleEndian.AppendUint64(b, tagSum)
	} else {
		b = append(b, 0)
	}
	b = fingerprint.AppendString(b, extra)
	return hierarchy.Fingerprint(h.Sum(b) | 1)
}

// normalize fills what connectors may leave out: an empty Type becomes
// typ, a column Position of zero its 1-based place in the slice, and
// columns not in position order are sorted.
func normalize(children []connectors.Table, typ string) {
	for i := range children {
		t := &children[i]
		if t.Type == "" {
			t.Type = typ
		}
		sorted := true
		for j := range t.Columns {
			c := &t.Columns[j]
			if c.Position == 0 {
				c.Position = j + 1
			}
			if j > 0 && c.Position < t.Columns[j-1].Position {
				sorted = false
			}
		}
		if !sorted {
			slices.SortStableFunc(t.Columns, func(a, b hierarchy.Column) int { return cmp.Compare(a.Position, b.Position) })
		}
	}
}

// fromDatabases and fromSchemas give database and schema listings the
// shape of table listings, so that one diff serves every level.
func fromDatabases(dbs []connectors.Database) []connectors.Table {
	out := make([]connectors.Table, len(dbs))
	for i, d := range dbs {
		out[i] = connectors.Table{Name: d.Name, Type: d.Type, Comment: d.Comment}
	}
	return out
}

func fromSchemas(ss []connectors.Schema) []connectors.Table {
	out := make([]connectors.Table, len(ss))
	for i, s := range ss {
		out[i] = connectors.Table{Name: s.Name, Type: hierarchy.TypeSchema, Comment: s.Comment}
	}
	return out
}
