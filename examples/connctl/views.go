package main

import (
	"time"

	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
	objsync "github.com/govkit/connections/sync"
)

// The JSON documents connctl prints. Field names are snake_case and stable:
// these types are connctl's contract with scripts. Lists are always present
// (possibly empty); times are RFC 3339 in UTC, absent when unset; durations
// are milliseconds or seconds as the field name says. Where a library type
// already marshals to exactly the documented shape (a sync report's
// counts, conflicts and request references), a view holds it as it is;
// the types below exist where connctl adds, renames or formats fields.

// errorView is printed on stdout, with --json, when a command fails
// without a result.
type errorView struct {
	Error    string `json:"error"`
	Code     string `json:"code"`
	ExitCode int    `json:"exit_code"`
}

type scheduleView struct {
	IntervalSeconds int64 `json:"interval_seconds"`
	OffsetSeconds   int64 `json:"offset_seconds"`
}

type settingsView struct {
	Schedule          scheduleView `json:"schedule"`
	Impersonation     bool         `json:"impersonation"`
	ImpersonationRole string       `json:"impersonation_role"`
	ProjectWorkspaces bool         `json:"project_workspaces"`
	TableGrants       bool         `json:"table_grants"`
	InternalDatabase  string       `json:"internal_database"`
	MaxDeleteShare    float64      `json:"max_delete_share"`
}

type connectionView struct {
	Key         string            `json:"key"`
	DisplayName string            `json:"display_name"`
	Technology  string            `json:"technology"`
	Config      map[string]string `json:"config"`
	Settings    settingsView      `json:"settings"`
	Status      string            `json:"status"`
	HostID      string            `json:"host_id"`
	CreatedBy   string            `json:"created_by"`
	CreatedAt   *time.Time        `json:"created_at,omitempty"`
	UpdatedAt   *time.Time        `json:"updated_at,omitempty"`
	LastSync    *time.Time        `json:"last_sync,omitempty"`
}

type tagView struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

type columnView struct {
	Name     string    `json:"name"`
	Type     string    `json:"type"`
	Position int       `json:"position"`
	Nullable bool      `json:"nullable"`
	Comment  string    `json:"comment"`
	Tags     []tagView `json:"tags"`
}

type subjectView struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type ownerView struct {
	Subject subjectView `json:"subject"`
	// Inherited reports that the grant is on an ancestor, InheritedFrom.
	Inherited     bool       `json:"inherited"`
	InheritedFrom string     `json:"inherited_from"`
	GrantedBy     string     `json:"granted_by"`
	GrantedAt     *time.Time `json:"granted_at,omitempty"`
}

type objectView struct {
	ID      string   `json:"id"`
	Path    string   `json:"path"`
	Names   []string `json:"names"`
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Type    string   `json:"type"`
	Comment string   `json:"comment"`
	// State is "active" or "deleted_remotely".
	State           string `json:"state"`
	DeletedRemotely bool   `json:"deleted_remotely"`
	// Enable is the object's own setting ("enable", "disable",
	// "inherit"); Enabled the effective one; EnableFrom the path of the
	// object whose explicit setting decides it ("" when none does and the
	// default, disabled, applies).
	Enable     string `json:"enable"`
	Enabled    bool   `json:"enabled"`
	EnableFrom string `json:"enable_from"`
	// DataSource reports an enabled table.
	DataSource bool `json:"data_source"`
	// NewChildren is the own setting for children sync finds;
	// NewChildrenEffective the nearest explicit one up the path
	// ("inherit": they follow their parent); NewChildrenFrom where it is set.
	NewChildren          string `json:"new_children"`
	NewChildrenEffective string `json:"new_children_effective"`
	NewChildrenFrom      string `json:"new_children_from"`
	Children             int64  `json:"children"`
	Descendants          int64  `json:"descendants"`
	Depth                int    `json:"depth"`
	// Columns and Owners are left out by tree (columns are there with
	// --columns, on tables); show always has them.
	Columns   *[]columnView `json:"columns,omitempty"`
	Tags      []tagView     `json:"tags"`
	Owners    *[]ownerView  `json:"owners,omitempty"`
	CreatedAt *time.Time    `json:"created_at,omitempty"`
	UpdatedAt *time.Time    `json:"updated_at,omitempty"`
	DeletedAt *time.Time    `json:"deleted_at,omitempty"`
}

type objectChangeView struct {
	ID   string `json:"id"`
	Path string `json:"path"`
	Kind string `json:"kind"`
	Type string `json:"type"`
}

type columnShapeView struct {
	Type     string `json:"type"`
	Position int    `json:"position"`
	Nullable bool   `json:"nullable"`
}

type columnChangeView struct {
	Table   string           `json:"table"`
	TableID string           `json:"table_id"`
	Column  string           `json:"column"`
	Old     *columnShapeView `json:"old"`
	New     *columnShapeView `json:"new"`
}

