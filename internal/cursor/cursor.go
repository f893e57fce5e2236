// Package cursor encodes the opaque page cursors of the in-memory and
// PostgreSQL stores: a small struct of the last item's sort key, as JSON in
// unpadded URL-safe base64, so that a cursor is one printable token a
// caller passes back unchanged.
package cursor

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	connections "github.com/govkit/connections"
)

// Encode returns the cursor of v, a plain struct of strings, numbers and
// byte slices.
func Encode(v any) string {
	b, _ := json.Marshal(v) // plain structs of strings and numbers
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode decodes a cursor made by Encode into v, and reports whether s
// was one.
func Decode(s string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && json.Unmarshal(b, v) == nil
}

// Parse returns the cursor after (a Page.After) decoded into a new T, or
// nil for the first page (after is ""). A string Decode rejects, or a
// cursor valid (when not nil) reports invalid, gives an error naming op
// and path that matches connections.ErrInvalidInput.
func Parse[T any](op, path, after string, valid func(*T) bool) (*T, error) {
	if after == "" {
		return nil, nil
	}
	c := new(T)
	if !Decode(after, c) || (valid != nil && !valid(c)) {
		return nil, &connections.Error{Op: op, Path: path, Err: fmt.Errorf("%w: malformed cursor %q", connections.ErrInvalidInput, after)}
	}
	return c, nil
}
