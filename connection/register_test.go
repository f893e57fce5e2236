package connection_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
	objsync "github.com/govkit/connections/sync"
	"github.com/govkit/connections/tags"
)

func TestRegister_B5_StoresWholeHierarchy(t *testing.T) {
	e := newEnv(t)
	var progress []objsync.Progress
	c, report, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "demo", DisplayName: "Demo.Platform", Technology: "memory",
		Progress: func(p objsync.Progress) { progress = append(progress, p) }})
	require.NoError(t, err)
	require.NotEmpty(t, progress, "the first crawl reports progress")
	assert.Equal(t, int64(12), progress[len(progress)-1].Tables)
	assert.Equal(t, "active", string(c.Status))
	assert.Equal(t, int64(12), report.Counts.Tables)
	// host + 2 databases + 4 schemas + 12 tables
	assert.Equal(t, 19, e.countObjects("demo"))
	tbl := e.object("demo.sales.public.t1")
	require.Len(t, tbl.Columns, 2)
	assert.Equal(t, "id", tbl.Columns[0].Name)
	var conn []string
	for _, tg := range tbl.Tags {
		if tg.Source == hierarchy.TagSystem {
			conn = append(conn, tg.Name)
		}
	}
	assert.Equal(t, []string{`Immuta Connections . Memory . Demo\.Platform . public . sales`}, conn, "B19 connection tag")
}

func TestRegister_B4_KeyRules(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		key  string
		want error
	}{
		{"", connection.ErrEmptyKey},
		{"has space", connection.ErrInvalidKey},
		{"dot.key", connection.ErrInvalidKey},
		{"ünicode", connection.ErrInvalidKey},
		{strings.Repeat("k", connection.MaxKeyLength+1), connection.ErrInvalidKey},
		{"sync", connection.ErrReservedKey},
		{"Settings", connection.ErrReservedKey},
	}
	for _, c := range cases {
		_, _, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: c.key, DisplayName: "x", Technology: "memory"})
		assert.ErrorIs(t, err, c.want, "key %q", c.key)
		assert.ErrorIs(t, err, connections.ErrInvalidInput, "key %q", c.key)
	}
	for _, ok := range []string{"a", "Prod_EU-1", "x9"} {
		assert.NoError(t, connection.ValidateKey(ok))
	}
	assert.Empty(t, e.connections(), "nothing written")
}

func TestRegister_B4_DisplayNameRules(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"", "   ", "tab\there", strings.Repeat("n", connection.MaxDisplayNameLength+1)} {
		_, _, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "k", DisplayName: name, Technology: "memory"})
		assert.ErrorIs(t, err, connection.ErrInvalidDisplayName, "display name %q", name)
	}
	assert.Empty(t, e.connections())
}

func TestRegister_B4_DuplicateKey(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	before := e.countObjects("demo")
	_, _, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "demo", DisplayName: "again", Technology: "memory"})
	require.ErrorIs(t, err, connections.ErrAlreadyExists)
	assert.Equal(t, before, e.countObjects("demo"), "the first connection is untouched")
	c, err := e.svc.Get(e.ctx, admin, "demo")
	require.NoError(t, err)
	assert.Equal(t, "Demo demo", c.DisplayName)
}

func TestRegister_UnknownTechnology(t *testing.T) {
	e := newEnv(t)
	_, _, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "k", DisplayName: "x", Technology: "oracle"})
	require.ErrorIs(t, err, connection.ErrUnknownTechnology)
	assert.Contains(t, err.Error(), "memory", "the error lists the known technologies")
	assert.Empty(t, e.connections())
}

func TestRegister_B6_Defaults(t *testing.T) {
	e := newEnv(t)
	c := e.register("demo")
	assert.Equal(t, 24*time.Hour, c.Settings.Schedule.Interval)
	assert.Equal(t, time.Hour, c.Settings.Schedule.Offset, "01:00 UTC")
	assert.False(t, c.Settings.Impersonation)
	assert.False(t, c.Settings.ProjectWorkspaces)
	assert.Equal(t, connection.DefaultInternalDatabase, c.Settings.InternalDatabase)
}