// failureView is a failed subtree as printed: the JSON of objsync.Failure,
// with the path held as the text scripts (and connctl's tests) read back.
type failureView struct {
	Path  string `json:"path"`
	Op    string `json:"op"`
	Error string `json:"error"`
}

type reportView struct {
	Connection     string               `json:"connection"`
	Root           string               `json:"root"`
	DryRun         bool                 `json:"dry_run"`
	Started        *time.Time           `json:"started,omitempty"`
	Finished       *time.Time           `json:"finished,omitempty"`
	DurationMS     int64                `json:"duration_ms"`
	Counts         objsync.Counts       `json:"counts"`
	Added          []objectChangeView   `json:"added"`
	Deleted        []objectChangeView   `json:"deleted"`
	Reactivated    []objectChangeView   `json:"reactivated"`
	ColumnsAdded   []columnChangeView   `json:"columns_added"`
	ColumnsDeleted []columnChangeView   `json:"columns_deleted"`
	ColumnsChanged []columnChangeView   `json:"columns_changed"`
	Conflicts      []objsync.Conflict   `json:"conflicts"`
	Failed         []failureView        `json:"failed"`
	Requests       []objsync.RequestRef `json:"requests"`
	Truncated      bool                 `json:"truncated"`
}

type grantView struct {
	Connection string      `json:"connection"`
	Path       string      `json:"path"`
	ObjectID   string      `json:"object_id"`
	Subject    subjectView `json:"subject"`
	Role       string      `json:"role"`
	GrantedBy  string      `json:"granted_by"`
	GrantedAt  *time.Time  `json:"granted_at,omitempty"`
}

type requestView struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Connection  string     `json:"connection"`
	Table       string     `json:"table"`
	TableID     string     `json:"table_id"`
	Column      string     `json:"column"`
	ColumnType  string     `json:"column_type"`
	State       string     `json:"state"`
	CreatedAt   *time.Time `json:"created_at,omitempty"`
	ValidatedAt *time.Time `json:"validated_at,omitempty"`
	ValidatedBy string     `json:"validated_by"`
}

type policyView struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	TargetTags  []string   `json:"target_tags"`
	Active      bool       `json:"active"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty"`
	UpdatedBy   string     `json:"updated_by"`
}

type tagHitView struct {
	Path     string  `json:"path"`
	ObjectID string  `json:"object_id"`
	Column   string  `json:"column"`
	Tag      tagView `json:"tag"`
}

func ptr[T any](v T) *T { return &v }

// timePtr returns t in UTC, or nil when it is zero.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func idString(id hierarchy.ID) string {
	if id.IsZero() {
		return ""
	}
	return id.String()
}

func newSettingsView(s store.Settings) settingsView {
	return settingsView{
		Schedule: scheduleView{
			IntervalSeconds: int64(s.Schedule.Interval / time.Second),
			OffsetSeconds:   int64(s.Schedule.Offset / time.Second),
		},
		Impersonation:     s.Impersonation,
		ImpersonationRole: s.ImpersonationRole,
		ProjectWorkspaces: s.ProjectWorkspaces,
		TableGrants:       s.TableGrants,
		InternalDatabase:  s.InternalDatabase,
		MaxDeleteShare:    s.MaxDeleteShare,
	}
}

func newConnectionView(c connection.Connection) connectionView {
	cfg := map[string]string{}
	for k, v := range c.Config {
		cfg[k] = v
	}
	return connectionView{
		Key:         c.Key,
		DisplayName: c.DisplayName,
		Technology:  c.Technology,
		Config:      cfg,
		Settings:    newSettingsView(c.Settings),
		Status:      string(c.Status),
		HostID:      idString(c.HostID),
		CreatedBy:   c.CreatedBy,
		CreatedAt:   timePtr(c.CreatedAt),
		UpdatedAt:   timePtr(c.UpdatedAt),
		LastSync:    timePtr(c.LastSync),
	}
}

func newTagViews(ts []hierarchy.Tag) []tagView {
	out := make([]tagView, 0, len(ts))
	for _, t := range ts {
		out = append(out, tagView{Name: t.Name, Value: t.Value, Source: t.Source.String()})
	}
	return out
}

func newColumnViews(cs []hierarchy.Column) []columnView {
	out := make([]columnView, 0, len(cs))
	for _, c := range cs {
		out = append(out, columnView{
			Name: c.Name, Type: c.Type, Position: c.Position, Nullable: c.Nullable,
			Comment: c.Comment, Tags: newTagViews(c.Tags),
		})
	}
	return out
}

func newSubjectView(s store.Subject) subjectView {
	return subjectView{Kind: s.Kind.String(), Name: s.Name}
}

func newOwnerViews(os []perms.Owner) []ownerView {
	out := make([]ownerView, 0, len(os))
	for _, o := range os {
		out = append(out, ownerView{
			Subject:       newSubjectView(o.Subject),
			Inherited:     o.Inherited,
			InheritedFrom: o.InheritedFromPath.String(),
			GrantedBy:     o.Grant.GrantedBy,
			GrantedAt:     timePtr(o.Grant.GrantedAt),
		})
	}
	return out
}

