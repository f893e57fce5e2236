package connection_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
	objsync "github.com/govkit/connections/sync"
)

// state renders everything the store holds, for "nothing was written"
// checks.
func (e *env) state() string {
	e.t.Helper()
	var b strings.Builder
	put := func(v any) {
		out, err := json.Marshal(v)
		require.NoError(e.t, err)
		b.Write(out)
		b.WriteByte('\n')
	}
	conns, err := e.st.Connections(e.ctx)
	require.NoError(e.t, err)
	put(conns)
	var walk func(id hierarchy.ID)
	walk = func(id hierarchy.ID) {
		kids, err := e.st.Snapshot(e.ctx, id)
		require.NoError(e.t, err)
		for _, k := range kids {
			put(k)
			fmt.Fprintf(&b, "fp=%d\n", k.Fingerprint)
			if k.Kind() != hierarchy.KindTable {
				walk(k.ID)
			}
		}
	}
	for _, c := range conns {
		host, err := e.st.Object(e.ctx, c.HostID)
		require.NoError(e.t, err)
		put(host)
		walk(c.HostID)
	}
	grants, err := e.st.Grants(e.ctx, store.GrantFilter{})
	require.NoError(e.t, err)
	put(grants)
	reqs, _, err := e.st.Requests(e.ctx, store.RequestFilter{}, pageAll())
	require.NoError(e.t, err)
	put(reqs)
	pols, err := e.st.Policies(e.ctx)
	require.NoError(e.t, err)
	put(pols)
	admins, err := e.st.Admins(e.ctx)
	require.NoError(e.t, err)
	put(admins)
	return b.String()
}

// TestFacade_B25_EveryMutatingCallChecksItsActor calls every method of the
// facade that writes, as someone who owns nothing, as no one, and as an
// owner of something else: each must give ErrPermissionDenied and write
// nothing.
func TestFacade_B25_EveryMutatingCallChecksItsActor(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	hr, sales := hierarchy.MustParse("demo.hr.public"), hierarchy.MustParse("demo.sales")
	hrTable := hierarchy.MustParse("demo.hr.public.t1")
	_, err := e.svc.Grant(e.ctx, admin, sales, subject("alice"))
	require.NoError(t, err)
	_, err = e.svc.Grant(e.ctx, admin, hr, subject("carol"))
	require.NoError(t, err)
	_, err = e.svc.AddTag(e.ctx, admin, hrTable, "id", "pii", "")
	require.NoError(t, err)
	require.NoError(t, e.svc.SetEnable(e.ctx, admin, hr, hierarchy.Enable))
	_, err = e.svc.ActivatePolicy(e.ctx, admin, connection.NewColumnAddedPolicy)
	require.NoError(t, err)
	require.NoError(t, e.platform.AddColumn("hr", "public", "t1", hierarchy.Column{Name: "email", Type: "TEXT"}))
	_, err = e.svc.Sync(e.ctx, admin, hr, nil)
	require.NoError(t, err)
	reqs, _, err := e.svc.Requests(e.ctx, admin, hrTable, store.RequestOpen, store.Page{})
	require.NoError(t, err)
	require.Len(t, reqs, 1)
	reqID := reqs[0].ID
	_, err = e.svc.AddAdmin(e.ctx, admin, subject("dave"))
	require.NoError(t, err)

	calls := map[string]func(perms.Principal) error{
		"Register": func(p perms.Principal) error {
			_, _, err := e.svc.Register(e.ctx, p, connection.Registration{Key: "other", DisplayName: "o", Technology: "memory"})
			return err
		},
		"UpdateSettings": func(p perms.Principal) error {
			_, err := e.svc.UpdateSettings(e.ctx, p, "demo", connection.Settings{})
			return err
		},
		"Deregister": func(p perms.Principal) error { return e.svc.Deregister(e.ctx, p, "demo") },
		"Sync": func(p perms.Principal) error {
			_, err := e.svc.Sync(e.ctx, p, hr, nil)
			return err
		},
		"SetEnable":      func(p perms.Principal) error { return e.svc.SetEnable(e.ctx, p, hr, hierarchy.Disable) },
		"SetNewChildren": func(p perms.Principal) error { return e.svc.SetNewChildren(e.ctx, p, hr, hierarchy.Enable) },
		"Delete": func(p perms.Principal) error {
			_, err := e.svc.Delete(e.ctx, p, hrTable)
			return err
		},
		"Grant": func(p perms.Principal) error {
			_, err := e.svc.Grant(e.ctx, p, hr, subject("mallory"))
			return err
		},
		"Revoke": func(p perms.Principal) error { return e.svc.Revoke(e.ctx, p, hr, subject("carol")) },
		"AddTag": func(p perms.Principal) error {
			_, err := e.svc.AddTag(e.ctx, p, hrTable, "", "x", "")
			return err
		},
		"RemoveTag": func(p perms.Principal) error { return e.svc.RemoveTag(e.ctx, p, hrTable, "id", "pii") },
		"Validate": func(p perms.Principal) error {
			_, err := e.svc.Validate(e.ctx, p, reqID)
			return err
		},
		"ActivatePolicy": func(p perms.Principal) error {
			_, err := e.svc.ActivatePolicy(e.ctx, p, connection.NewColumnAddedPolicy)
			return err
		},
		"StagePolicy": func(p perms.Principal) error {
			_, err := e.svc.StagePolicy(e.ctx, p, connection.NewColumnAddedPolicy)
			return err
		},
		"AddAdmin": func(p perms.Principal) error {
			_, err := e.svc.AddAdmin(e.ctx, p, subject("mallory"))
			return err
		},
		"RemoveAdmin": func(p perms.Principal) error { return e.svc.RemoveAdmin(e.ctx, p, subject("dave")) },
	}
	actors := map[string]perms.Principal{
		"bob, who owns nothing":           bob,
		"no one":                          {},
		"an admin flag without a name":    {Admin: true},
		"alice, owner of another subtree": alice,
	}
	before := e.state()
	for name, call := range calls {
		for who, p := range actors {
			err := call(p)
			require.ErrorIs(t, err, connections.ErrPermissionDenied, "%s as %s", name, who)
			require.Equal(t, before, e.state(), "%s as %s wrote something", name, who)
		}
	}

	// The owner of the subtree may do what owners do.
	carol := perms.User("carol")
	_, err = e.svc.Validate(e.ctx, carol, reqID)
	require.NoError(t, err)
	_, err = e.svc.Sync(e.ctx, carol, hr, nil)
	require.NoError(t, err)
	require.NoError(t, e.svc.RemoveTag(e.ctx, carol, hrTable, "id", "pii"))
	_, err = e.svc.Delete(e.ctx, carol, hrTable)
	require.NoError(t, err)
}

