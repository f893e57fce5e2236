package tags

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govkit/connections"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// Limits on the tags people add.
const (
	// MaxNameLength is the longest tag name, in characters, people may add.
	MaxNameLength = 256
	// MaxValueLength is the longest tag value, in characters.
	MaxValueLength = 256
	// MaxQueryLength is the longest tag name, in bytes, Find accepts; it
	// is longer than MaxNameLength because connection tags embed names.
	MaxQueryLength = 4096
)

// ValidateName reports whether name may be the name of a tag people add:
// not empty, valid UTF-8, at most MaxNameLength characters, without
// control characters or leading or trailing spaces, and not a name the
// library reserves (the New tag's and names starting with
// ConnectionTagPrefix). The error matches connections.ErrInvalidInput.
func ValidateName(name string) error { return validateName(name, nil) }

func validateName(name string, reserved []string) error {
	if err := validateText("tag name", name, MaxNameLength); err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("%w: tag name is empty", connections.ErrInvalidInput)
	}
	if strings.TrimSpace(name) != name {
		return fmt.Errorf("%w: tag name %q has leading or trailing spaces", connections.ErrInvalidInput, name)
	}
	if name == hierarchy.NewTagName {
		return fmt.Errorf("%w: tag name %q is reserved for the New tag sync puts on new columns", connections.ErrInvalidInput, name)
	}
	if strings.HasPrefix(name, ConnectionTagPrefix) {
		return fmt.Errorf("%w: tag name %q is reserved: names starting with %q are connection tags", connections.ErrInvalidInput, name, ConnectionTagPrefix)
	}
	for _, p := range reserved {
		if p != "" && strings.HasPrefix(name, p) {
			return fmt.Errorf("%w: tag name %q is reserved: names starting with %q are system tags", connections.ErrInvalidInput, name, p)
		}
	}
	return nil
}

// ValidateValue reports whether value may be the value of a tag people
// add: empty, or valid UTF-8 of at most MaxValueLength characters without
// control characters. The error matches connections.ErrInvalidInput.
func ValidateValue(value string) error {
	return validateText("tag value", value, MaxValueLength)
}

func validateText(what, s string, maxChars int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s %q is not valid UTF-8", connections.ErrInvalidInput, what, s)
	}
	if n := utf8.RuneCountInString(s); n > maxChars {
		return fmt.Errorf("%w: %s is %d characters long, at most %d allowed", connections.ErrInvalidInput, what, n, maxChars)
	}
	for i, c := range s {
		if unicode.IsControl(c) {
			return fmt.Errorf("%w: %s %q has a control character at byte %d", connections.ErrInvalidInput, what, s, i)
		}
	}
	return nil
}

// CheckEdit reports whether people may add, change or remove a tag from
// the given source (B19, B20). Only TagUser tags may be; the others give
// an error matching connections.ErrImmutable that says why:
//
//   - TagSystem tags, such as the connection tag, are derived by the
//     library and cannot be edited or deleted;
//   - TagPlatform tags are ingested from the platform and replaced by
//     every sync: change them on the platform;
//   - the TagNew tag is removed by validating the column's request, not
//     by hand.
func CheckEdit(src hierarchy.TagSource) error {
	switch src {
	case hierarchy.TagUser:
		return nil
	case hierarchy.TagSystem:
		return fmt.Errorf("%w: system tags are derived by the library and cannot be edited or deleted", connections.ErrImmutable)
	case hierarchy.TagPlatform:
		return fmt.Errorf("%w: platform tags are ingested from the platform and replaced by every sync; change them on the platform", connections.ErrImmutable)
	case hierarchy.TagNew:
		return fmt.Errorf("%w: the New tag is removed by validating the column's request, or by requests.Service.ClearNew when none is open", connections.ErrImmutable)
	}
	return fmt.Errorf("%w: unknown tag source %s", connections.ErrInvalidInput, src)
}

// Service applies people's tag edits to a store, enforcing the rules of
// CheckEdit, ValidateName and ValidateValue. It does not decide who may
// tag what: callers check that first (perms.ActionTag). A Service is safe
// for concurrent use when its store is.
type Service struct {
	ts       store.TagStore
	reserved []string
}

// Options configure a Service. A nil *Options means the defaults.
type Options struct {
	// ReservedPrefixes are prefixes of tag names people may not add, on
	// top of the New tag's name and ConnectionTagPrefix: a host that
	// derives connection tags with its own ConnectionTagFunc lists the
	// first part of its tags here.
	ReservedPrefixes []string
}

// NewService returns a Service over ts.
func NewService(ts store.TagStore, opts *Options) *Service {
	s := &Service{ts: ts}
	if opts != nil {
		s.reserved = slices.Clone(opts.ReservedPrefixes)
	}
	return s
}

// target checks obj and column and returns the text of their path.
func target(op string, obj *hierarchy.Object, column string) (string, error) {
	if obj == nil {
		return "", connections.Wrap(op, "", fmt.Errorf("%w: no object given", connections.ErrInvalidInput))
	}
	path := obj.Path.String()
	if obj.ID.IsZero() {
		return "", connections.Wrap(op, path, fmt.Errorf("%w: object has no ID", connections.ErrInvalidInput))
	}
	if column == "" {
		return path, nil
	}
	path = obj.Path.Child(column).String()
	if obj.Kind() != hierarchy.KindTable {
		return "", connections.Wrap(op, path, fmt.Errorf("%w: only tables have columns, %s is a %s", connections.ErrInvalidInput, obj.Path, obj.Kind()))
	}
	return path, nil
}

