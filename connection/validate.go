package connection

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/store"
	objsync "github.com/govkit/connections/sync"
)

// Errors of registration and settings. Each matches connections.ErrInvalidInput
// too, so a caller can test for the family or for the precise rule.
var (
	// ErrEmptyKey: the connection key is empty.
	ErrEmptyKey = fmt.Errorf("%w: connection key is empty", connections.ErrInvalidInput)
	// ErrInvalidKey: the key has characters other than letters, digits,
	// "-" and "_", or is too long.
	ErrInvalidKey = fmt.Errorf("%w: invalid connection key", connections.ErrInvalidInput)
	// ErrReservedKey: the key is a reserved word.
	ErrReservedKey = fmt.Errorf("%w: reserved connection key", connections.ErrInvalidInput)
	// ErrInvalidDisplayName: the display name is empty, too long or holds
	// control characters.
	ErrInvalidDisplayName = fmt.Errorf("%w: invalid display name", connections.ErrInvalidInput)
	// ErrUnknownTechnology: no technology of that name is registered.
	ErrUnknownTechnology = fmt.Errorf("%w: unknown technology", connections.ErrInvalidInput)
	// ErrImpersonationRoleRequired: impersonation is on without a role.
	ErrImpersonationRoleRequired = fmt.Errorf("%w: impersonation needs a role", connections.ErrInvalidInput)
	// ErrImpersonationUnsupported: the technology has no impersonation.
	ErrImpersonationUnsupported = fmt.Errorf("%w: impersonation is not supported by this technology", connections.ErrInvalidInput)
	// ErrProjectWorkspacesUnsupported: project workspaces outside Snowflake.
	ErrProjectWorkspacesUnsupported = fmt.Errorf("%w: project workspaces are supported on Snowflake only", connections.ErrInvalidInput)
	// ErrProjectWorkspacesWithTableGrants: project workspaces together with
	// Snowflake table grants.
	ErrProjectWorkspacesWithTableGrants = fmt.Errorf("%w: project workspaces cannot be used with Snowflake table grants", connections.ErrInvalidInput)
	// ErrInvalidSchedule: the schedule's interval or offset is out of range.
	ErrInvalidSchedule = fmt.Errorf("%w: invalid schedule", connections.ErrInvalidInput)
	// ErrInvalidSetting: another setting is out of range.
	ErrInvalidSetting = fmt.Errorf("%w: invalid setting", connections.ErrInvalidInput)
)

// MaxKeyLength is the longest connection key accepted.
const MaxKeyLength = 64

// MaxDisplayNameLength is the longest display name accepted, in characters.
const MaxDisplayNameLength = 256

// reservedKeys are the words a connection key may not be (compared without
// regard to case): the reference's reserved words.
var reservedKeys = []string{"data", "connection", "object", "crawl", "search", "settings", "metadata", "permission", "sync", "bulk", "upgrade"}

// ReservedKeys returns the words a connection key may not be.
func ReservedKeys() []string { return append([]string(nil), reservedKeys...) }

// ValidateKey checks a connection key (B4): one to MaxKeyLength letters,
// digits, "-" or "_", and not a reserved word.
func ValidateKey(key string) error {
	if key == "" {
		return ErrEmptyKey
	}
	if len(key) > MaxKeyLength {
		return fmt.Errorf("%w %q: %d characters, at most %d", ErrInvalidKey, key, len(key), MaxKeyLength)
	}
	for i, r := range key {
		if !(r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')) {
			return fmt.Errorf("%w %q: character %q at %d (only letters, digits, - and _ are allowed)", ErrInvalidKey, key, r, i)
		}
	}
	for _, w := range reservedKeys {
		if strings.EqualFold(key, w) {
			return fmt.Errorf("%w %q (reserved: %s)", ErrReservedKey, key, strings.Join(reservedKeys, ", "))
		}
	}
	return nil
}

// ValidateDisplayName checks a display name (B4): free text, periods
// allowed, but not empty or blank, no control characters, at most
// MaxDisplayNameLength characters.
func ValidateDisplayName(name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("%w: it is empty", ErrInvalidDisplayName)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w %q: not valid UTF-8", ErrInvalidDisplayName, name)
	}
	if n := utf8.RuneCountInString(name); n > MaxDisplayNameLength {
		return fmt.Errorf("%w: %d characters, at most %d", ErrInvalidDisplayName, n, MaxDisplayNameLength)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w %q: control character %U", ErrInvalidDisplayName, name, r)
		}
	}
	return nil
}

// Default schedule of periodic sync: every 24 hours at 01:00 UTC (B6).
const (
	DefaultScheduleInterval = objsync.DefaultInterval
	DefaultScheduleOffset   = objsync.DefaultOffset
)

// DefaultInternalDatabase is the name of the library's own database or
// catalog on the platform when the settings name none (B15).
const DefaultInternalDatabase = objsync.DefaultInternalDatabase

// DefaultSettings returns the settings a new connection gets (B6): sync
// every 24 hours at 01:00 UTC, impersonation off, project workspaces off.
func DefaultSettings() Settings {
	return Settings{
		Schedule:         store.Schedule{Interval: DefaultScheduleInterval, Offset: DefaultScheduleOffset},
		InternalDatabase: DefaultInternalDatabase,
	}
}

// withDefaults fills the zero fields of s that have defaults: a zero
// schedule interval is DefaultScheduleInterval, at DefaultScheduleOffset
// unless an offset is given (the schedule objsync.NextRun reads into it),
// and an empty internal database DefaultInternalDatabase.
func withDefaults(s Settings) Settings {
	if s.Schedule.Interval == 0 {
		s.Schedule.Interval = DefaultScheduleInterval
		if s.Schedule.Offset == 0 {
			s.Schedule.Offset = DefaultScheduleOffset
		}
	}
	if s.InternalDatabase == "" {
		s.InternalDatabase = DefaultInternalDatabase
	}
	return s
}

// validateSettings checks s against the rules of B6 for technology t.
func validateSettings(s Settings, t connectors.Technology) error {
	if s.Schedule.Interval < time.Minute || s.Schedule.Interval > 7*24*time.Hour {
		return fmt.Errorf("%w: interval %v must be between 1m and 168h", ErrInvalidSchedule, s.Schedule.Interval)
	}
	if s.Schedule.Offset < 0 || s.Schedule.Offset >= 24*time.Hour {
		return fmt.Errorf("%w: offset %v after midnight UTC must be in [0, 24h)", ErrInvalidSchedule, s.Schedule.Offset)
	}
	if s.Impersonation {
		if !t.Impersonation {
			return fmt.Errorf("%w (%s)", ErrImpersonationUnsupported, t.DisplayName)
		}
		if strings.TrimSpace(s.ImpersonationRole) == "" {
			return ErrImpersonationRoleRequired
		}
	}
	if s.ProjectWorkspaces {
		if !t.ProjectWorkspaces {
			return fmt.Errorf("%w, not %s", ErrProjectWorkspacesUnsupported, t.DisplayName)
		}
		if s.TableGrants {
			return ErrProjectWorkspacesWithTableGrants
		}
	}
	if s.MaxDeleteShare < 0 || s.MaxDeleteShare > 1 {
		return fmt.Errorf("%w: max delete share %v must be between 0 and 1", ErrInvalidSetting, s.MaxDeleteShare)
	}
	return nil
}
