// Package connection is the facade a host application uses: register a
// data platform as a connection, browse its hierarchy, sync it, enable
// data sources, grant Data Owner, tag, validate column changes, and
// deregister.
//
// Every call names its actor, a [perms.Principal], and is checked against
// what that principal may do (B25): admins and the system may do
// everything; a data owner may view the connections where they own
// anything, and sync, enable, tag and delete the objects they own.
// Admins are those the host marks so and those the store keeps
// ([Service.AddAdmin]).
//
// What an actor may not view it may not probe for either: only those who
// may view a connection are told that a name in it is not found; anyone
// else gets the same permission error for a name that is not there as
// for one that is.
//
// A [Service] is safe for concurrent use. It keeps no credentials: a host
// supplies them at run time through [Options].Credentials (B7).
package connection