// TestFacade_B25_StoredAdmins: an admin kept in the store is an admin to
// every call of the facade, for a host that passes plain users; removing
// it takes that away at once.
func TestFacade_B25_StoredAdmins(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	dave := perms.User("dave", "platform")
	ok, err := e.svc.IsAdmin(e.ctx, dave)
	require.NoError(t, err)
	require.False(t, ok)
	_, _, err = e.svc.Register(e.ctx, dave, connection.Registration{Key: "other", DisplayName: "o", Technology: "memory"})
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
	list, err := e.svc.List(e.ctx, dave)
	require.NoError(t, err)
	require.Empty(t, list, "dave owns nothing and is no admin")

	_, err = e.svc.AddAdmin(e.ctx, admin, group("platform"))
	require.NoError(t, err)
	ok, err = e.svc.IsAdmin(e.ctx, dave)
	require.NoError(t, err)
	require.True(t, ok, "a member of an admin group is an admin")
	_, _, err = e.svc.Register(e.ctx, dave, connection.Registration{Key: "other", DisplayName: "o", Technology: "memory"})
	require.NoError(t, err, "a stored admin registers")
	list, err = e.svc.List(e.ctx, dave)
	require.NoError(t, err)
	require.Len(t, list, 2, "a stored admin lists every connection")
	_, err = e.svc.Grant(e.ctx, dave, hierarchy.MustParse("demo.sales"), subject("alice"))
	require.NoError(t, err, "a stored admin grants")
	admins, err := e.svc.Admins(e.ctx, bob)
	require.NoError(t, err, "anyone may list the admins")
	require.Len(t, admins, 1)
	require.Equal(t, "root", admins[0].AddedBy)

	require.ErrorIs(t, e.svc.RemoveAdmin(e.ctx, dave, group("platform")), connections.ErrConflict,
		"the last stored admin cannot remove itself")
	require.NoError(t, e.svc.RemoveAdmin(e.ctx, admin, group("platform")))
	require.ErrorIs(t, e.svc.Deregister(e.ctx, dave, "other"), connections.ErrPermissionDenied, "removed at once")
}