func TestRegister_B6_ZeroScheduleFieldsTakeDefaults(t *testing.T) {
	e := newEnv(t)
	only := connection.Settings{Schedule: connectionSchedule(0, 2*time.Hour)}
	c, _, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "demo", DisplayName: "d", Technology: "memory", Settings: &only})
	require.NoError(t, err, "a zero interval takes the default, as documented")
	assert.Equal(t, connectionSchedule(24*time.Hour, 2*time.Hour), c.Settings.Schedule, "every 24 h at the offset given")

	c, err = e.svc.UpdateSettings(e.ctx, admin, "demo", connection.Settings{Schedule: connectionSchedule(0, 3*time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, connectionSchedule(24*time.Hour, 3*time.Hour), c.Settings.Schedule)

	c, err = e.svc.UpdateSettings(e.ctx, admin, "demo", connection.Settings{Schedule: connectionSchedule(6*time.Hour, 0)})
	require.NoError(t, err)
	assert.Equal(t, connectionSchedule(6*time.Hour, 0), c.Settings.Schedule, "a zero offset with an interval is midnight")

	c, err = e.svc.UpdateSettings(e.ctx, admin, "demo", connection.Settings{})
	require.NoError(t, err)
	assert.Equal(t, connection.DefaultSettings().Schedule, c.Settings.Schedule)
}

func TestRegister_B6_InvalidSettingCombinations(t *testing.T) {
	snow := memory.NewPlatform("snow").Technology()
	snow.Name, snow.DisplayName, snow.ProjectWorkspaces = "fakesnow", "Fake Snowflake", true
	noImp := memory.NewPlatform("noimp").Technology()
	noImp.Name, noImp.Impersonation = "noimp", false
	e := newEnv(t, withTechnology(snow), withTechnology(noImp))
	cases := []struct {
		name string
		tech string
		s    connection.Settings
		want error
	}{
		{"workspaces outside snowflake", "memory", connection.Settings{ProjectWorkspaces: true}, connection.ErrProjectWorkspacesUnsupported},
		{"workspaces with table grants", "fakesnow", connection.Settings{ProjectWorkspaces: true, TableGrants: true}, connection.ErrProjectWorkspacesWithTableGrants},
		{"impersonation without role", "memory", connection.Settings{Impersonation: true}, connection.ErrImpersonationRoleRequired},
		{"impersonation unsupported", "noimp", connection.Settings{Impersonation: true, ImpersonationRole: "r"}, connection.ErrImpersonationUnsupported},
		{"schedule too short", "memory", connection.Settings{Schedule: connectionSchedule(time.Second, 0)}, connection.ErrInvalidSchedule},
		{"offset past a day", "memory", connection.Settings{Schedule: connectionSchedule(time.Hour, 25*time.Hour)}, connection.ErrInvalidSchedule},
		{"delete share above one", "memory", connection.Settings{MaxDeleteShare: 1.5}, connection.ErrInvalidSetting},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.s
			_, _, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "k", DisplayName: "x", Technology: c.tech, Settings: &s})
			require.ErrorIs(t, err, c.want)
			require.ErrorIs(t, err, connections.ErrInvalidInput)
			assert.Empty(t, e.connections(), "nothing written")
		})
	}
	ok := connection.Settings{ProjectWorkspaces: true}
	_, _, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "snow", DisplayName: "x", Technology: "fakesnow", Settings: &ok})
	require.NoError(t, err, "project workspaces on Snowflake without table grants")
}

func TestRegister_B5_FailedRegistrationLeavesNothing(t *testing.T) {
	cases := map[string]memory.Fault{
		"databases":    {Method: memory.MethodDatabases, Err: errors.New("warehouse suspended")},
		"one schema":   {Method: memory.MethodTables, Database: "hr", Schema: "staging", Err: errors.New("timeout")},
		"host":         {Method: memory.MethodHost, Err: errors.New("boom")},
		"check denied": {Method: memory.MethodCheck, Err: connections.ErrPermissionDenied},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			require.NoError(t, e.platform.InjectFault(f))
			_, _, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "demo", DisplayName: "d", Technology: "memory"})
			require.Error(t, err)
			assert.Empty(t, e.connections())
			assert.Equal(t, 0, e.countObjects("demo"))
			hits, _, err := e.st.FindByTag(e.ctx, storeTagQuery("demo", tags.DefaultConnectionTag("Memory", "d", "sales", "public")), pageAll())
			require.NoError(t, err)
			assert.Empty(t, hits, "no tags left behind")
		})
	}
}

