package memstore

import (
	"encoding/binary"

	"github.com/govkit/connections/hierarchy"
)

// idIndex maps the IDs of stored objects to their nodes.
//
// It is split into shards by the low bits of the millisecond timestamp
// that starts a version 7 ID. IDs made together, such as the IDs sync
// makes for the tables of a schema it finds (hierarchy.NewIDs), share a
// shard: a change set then checks and inserts them in one small map that
// stays in cache, where one large map would be touched at a random place,
// a cache miss, for each. IDs made over time spread over the shards
// evenly; IDs made by hand may all fall in one, which is no worse than a
// single map.
type idIndex struct {
	shards [idShards]map[hierarchy.ID]*node
}

const idShards = 1 << 12

func idShard(id hierarchy.ID) int {
	return int(binary.BigEndian.Uint16(id[4:6]) & (idShards - 1))
}

// get returns the node of id, or nil.
func (x *idIndex) get(id hierarchy.ID) *node { return x.shards[idShard(id)][id] }

// has reports whether id is stored.
func (x *idIndex) has(id hierarchy.ID) bool {
	_, ok := x.shards[idShard(id)][id]
	return ok
}

// put stores n as the node of id.
func (x *idIndex) put(id hierarchy.ID, n *node) {
	m := x.shards[idShard(id)]
	if m == nil {
		m = make(map[hierarchy.ID]*node)
		x.shards[idShard(id)] = m
	}
	m[id] = n
}

// reserve prepares for n IDs, first to last, about to be put: when the
// first and the last fall in one shard not yet made (IDs made together),
// it is made with room for them all instead of growing step by step.
func (x *idIndex) reserve(first, last hierarchy.ID, n int) {
	if i := idShard(first); x.shards[i] == nil && idShard(last) == i {
		x.shards[i] = make(map[hierarchy.ID]*node, n)
	}
}

// del removes id.
func (x *idIndex) del(id hierarchy.ID) { delete(x.shards[idShard(id)], id) }
