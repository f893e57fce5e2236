// Package perms decides what a principal may do: Data Owner grants on any
// object, inherited by every object below it (B24), and the checks of the
// actions data owners and admins may take (B25).
//
// # Ownership
//
// A Data Owner grant names a user or a group and an object: a host (the
// whole connection), a database, a schema or a table. It holds on the
// object and on every object below it, including objects sync finds after
// the grant was made. Grants are resolved when read, never copied down: a
// [Resolver] matches an object's lineage (its host, database and schema
// IDs, and its own) against the grants, and [Resolver.Owners] reports each
// owner with the nearest grant up the path and the object it is inherited
// from. A principal owns an object when it, or one of its groups, is the
// subject of such a grant.
//
// # Permissions
//
// Admins and the system may do everything. A principal is an admin when
// the host says so (Principal.Admin) or when it, or one of its groups, is
// an admin the store keeps (store.AdminStore; [Resolver.AddAdmin]). Stored
// admins are shared by every process on the store and cached as grants
// are. Everyone else:
//
//	action              who may                           on what
//	------------------  --------------------------------  ------------------------------------
//	ActionView          a data owner of anything in it    every object of that connection
//	ActionSync          a data owner                      the objects they own (inherited)
//	ActionDelete        a data owner                      the objects they own, not a host
//	ActionEnable        a data owner                      the objects they own
//	ActionTag           a data owner                      the objects they own and their columns
//	ActionValidate      a data owner                      requests on the data sources they own
//	ActionGrant         admins only                       grant or revoke Data Owner
//	ActionRegister      admins only                       register a connection
//	ActionSettings      admins only                       change a connection's settings
//	ActionDeregister    admins only                       deregister a connection
//	ActionPolicyAdmin   admins only                       activate or stage global policies
//	ActionAdmins        admins only                       add or remove admins
//
// Deleting a host is deregistering the connection, so it is admin-only
// too. A denial is an error matching connections.ErrPermissionDenied that
// names the principal, the action and the object's path.
//
// # Speed and consistency
//
// A Resolver keeps an in-memory [Snapshot] of every grant, so a check is
// at most four map lookups, allocates nothing and does not touch the
// store. Grant and Revoke on the Resolver update the store and make the
// Resolver read the grants again; grants changed by other replicas are
// seen within [Options].MaxAge, or at once after [Resolver.Invalidate].
// [Options].Uncached reads the store on every check instead.
package perms