func TestRegister_B5_AllowPartialKeepsWhatWasListed(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, e.platform.InjectFault(memory.Fault{Method: memory.MethodTables, Database: "hr", Schema: "staging", Err: errors.New("timeout")}))
	_, report, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "demo", DisplayName: "d", Technology: "memory", AllowPartial: true})
	require.NoError(t, err)
	require.Len(t, report.Failed, 1)
	assert.Equal(t, "demo.hr.staging", report.Failed[0].Path.String())
	assert.Equal(t, 16, e.countObjects("demo"), "everything but the failed schema's tables")
}

func TestRegister_B7_CredentialsNeverStored(t *testing.T) {
	e := newEnv(t)
	secret := connectors.Credentials{"password": "hunter2-very-secret"}
	e.platform.RequireCredentials(secret)

	e.creds = connectors.Credentials{"password": "wrong-password-xyz"}
	_, _, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "demo", DisplayName: "d", Technology: "memory", Config: connectors.Config{"host": "h"}})
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
	assert.NotContains(t, err.Error(), "wrong-password-xyz")
	assert.Empty(t, e.connections())

	e.creds = secret
	c, _, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "demo", DisplayName: "d", Technology: "memory", Config: connectors.Config{"host": "h"}})
	require.NoError(t, err)
	stored, err := e.st.Connection(e.ctx, "demo")
	require.NoError(t, err)
	for k, v := range stored.Config {
		assert.NotContains(t, v, "hunter2", "config %s", k)
	}
	assert.Equal(t, connectors.Config{"host": "h"}, connectors.Config(c.Config))
}

func TestRegister_B7_NoSecretInLogsErrorsOrReports(t *testing.T) {
	const secret, tagSecret = "hunter2-very-secret", "tag-secret-abc"
	var logs bytes.Buffer
	e := newEnv(t, func(o *connection.Options, _ *connectors.Registry) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.Credentials = func(_ context.Context, _ string, use connectors.Use) (connectors.Credentials, error) {
			if use == connectors.UseTags {
				return connectors.Credentials{"token": "wrong-" + tagSecret}, nil
			}
			return connectors.Credentials{"password": secret}, nil
		}
	})
	e.platform.RequireCredentials(connectors.Credentials{"password": secret})
	e.platform.RequireTagCredentials(connectors.Credentials{"token": tagSecret})

	// The tag credentials are refused: every schema's tag listing fails,
	// is logged and reported, and the registration with it.
	_, report, err := e.svc.Register(e.ctx, admin, connection.Registration{Key: "demo", DisplayName: "d", Technology: "memory"})
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
	require.NotNil(t, report)
	require.NotEmpty(t, report.Failed)
	b, jerr := json.Marshal(report)
	require.NoError(t, jerr)
	for what, text := range map[string]string{"error": err.Error(), "report": string(b), "logs": logs.String()} {
		assert.NotContains(t, text, secret, what)
		assert.NotContains(t, text, tagSecret, what)
	}
	assert.Contains(t, logs.String(), "list tags", "the failure was logged")
}

func TestRegister_B25_OnlyAdmins(t *testing.T) {
	e := newEnv(t)
	_, _, err := e.svc.Register(e.ctx, alice, connection.Registration{Key: "demo", DisplayName: "d", Technology: "memory"})
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
	assert.Empty(t, e.connections())
}