// AddUserTag puts a TagUser tag with the name and value on obj, or on
// its column when column is not empty, and returns the reference stored.
// A malformed or reserved name or value gives an error matching
// connections.ErrInvalidInput; a user tag of that name already there,
// ErrAlreadyExists; a missing object or column, ErrNotFound.
func (s *Service) AddUserTag(ctx context.Context, obj *hierarchy.Object, column, name, value string) (store.TagRef, error) {
	path, err := target("add tag", obj, column)
	if err != nil {
		return store.TagRef{}, err
	}
	if err := validateName(name, s.reserved); err != nil {
		return store.TagRef{}, connections.Wrap("add tag", path, err)
	}
	if err := ValidateValue(value); err != nil {
		return store.TagRef{}, connections.Wrap("add tag", path, err)
	}
	ref := store.TagRef{Object: obj.ID, Column: column, Tag: hierarchy.Tag{Name: name, Value: value, Source: hierarchy.TagUser}}
	if err := s.ts.AddTag(ctx, ref); err != nil {
		return store.TagRef{}, connections.Wrap("add tag", path, fmt.Errorf("tag %q: %w", name, err))
	}
	return ref, nil
}

// RemoveUserTag removes the TagUser tag with the name from obj, or from
// its column when column is not empty. When obj, as read from the store,
// carries a tag of that name from another source and no user tag of that
// name, the error matches connections.ErrImmutable and says why (system
// and platform tags cannot be removed; the New tag goes when its request
// is validated). No such tag gives ErrNotFound.
func (s *Service) RemoveUserTag(ctx context.Context, obj *hierarchy.Object, column, name string) error {
	path, err := target("remove tag", obj, column)
	if err != nil {
		return err
	}
	if name == "" {
		return connections.Wrap("remove tag", path, fmt.Errorf("%w: tag name is empty", connections.ErrInvalidInput))
	}
	var onIt []hierarchy.Tag
	if column == "" {
		onIt = obj.Tags
	} else if c, ok := obj.Column(column); ok {
		onIt = c.Tags
	}
	other := -1
	for i, t := range onIt {
		if t.Name != name {
			continue
		}
		if t.Source == hierarchy.TagUser {
			other = -1
			break
		}
		other = i
	}
	if other >= 0 {
		return connections.Wrap("remove tag", path, fmt.Errorf("%s tag %q: %w", onIt[other].Source, name, CheckEdit(onIt[other].Source)))
	}
	ref := store.TagRef{Object: obj.ID, Column: column, Tag: hierarchy.Tag{Name: name, Source: hierarchy.TagUser}}
	if err := s.ts.RemoveTag(ctx, ref); err != nil {
		return connections.Wrap("remove tag", path, fmt.Errorf("user tag %q: %w", name, err))
	}
	return nil
}

// Remove removes the tag ref names, provided people may (CheckEdit):
// only user tags; the others give an error matching
// connections.ErrImmutable. It suits hosts that hold a store.TagRef, as
// FindByTag returns them.
func (s *Service) Remove(ctx context.Context, ref store.TagRef) error {
	op := "remove tag"
	if ref.Object.IsZero() {
		return connections.Wrap(op, "", fmt.Errorf("%w: no object given", connections.ErrInvalidInput))
	}
	if err := CheckEdit(ref.Tag.Source); err != nil {
		return connections.Wrap(op, ref.Object.String(), fmt.Errorf("%s tag %q: %w", ref.Tag.Source, ref.Tag.Name, err))
	}
	if err := s.ts.RemoveTag(ctx, ref); err != nil {
		return connections.Wrap(op, ref.Object.String(), fmt.Errorf("user tag %q: %w", ref.Tag.Name, err))
	}
	return nil
}

// Find returns up to page.Size() objects and columns carrying the tags q
// selects, in path order, and the cursor of the next page ("" after the
// last). q.Name must be a tag name: not empty, valid UTF-8, without
// control characters, at most MaxQueryLength bytes; otherwise, or with an
// unknown source, the error matches connections.ErrInvalidInput.
func (s *Service) Find(ctx context.Context, q store.TagQuery, page store.Page) ([]store.TagHit, string, error) {
	if q.Name == "" {
		return nil, "", connections.Wrap("find tag", "", fmt.Errorf("%w: tag name is empty", connections.ErrInvalidInput))
	}
	if len(q.Name) > MaxQueryLength {
		return nil, "", connections.Wrap("find tag", "", fmt.Errorf("%w: tag name is %d bytes long, at most %d allowed", connections.ErrInvalidInput, len(q.Name), MaxQueryLength))
	}
	if err := validateText("tag name", q.Name, MaxQueryLength); err != nil {
		return nil, "", connections.Wrap("find tag", "", err)
	}
	if err := validateText("tag value", q.Value, MaxQueryLength); err != nil {
		return nil, "", connections.Wrap("find tag", "", err)
	}
	if q.Source != nil && *q.Source > hierarchy.TagPlatform {
		return nil, "", connections.Wrap("find tag", "", fmt.Errorf("%w: unknown tag source %s", connections.ErrInvalidInput, *q.Source))
	}
	hits, next, err := s.ts.FindByTag(ctx, q, page)
	if err != nil {
		return nil, "", connections.Wrap("find tag", q.Connection, fmt.Errorf("tag %q: %w", q.Name, err))
	}
	return hits, next, nil
}