// newObjectView describes o; enableFrom and newChildrenFrom are the paths
// where its effective settings are set ("" when unknown or default).
func newObjectView(o connection.Object, enableFrom, newChildrenFrom string) objectView {
	return objectView{
		ID:                   idString(o.ID),
		Path:                 o.Path.String(),
		Names:                append([]string{}, o.Path...),
		Name:                 o.Path.Name(),
		Kind:                 o.Kind.String(),
		Type:                 o.Type,
		Comment:              o.Comment,
		State:                o.State.String(),
		DeletedRemotely:      o.State == hierarchy.DeletedRemotely,
		Enable:               o.Enable.String(),
		Enabled:              o.Enabled,
		EnableFrom:           enableFrom,
		DataSource:           o.Enabled && o.Kind == hierarchy.KindTable,
		NewChildren:          o.NewChildren.String(),
		NewChildrenEffective: o.NewChildrenEffective.String(),
		NewChildrenFrom:      newChildrenFrom,
		Children:             o.Children,
		Descendants:          o.Descendants,
		Depth:                len(o.Path) - 1,
		Columns:              ptr(newColumnViews(o.Columns)),
		Tags:                 newTagViews(o.Tags),
		Owners:               ptr(newOwnerViews(o.Owners)),
		CreatedAt:            timePtr(o.CreatedAt),
		UpdatedAt:            timePtr(o.UpdatedAt),
		DeletedAt:            timePtr(o.DeletedAt),
	}
}

func newObjectChangeViews(cs []objsync.ObjectChange) []objectChangeView {
	out := make([]objectChangeView, 0, len(cs))
	for _, c := range cs {
		out = append(out, objectChangeView{ID: idString(c.ID), Path: c.Path.String(), Kind: c.Kind.String(), Type: c.Type})
	}
	return out
}

func newColumnShape(c *hierarchy.Column) *columnShapeView {
	if c == nil {
		return nil
	}
	return &columnShapeView{Type: c.Type, Position: c.Position, Nullable: c.Nullable}
}

func newColumnChangeViews(cs []objsync.ColumnChange) []columnChangeView {
	out := make([]columnChangeView, 0, len(cs))
	for _, c := range cs {
		out = append(out, columnChangeView{
			Table: c.Table.String(), TableID: idString(c.TableID), Column: c.Column,
			Old: newColumnShape(c.Old), New: newColumnShape(c.New),
		})
	}
	return out
}

func newReportView(r *objsync.Report) reportView {
	v := reportView{
		Connection:     r.Connection,
		Root:           r.Root.String(),
		DryRun:         r.DryRun,
		Started:        timePtr(r.Started),
		Finished:       timePtr(r.Finished),
		DurationMS:     r.Duration.Milliseconds(),
		Counts:         r.Counts,
		Added:          newObjectChangeViews(r.Added),
		Deleted:        newObjectChangeViews(r.Deleted),
		Reactivated:    newObjectChangeViews(r.Reactivated),
		ColumnsAdded:   newColumnChangeViews(r.ColumnsAdded),
		ColumnsDeleted: newColumnChangeViews(r.ColumnsDeleted),
		ColumnsChanged: newColumnChangeViews(r.ColumnsChanged),
		Conflicts:      append([]objsync.Conflict{}, r.Conflicts...),
		Failed:         []failureView{},
		Requests:       append([]objsync.RequestRef{}, r.Requests...),
		Truncated:      r.Truncated,
	}
	for _, f := range r.Failed {
		v.Failed = append(v.Failed, failureView{Path: f.Path.String(), Op: f.Op, Error: f.Error})
	}
	return v
}

func newGrantView(g store.Grant, path hierarchy.Path) grantView {
	return grantView{
		Connection: g.Connection,
		Path:       path.String(),
		ObjectID:   idString(g.Object),
		Subject:    newSubjectView(g.Subject),
		Role:       string(g.Role),
		GrantedBy:  g.GrantedBy,
		GrantedAt:  timePtr(g.GrantedAt),
	}
}

func newRequestView(r store.Request) requestView {
	return requestView{
		ID:          idString(r.ID),
		Kind:        string(r.Kind),
		Connection:  r.Connection,
		Table:       r.Path.String(),
		TableID:     idString(r.Object),
		Column:      r.Column,
		ColumnType:  r.ColumnType,
		State:       string(r.State),
		CreatedAt:   timePtr(r.CreatedAt),
		ValidatedAt: timePtr(r.ValidatedAt),
		ValidatedBy: r.ValidatedBy,
	}
}

func newPolicyView(p store.Policy) policyView {
	return policyView{
		Name:        p.Name,
		Description: p.Description,
		TargetTags:  append([]string{}, p.TargetTags...),
		Active:      p.Active,
		UpdatedAt:   timePtr(p.UpdatedAt),
		UpdatedBy:   p.UpdatedBy,
	}
}
