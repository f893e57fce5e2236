package memstore

import (
	"math"
	"strings"
	"sync"
)

// strtab interns strings that repeat across many objects (column names and
// types, object types, tag names and values) so that a record stores a
// 4-byte index instead of a 16-byte string header, and each distinct
// string is kept once. Entry 0 is the empty string.
//
// Entries are only ever appended, never changed, so a reader that took the
// slice header (see strs) may index it without a lock: every index it got
// from a record was interned before the record was published.
type strtab struct {
	mu   sync.RWMutex
	ids  map[string]uint32
	list []string

	// batches keeps batches for reuse, with their caches of recent hits,
	// which stay true: entries never change.
	batches sync.Pool
}

func newStrtab() *strtab {
	return &strtab{ids: map[string]uint32{"": 0}, list: []string{""}}
}

// strs returns the current entries. The caller must have read the indexes
// it resolves before calling strs.
func (t *strtab) strs() []string {
	t.mu.RLock()
	l := t.list
	t.mu.RUnlock()
	return l
}

// lookup returns the index of s without interning it.
func (t *strtab) lookup(s string) (uint32, bool) {
	if s == "" {
		return 0, true
	}
	t.mu.RLock()
	id, ok := t.ids[s]
	t.mu.RUnlock()
	return id, ok
}

// batch interns many strings with one read lock for the hits and one write
// lock for the misses. Destinations must stay valid until finish.
type batch struct {
	t    *strtab
	miss []pending
	// recent holds strings found in the table, each in the slot of a
	// cheap hash of it: a change set repeats a few column names and types
	// many times, and comparing a string with the one in its slot costs
	// less than a map lookup. The strings are the table's own.
	recent [256]recent
}

type recent struct {
	s  string
	id uint32
}

type pending struct {
	dst *uint32
	s   string
}

// begin starts a batch; the caller must call finish, and not use the
// batch after.
func (t *strtab) begin() *batch {
	b, _ := t.batches.Get().(*batch)
	if b == nil {
		b = &batch{t: t}
	}
	t.mu.RLock()
	return b
}

// recentSlot returns the slot of non-empty s in batch.recent, from its
// length and a few of its bytes: enough to tell apart names that differ
// only in a digit or two.
func recentSlot(s string) uint {
	n := uint(len(s))
	h := n*0x9e ^ uint(s[0])*0x1f ^ uint(s[n>>1])*0x3b ^ uint(s[(n*3)>>2])*0x65 ^ uint(s[n-1])*0x83
	if n > 1 {
		h ^= uint(s[n-2]) * 0x2d
	}
	return h & 0xff
}

// set stores the index of s in *dst, now or at finish.
func (b *batch) set(dst *uint32, s string) {
	if s == "" {
		*dst = 0
		return
	}
	r := &b.recent[recentSlot(s)]
	if r.s == s {
		*dst = r.id
		return
	}
	if id, ok := b.t.ids[s]; ok {
		*dst = id
		*r = recent{b.t.list[id], id}
		return
	}
	b.miss = append(b.miss, pending{dst, s})
}

// finish interns the misses and ends the batch. It reports false if the
// table is full (more than 2^32-1 distinct strings).
func (b *batch) finish() bool {
	t := b.t
	t.mu.RUnlock()
	defer b.release()
	if len(b.miss) == 0 {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range b.miss {
		id, ok := t.ids[m.s]
		if !ok {
			if len(t.list) >= math.MaxUint32 {
				return false
			}
			s := strings.Clone(m.s) // do not pin a caller's larger buffer
			id = uint32(len(t.list))
			t.list = append(t.list, s)
			t.ids[s] = id
		}
		*m.dst = id
	}
	return true
}

// release returns b to its table's pool, keeping nothing of its caller's.
func (b *batch) release() {
	if cap(b.miss) > 1024 {
		b.miss = nil // a large first batch: do not keep its array
	}
	clear(b.miss)
	b.miss = b.miss[:0]
	b.t.batches.Put(b)
}
