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
}

type pending struct {
	dst *uint32
	s   string
}

// begin starts a batch; the caller must call finish.
func (t *strtab) begin() *batch {
	t.mu.RLock()
	return &batch{t: t}
}

// set stores the index of s in *dst, now or at finish.
func (b *batch) set(dst *uint32, s string) {
	if s == "" {
		*dst = 0
		return
	}
	if id, ok := b.t.ids[s]; ok {
		*dst = id
		return
	}
	b.miss = append(b.miss, pending{dst, s})
}

// finish interns the misses and ends the batch. It reports false if the
// table is full (more than 2^32-1 distinct strings).
func (b *batch) finish() bool {
	t := b.t
	t.mu.RUnlock()
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