func TestUpdateSettings_B6(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	c, err := e.svc.UpdateSettings(e.ctx, admin, "demo", connection.Settings{Impersonation: true, ImpersonationRole: "GOV", Schedule: connectionSchedule(6*time.Hour, 30*time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, 6*time.Hour, c.Settings.Schedule.Interval)
	_, err = e.svc.UpdateSettings(e.ctx, admin, "demo", connection.Settings{Impersonation: true})
	require.ErrorIs(t, err, connection.ErrImpersonationRoleRequired)
	got, err := e.svc.Get(e.ctx, admin, "demo")
	require.NoError(t, err)
	assert.Equal(t, "GOV", got.Settings.ImpersonationRole, "a refused update writes nothing")
	_, err = e.svc.UpdateSettings(e.ctx, alice, "demo", connection.Settings{})
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
	_, err = e.svc.UpdateSettings(e.ctx, admin, "nope", connection.Settings{})
	require.ErrorIs(t, err, connections.ErrNotFound)
}

func TestDeregister_B26_DeletesEverythingPlatformUntouched(t *testing.T) {
	e := newEnv(t)
	e.register("demo")
	e.register("other")
	_, err := e.svc.Grant(e.ctx, admin, hierarchy.MustParse("demo.sales"), subject("alice"))
	require.NoError(t, err)
	_, err = e.svc.AddTag(e.ctx, admin, hierarchy.MustParse("demo.sales.public.t1"), "id", "pii", "")
	require.NoError(t, err)

	require.ErrorIs(t, e.svc.Deregister(e.ctx, alice, "demo"), connections.ErrPermissionDenied)
	require.NoError(t, e.svc.Deregister(e.ctx, admin, "demo"))
	assert.Equal(t, []string{"other"}, e.connections())
	assert.Equal(t, 0, e.countObjects("demo"))
	grants, err := e.st.Grants(e.ctx, storeGrantFilter("demo"))
	require.NoError(t, err)
	assert.Empty(t, grants)
	hits, _, err := e.st.FindByTag(e.ctx, storeTagQuery("demo", "pii"), pageAll())
	require.NoError(t, err)
	assert.Empty(t, hits)
	list, err := e.svc.List(e.ctx, alice)
	require.NoError(t, err)
	assert.Empty(t, list, "alice owned something only in the deregistered connection")

	dbs, err := e.platform.Connector(nil).Databases(e.ctx)
	require.NoError(t, err)
	assert.Len(t, dbs, 2, "the platform is untouched")
	assert.Equal(t, 19, e.countObjects("other"))
	require.ErrorIs(t, e.svc.Deregister(e.ctx, admin, "demo"), connections.ErrNotFound)
}

func TestErrors_NameTheOperationOnce(t *testing.T) {
	e := newEnv(t)
	_, _, err := e.svc.Register(e.ctx, alice, connection.Registration{Key: "demo", DisplayName: "d", Technology: "memory"})
	require.ErrorIs(t, err, connections.ErrPermissionDenied)
	assert.Equal(t, 1, strings.Count(err.Error(), "register:"), "%q", err)
	e.register("demo")
	err = e.svc.RemoveTag(e.ctx, admin, hierarchy.MustParse("demo.sales.public.t1"), "", "absent")
	require.ErrorIs(t, err, connections.ErrNotFound)
	assert.Equal(t, 1, strings.Count(err.Error(), "remove tag "), "%q", err)
	assert.NotContains(t, err.Error(), "untag")
}

// replacingStore deregisters and registers again (another process, say)
// the connection being made active, just before that write.
type replacingStore struct {
	store.Store
	t    *testing.T
	done bool
	// newHost is the host ID of the connection registered meanwhile.
	newHost hierarchy.ID
}

func (s *replacingStore) UpdateConnection(ctx context.Context, c store.Connection) error {
	if !s.done && c.Status == store.StatusActive {
		s.done = true
		require.NoError(s.t, s.Store.DeleteConnection(ctx, c.Key))
		other := c
		other.HostID, other.DisplayName, other.Status = hierarchy.NewID(), "the other one", store.StatusActive
		require.NoError(s.t, s.Store.CreateConnection(ctx, other, hierarchy.Object{ID: other.HostID, Path: hierarchy.Path{c.Key}, Type: hierarchy.TypeHost}))
		s.newHost = other.HostID
	}
	return s.Store.UpdateConnection(ctx, c)
}

// A registration whose key was deregistered and registered again while it
// crawled fails, and neither takes over nor deletes the newer connection.
func TestRegister_B5_KeyRegisteredAgainMeanwhile(t *testing.T) {
	e := newEnv(t)
	rs := &replacingStore{Store: e.st, t: t}
	reg, err := connectors.NewRegistry(e.platform.Technology())
	require.NoError(t, err)
	svc, err := connection.New(e.ctx, rs, reg, nil)
	require.NoError(t, err)
	_, _, err = svc.Register(e.ctx, admin, connection.Registration{Key: "demo", DisplayName: "d", Technology: "memory"})
	require.ErrorIs(t, err, connections.ErrConflict)
	assert.Contains(t, err.Error(), "registered again")
	got, err := e.st.Connection(e.ctx, "demo")
	require.NoError(t, err, "the newer connection must be left alone")
	assert.Equal(t, rs.newHost, got.HostID)
	assert.Equal(t, "the other one", got.DisplayName)
}