// TestFacade_B25_NonViewersCannotProbeNames: one who may not view a
// connection gets the same denial for a name that is not there as for
// one that is, from every call that takes a path; those who may view it
// (its owners, admins) are told it is not found.
func TestFacade_B25_NonViewersCannotProbeNames(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	_, err := e.svc.Grant(e.ctx, admin, hierarchy.MustParse("demo.sales"), subject("alice"))
	require.NoError(t, err)

	calls := map[string]func(perms.Principal, hierarchy.Path) error{
		"Object": func(p perms.Principal, path hierarchy.Path) error {
			_, err := e.svc.Object(e.ctx, p, path)
			return err
		},
		"Children": func(p perms.Principal, path hierarchy.Path) error {
			_, _, err := e.svc.Children(e.ctx, p, path, store.Page{})
			return err
		},
		"Sync": func(p perms.Principal, path hierarchy.Path) error {
			_, err := e.svc.Sync(e.ctx, p, path, &objsync.RunOptions{DryRun: true})
			return err
		},
		"SetEnable": func(p perms.Principal, path hierarchy.Path) error {
			return e.svc.SetEnable(e.ctx, p, path, hierarchy.Enable)
		},
		"SetNewChildren": func(p perms.Principal, path hierarchy.Path) error {
			return e.svc.SetNewChildren(e.ctx, p, path, hierarchy.Enable)
		},
		"Delete": func(p perms.Principal, path hierarchy.Path) error {
			_, err := e.svc.Delete(e.ctx, p, path)
			return err
		},
		"Grant": func(p perms.Principal, path hierarchy.Path) error {
			_, err := e.svc.Grant(e.ctx, p, path, subject("mallory"))
			return err
		},
		"Revoke": func(p perms.Principal, path hierarchy.Path) error {
			return e.svc.Revoke(e.ctx, p, path, subject("alice"))
		},
		"AddTag": func(p perms.Principal, path hierarchy.Path) error {
			_, err := e.svc.AddTag(e.ctx, p, path, "", "x", "")
			return err
		},
		"RemoveTag": func(p perms.Principal, path hierarchy.Path) error { return e.svc.RemoveTag(e.ctx, p, path, "", "x") },
		"Requests": func(p perms.Principal, path hierarchy.Path) error {
			_, _, err := e.svc.Requests(e.ctx, p, path, "", store.Page{})
			return err
		},
	}
	keyCalls := map[string]func(perms.Principal, string) error{
		"Get": func(p perms.Principal, key string) error {
			_, err := e.svc.Get(e.ctx, p, key)
			return err
		},
		"UpdateSettings": func(p perms.Principal, key string) error {
			_, err := e.svc.UpdateSettings(e.ctx, p, key, connection.Settings{})
			return err
		},
		"Deregister": func(p perms.Principal, key string) error { return e.svc.Deregister(e.ctx, p, key) },
	}
	before := e.state()
	for name, call := range calls {
		for _, pair := range [][2]string{
			{"demo.hr.public.t1", "demo.hr.public.zz"}, // table
			{"demo.hr.public", "demo.hr.zzzzzz"},       // schema
			{"demo.hr", "demo.zz"},                     // database
			{"demo", "zzzz"},                           // connection
		} {
			there, missing := hierarchy.MustParse(pair[0]), hierarchy.MustParse(pair[1])
			for who, p := range map[string]perms.Principal{"bob": bob, "no one": {}} {
				errThere, errMissing := call(p, there), call(p, missing)
				require.ErrorIs(t, errThere, connections.ErrPermissionDenied, "%s(%s) as %s", name, there, who)
				require.ErrorIs(t, errMissing, connections.ErrPermissionDenied, "%s(%s) as %s: a missing name must look like one that is there", name, missing, who)
				require.Equal(t, strings.ReplaceAll(errThere.Error(), there.String(), missing.String()), errMissing.Error(),
					"%s as %s: the denials must read the same", name, who)
			}
			if missing.Key() == "demo" {
				for who, p := range map[string]perms.Principal{"alice, owner in demo": alice, "admin": admin} {
					require.ErrorIs(t, call(p, missing), connections.ErrNotFound, "%s(%s) as %s", name, missing, who)
				}
			}
		}
	}
	for name, call := range keyCalls {
		errThere, errMissing := call(bob, "demo"), call(bob, "zzzz")
		require.ErrorIs(t, errThere, connections.ErrPermissionDenied, name)
		require.ErrorIs(t, errMissing, connections.ErrPermissionDenied, name)
		require.Equal(t, strings.ReplaceAll(errThere.Error(), "demo", "zzzz"), errMissing.Error(), name)
		require.ErrorIs(t, call(admin, "zzzz"), connections.ErrNotFound, "%s as admin", name)
	}
	require.Equal(t, before, e.state(), "denied calls wrote something")
}
