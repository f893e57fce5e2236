// Package perms decides what a principal may do: Data Owner grants on any
// object, inherited by every object below it (B24), and the checks of the
// actions data owners and admins may take (B25).
package perms
