package hierarchy

import "fmt"

// Setting is a three-state switch set on an object: an explicit Enable or
// Disable, or Inherit, which takes the nearest explicit value up the
// hierarchy. The zero value is Inherit.
type Setting uint8

// The values of a Setting.
const (
	Inherit Setting = iota
	Enable
	Disable
)

var settingNames = [...]string{"inherit", "enable", "disable"}

// String returns "inherit", "enable" or "disable".
func (s Setting) String() string {
	if int(s) < len(settingNames) {
		return settingNames[s]
	}
	return fmt.Sprintf("Setting(%d)", uint8(s))
}

// ParseSetting returns the setting named s, as String writes it.
func ParseSetting(s string) (Setting, error) {
	for i, n := range settingNames {
		if n == s {
			return Setting(i), nil
		}
	}
	return Inherit, fmt.Errorf("hierarchy: unknown setting %q (want inherit, enable or disable)", s)
}

// Valid reports whether s is one of the three values.
func (s Setting) Valid() bool { return s <= Disable }

// MarshalText implements encoding.TextMarshaler.
func (s Setting) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Setting) UnmarshalText(b []byte) error {
	v, err := ParseSetting(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Resolve returns the effective value of a chain of settings ordered from
// the top of the hierarchy down (host first, the object itself last): the
// last explicit value, or def when every one inherits.
func Resolve(def bool, chain ...Setting) bool {
	v := def
	for _, s := range chain {
		switch s {
		case Enable:
			v = true
		case Disable:
			v = false
		}
	}
	return v
}

// State says whether an object still exists on the platform.
type State uint8

// The states of an object.
const (
	// Active objects were seen by the last sync that listed their parent.
	Active State = iota
	// DeletedRemotely objects were not: they are kept, disabled, until
	// someone deletes them, and come back to Active with their settings,
	// grants and tags if the platform lists them again.
	DeletedRemotely
)

// String returns "active" or "deleted_remotely".
func (s State) String() string {
	switch s {
	case Active:
		return "active"
	case DeletedRemotely:
		return "deleted_remotely"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// ParseState returns the state named s, as String writes it.
func ParseState(s string) (State, error) {
	switch s {
	case "active":
		return Active, nil
	case "deleted_remotely":
		return DeletedRemotely, nil
	}
	return Active, fmt.Errorf("hierarchy: unknown state %q (want active or deleted_remotely)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *State) UnmarshalText(b []byte) error {
	v, err := ParseState(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
