package perms

import (
	"fmt"

	"github.com/govkit/connections/hierarchy"
)

// Action is something a principal asks to do. Check decides whether it
// may; the package documentation has the table of who may do what.
type Action uint8

// The actions the library checks. The zero value is not an action.
const (
	// ActionView reads a connection and its objects, settings, tags and
	// grants.
	ActionView Action = iota + 1
	// ActionSync triggers object sync on an object and everything below it.
	ActionSync
	// ActionDelete deletes an object and everything below it from the store.
	ActionDelete
	// ActionEnable enables or disables an object, or changes the setting
	// sync gives the children it finds.
	ActionEnable
	// ActionTag adds or removes people's tags on an object or its columns.
	ActionTag
	// ActionValidate lists and validates the requests on a data source.
	ActionValidate
	// ActionGrant grants or revokes Data Owner on an object.
	ActionGrant
	// ActionRegister registers a new connection.
	ActionRegister
	// ActionSettings changes a connection's settings (schedule,
	// impersonation, workspaces, credentials).
	ActionSettings
	// ActionDeregister deletes a connection and everything under it.
	ActionDeregister
	// ActionPolicyAdmin activates or stages global policies.
	ActionPolicyAdmin
	// ActionAdmins makes users and groups admins, or admins no more.
	ActionAdmins
)

var actionNames = [...]string{
	ActionView:        "view",
	ActionSync:        "sync",
	ActionDelete:      "delete",
	ActionEnable:      "enable",
	ActionTag:         "tag",
	ActionValidate:    "validate",
	ActionGrant:       "grant",
	ActionRegister:    "register",
	ActionSettings:    "settings",
	ActionDeregister:  "deregister",
	ActionPolicyAdmin: "policy_admin",
	ActionAdmins:      "admins",
}

// Actions returns every action, in the order of their declaration.
func Actions() []Action {
	out := make([]Action, 0, len(actionNames)-1)
	for a := ActionView; int(a) < len(actionNames); a++ {
		out = append(out, a)
	}
	return out
}

// Valid reports whether a is one of the declared actions.
func (a Action) Valid() bool { return a >= ActionView && int(a) < len(actionNames) }

// String returns the action's lower-case name, such as "sync".
func (a Action) String() string {
	if a.Valid() {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// ParseAction returns the action named s, as String writes it.
func ParseAction(s string) (Action, error) {
	for a := ActionView; int(a) < len(actionNames); a++ {
		if actionNames[a] == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("perms: unknown action %q", s)
}

// MarshalText implements encoding.TextMarshaler.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Action) UnmarshalText(b []byte) error {
	v, err := ParseAction(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// AdminOnly reports whether only admins and the system may take the
// action, whatever grants the principal holds.
func (a Action) AdminOnly() bool {
	switch a {
	case ActionGrant, ActionRegister, ActionSettings, ActionDeregister, ActionPolicyAdmin, ActionAdmins:
		return true
	}
	return !a.Valid()
}

// verb is how the action reads in "may not <verb>" messages.
func (a Action) verb() string {
	switch a {
	case ActionView:
		return "view"
	case ActionSync:
		return "sync"
	case ActionDelete:
		return "delete"
	case ActionEnable:
		return "enable or disable"
	case ActionTag:
		return "tag"
	case ActionValidate:
		return "validate requests on"
	case ActionGrant:
		return "grant or revoke Data Owner on"
	case ActionRegister:
		return "register connections"
	case ActionSettings:
		return "change the settings of"
	case ActionDeregister:
		return "deregister"
	case ActionPolicyAdmin:
		return "activate or stage global policies"
	case ActionAdmins:
		return "add or remove admins"
	}
	return a.String()
}

// phrase returns "sync table k.db.s.t" or "register connections".
func (a Action) phrase(obj *hierarchy.Object) string {
	switch a {
	case ActionRegister, ActionPolicyAdmin, ActionAdmins:
		return a.verb()
	}
	if obj == nil {
		return a.verb() + " objects"
	}
	return a.verb() + " " + describe(obj)
}

func describe(obj *hierarchy.Object) string {
	if obj.Kind() == hierarchy.KindHost {
		return fmt.Sprintf("connection %q", obj.Path.Key())
	}
	return obj.Kind().String() + " " + obj.Path.String()
}
