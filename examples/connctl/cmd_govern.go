package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/store"
)

func enableCmd(name string) *command {
	setting := map[string]hierarchy.Setting{"enable": hierarchy.Enable, "disable": hierarchy.Disable, "inherit": hierarchy.Inherit}[name]
	summary := map[string]string{
		"enable":  "enable PATH and everything under it (tables become data sources); with --new-children, enable what sync finds under PATH",
		"disable": "disable PATH and everything under it; with --new-children, disable what sync finds under PATH",
		"inherit": "make PATH follow its parent again; with --new-children, make what sync finds under PATH follow its parent",
	}[name]
	return &command{
		name:     name,
		synopsis: "PATH [--new-children]",
		summary:  summary,
		minArgs:  1, maxArgs: 1,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			var newChildren bool
			fs.BoolVar(&newChildren, "new-children", false, "change the setting for children sync finds, not the object's own")
			return func(ctx context.Context, inv *invocation, args []string) error {
				p, err := parseObjectPath(args[0])
				if err != nil {
					return err
				}
				if newChildren {
					err = inv.svc.SetNewChildren(ctx, inv.actor, p, setting)
				} else {
					err = inv.svc.SetEnable(ctx, inv.actor, p, setting)
				}
				if err != nil {
					return err
				}
				obj, ef, nf, err := inv.object(ctx, p)
				if err != nil {
					return err
				}
				return inv.emit(newObjectView(obj, ef, nf), func(w io.Writer) {
					if newChildren {
						fmt.Fprintf(w, "%s: new children %s (effective: %s).\n", p, obj.NewChildren, obj.NewChildrenEffective)
						return
					}
					fmt.Fprintf(w, "%s: %s.\n", p, describeEnabled(obj, ef))
				})
			}
		},
	}
}

func deleteCmd() *command {
	return &command{
		name:     "delete",
		synopsis: "PATH [--force]",
		summary:  "delete a database, schema or table (typically deleted remotely) and everything under it from the store",
		minArgs:  1, maxArgs: 1,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			var force bool
			fs.BoolVar(&force, "force", false, "delete an object the platform still lists (the next sync finds it again as new, without its settings, grants and tags)")
			return func(ctx context.Context, inv *invocation, args []string) error {
				p, err := parseObjectPath(args[0])
				if err != nil {
					return err
				}
				if len(p) == 1 {
					return usageErrorf("%s is a connection: deregister it instead", p)
				}
				obj, err := inv.svc.Object(ctx, inv.actor, p)
				if err != nil {
					return err
				}
				if obj.State == hierarchy.Active && !force {
					return usageErrorf("%s is still on the platform: the next sync would find it again as new, without its settings, grants and tags; pass --force to delete it anyway", p)
				}
				n, err := inv.svc.Delete(ctx, inv.actor, p)
				if err != nil {
					return err
				}
				return inv.emit(struct {
					Path    string `json:"path"`
					Deleted int64  `json:"deleted"`
				}{p.String(), n}, func(w io.Writer) {
					fmt.Fprintf(w, "Deleted %s (%s).\n", p, plural(n, "object"))
				})
			}
		},
	}
}

// parseSubject reads "alice", "user:alice" or "group:analysts".
func parseSubject(s string) (store.Subject, error) {
	kind, name, ok := strings.Cut(s, ":")
	if !ok {
		kind, name = "user", s
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return store.Subject{}, usageErrorf("principal %q names no one (want NAME, user:NAME or group:NAME)", s)
	}
	switch kind {
	case "user":
		return store.Subject{Kind: store.SubjectUser, Name: name}, nil
	case "group":
		return store.Subject{Kind: store.SubjectGroup, Name: name}, nil
	}
	return store.Subject{}, usageErrorf("principal %q: kind %q is neither user nor group", s, kind)
}

func grantCmd(name string) *command {
	summary := "grant Data Owner on PATH, and everything under it, to a user or group (admins)"
	if name == "revoke" {
		summary = "revoke a Data Owner grant on PATH itself from a user or group (admins)"
	}
	return &command{
		name:     name,
		synopsis: "owner PRINCIPAL PATH  (PRINCIPAL: NAME, user:NAME or group:NAME)",
		summary:  summary,
		minArgs:  3, maxArgs: 3,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			return func(ctx context.Context, inv *invocation, args []string) error {
				switch strings.ToLower(args[0]) {
				case "owner", "data-owner", "data_owner":
				default:
					return usageErrorf("unknown role %q: the only role is owner (Data Owner)", args[0])
				}
				subj, err := parseSubject(args[1])
				if err != nil {
					return err
				}
				p, err := parseObjectPath(args[2])
				if err != nil {
					return err
				}
				if name == "revoke" {
					if err := inv.svc.Revoke(ctx, inv.actor, p, subj); err != nil {
						return err
					}
					return inv.emit(struct {
						Path    string      `json:"path"`
						Subject subjectView `json:"subject"`
						Role    string      `json:"role"`
						Revoked bool        `json:"revoked"`
					}{p.String(), newSubjectView(subj), string(store.RoleDataOwner), true}, func(w io.Writer) {
						fmt.Fprintf(w, "Revoked Data Owner on %s from %s %s.\n", p, subj.Kind, subj.Name)
					})
				}
				g, err := inv.svc.Grant(ctx, inv.actor, p, subj)
				if err != nil {
					return err
				}
				return inv.emit(newGrantView(g, p), func(w io.Writer) {
					fmt.Fprintf(w, "Granted Data Owner on %s to %s %s.\n", p, subj.Kind, subj.Name)
				})
			}
		},
	}
}

// splitTagTarget reads the path of an object or of a column (five
// segments): it returns the object's path and the column's name.
func splitTagTarget(s string) (hierarchy.Path, string, error) {
	p, err := parsePath(s)
	if err != nil {
		return nil, "", err
	}
	if p.Kind() == hierarchy.KindColumn {
		return p.Parent(), p.Name(), nil
	}
	return p, "", nil
}

func tagsCmd() *command {
	return &command{
		name:     "tags",
		synopsis: "add PATH NAME[=VALUE] | remove PATH NAME | list PATH | find NAME [--value V] [--source S] [--connection KEY]",
		summary:  "add or remove user tags on an object or a column (a path one segment longer than its table's), list or find tags",
		minArgs:  2, maxArgs: 3,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			var value, source, conn string
			fs.StringVar(&value, "value", "", "find: only tags with this `value`")
			fs.StringVar(&source, "source", "", "find: only tags from this `source` (user, system, new, platform)")
			fs.StringVar(&conn, "connection", "", "find: only in the connection with this `key`")
			return func(ctx context.Context, inv *invocation, args []string) error {
				switch args[0] {
				case "add":
					return inv.tagAdd(ctx, args[1:])
				case "remove", "rm":
					return inv.tagRemove(ctx, args[1:])
				case "list", "ls":
					if len(args) != 2 {
						return usageErrorf("tags list takes PATH")
					}
					return inv.tagList(ctx, args[1])
				case "find":
					if len(args) != 2 {
						return usageErrorf("tags find takes NAME")
					}
					q := store.TagQuery{Name: args[1], Value: value, Connection: conn}
					if source != "" {
						src, err := hierarchy.ParseTagSource(source)
						if err != nil {
							return usageErrorf("--source: %v", err)
						}
						q.Source = &src
					}
					return inv.tagFind(ctx, q)
				}
				return usageErrorf("unknown tags action %q (add, remove, list or find)", args[0])
			}
		},
	}
}

func (inv *invocation) tagAdd(ctx context.Context, args []string) error {
	if len(args) != 2 {
		return usageErrorf("tags add takes PATH NAME[=VALUE]")
	}
	p, col, err := splitTagTarget(args[0])
	if err != nil {
		return err
	}
	name, value, _ := strings.Cut(args[1], "=")
	ref, err := inv.svc.AddTag(ctx, inv.actor, p, col, name, value)
	if err != nil {
		return err
	}
	return inv.emit(struct {
		Path   string  `json:"path"`
		Column string  `json:"column"`
		Tag    tagView `json:"tag"`
	}{p.String(), col, tagView{Name: ref.Tag.Name, Value: ref.Tag.Value, Source: ref.Tag.Source.String()}}, func(w io.Writer) {
		fmt.Fprintf(w, "Tagged %s with %s.\n", targetString(p, col), ref.Tag)
	})
}

func (inv *invocation) tagRemove(ctx context.Context, args []string) error {
	if len(args) != 2 {
		return usageErrorf("tags remove takes PATH NAME")
	}
	p, col, err := splitTagTarget(args[0])
	if err != nil {
		return err
	}
	if err := inv.svc.RemoveTag(ctx, inv.actor, p, col, args[1]); err != nil {
		return err
	}
	return inv.emit(struct {
		Path    string `json:"path"`
		Column  string `json:"column"`
		Name    string `json:"name"`
		Removed bool   `json:"removed"`
	}{p.String(), col, args[1], true}, func(w io.Writer) {
		fmt.Fprintf(w, "Removed tag %s from %s.\n", args[1], targetString(p, col))
	})
}

func targetString(p hierarchy.Path, col string) string {
	if col == "" {
		return p.String()
	}
	return p.Child(col).String()
}

func (inv *invocation) tagList(ctx context.Context, arg string) error {
	p, col, err := splitTagTarget(arg)
	if err != nil {
		return err
	}
	obj, err := inv.svc.Object(ctx, inv.actor, p)
	if err != nil {
		return err
	}
	type entry struct {
		Path   string  `json:"path"`
		Column string  `json:"column"`
		Tag    tagView `json:"tag"`
	}
	tags := []entry{}
	if col == "" {
		for _, t := range newTagViews(obj.Tags) {
			tags = append(tags, entry{Path: p.String(), Tag: t})
		}
	}
	found := col == ""
	for _, c := range obj.Columns {
		if col != "" && c.Name != col {
			continue
		}
		found = true
		for _, t := range newTagViews(c.Tags) {
			tags = append(tags, entry{Path: p.String(), Column: c.Name, Tag: t})
		}
	}
	if !found {
		return fmt.Errorf("column %s: %w", p.Child(col), connections.ErrNotFound)
	}
	return inv.emit(struct {
		Tags []entry `json:"tags"`
	}{tags}, func(w io.Writer) {
		if len(tags) == 0 {
			fmt.Fprintf(w, "No tags on %s.\n", targetString(p, col))
		}
		for _, e := range tags {
			fmt.Fprintf(w, "%s  %s  [%s]\n", targetString(p, e.Column), hierarchy.Tag{Name: e.Tag.Name, Value: e.Tag.Value}, e.Tag.Source)
		}
	})
}

func (inv *invocation) tagFind(ctx context.Context, q store.TagQuery) error {
	hits := []tagHitView{}
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		items, next, err := inv.svc.FindByTag(ctx, inv.actor, q, page)
		if err != nil {
			return err
		}
		for _, h := range items {
			hits = append(hits, tagHitView{Path: h.Path.String(), ObjectID: idString(h.Object), Column: h.Column,
				Tag: tagView{Name: h.Tag.Name, Value: h.Tag.Value, Source: h.Tag.Source.String()}})
		}
		if next == "" {
			break
		}
		page.After = next
	}
	return inv.emit(struct {
		Hits []tagHitView `json:"hits"`
	}{hits}, func(w io.Writer) {
		if len(hits) == 0 {
			fmt.Fprintf(w, "Nothing tagged %s.\n", q.Name)
		}
		for _, h := range hits {
			target := h.Path
			if h.Column != "" {
				target += "." + hierarchy.EscapeSegment(h.Column)
			}
			fmt.Fprintf(w, "%s  %s  [%s]\n", target, hierarchy.Tag{Name: h.Tag.Name, Value: h.Tag.Value}, h.Tag.Source)
		}
	})
}

func policyCmd() *command {
	return &command{
		name:     "policy",
		synopsis: "list | activate [NAME] | stage [NAME]   (NAME defaults to \"" + connection.NewColumnAddedPolicy + "\")",
		summary:  "list the global policies, or activate or stage one (admins); while \"New Column Added\" is active, column changes raise requests",
		minArgs:  1, maxArgs: 2,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			return func(ctx context.Context, inv *invocation, args []string) error {
				name := connection.NewColumnAddedPolicy
				if len(args) == 2 {
					name = args[1]
				}
				var p store.Policy
				var err error
				switch args[0] {
				case "list", "ls":
					if len(args) != 1 {
						return usageErrorf("policy list takes no name")
					}
					ps, err := inv.svc.Policies(ctx, inv.actor)
					if err != nil {
						return err
					}
					views := make([]policyView, 0, len(ps))
					for _, p := range ps {
						views = append(views, newPolicyView(p))
					}
					return inv.emit(struct {
						Policies []policyView `json:"policies"`
					}{views}, func(w io.Writer) {
						tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
						fmt.Fprintln(tw, "NAME\tSTATE\tTARGETS\tUPDATED BY")
						for _, p := range ps {
							fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, policyState(p.Active), strings.Join(p.TargetTags, ", "), p.UpdatedBy)
						}
						_ = tw.Flush()
					})
				case "activate":
					p, err = inv.svc.ActivatePolicy(ctx, inv.actor, name)
				case "stage":
					p, err = inv.svc.StagePolicy(ctx, inv.actor, name)
				default:
					return usageErrorf("unknown policy action %q (list, activate or stage)", args[0])
				}
				if err != nil {
					return err
				}
				return inv.emit(newPolicyView(p), func(w io.Writer) {
					fmt.Fprintf(w, "Policy %q is %s.\n", p.Name, policyState(p.Active))
				})
			}
		},
	}
}

func policyState(active bool) string {
	if active {
		return "active"
	}
	return "staged"
}

func requestsCmd() *command {
	return &command{
		name:     "requests",
		synopsis: "[PATH] [--mine] [--state open|validated|all]",
		summary:  "list validation requests: on PATH and below, the ones on what you own (--mine), or all you may see",
		maxArgs:  1,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			var mine bool
			var stateFlag string
			fs.BoolVar(&mine, "mine", false, "only requests on data sources you (or your groups) own, even as an admin")
			fs.StringVar(&stateFlag, "state", "open", "`state`: open, validated or all")
			return func(ctx context.Context, inv *invocation, args []string) error {
				var state store.RequestState
				switch stateFlag {
				case "open":
					state = store.RequestOpen
				case "validated":
					state = store.RequestValidated
				case "all", "any", "":
				default:
					return usageErrorf("--state %q: want open, validated or all", stateFlag)
				}
				var list func(store.Page) ([]store.Request, string, error)
				switch {
				case len(args) == 1 && mine:
					return usageErrorf("give PATH or --mine, not both")
				case len(args) == 1:
					p, err := parseObjectPath(args[0])
					if err != nil {
						return err
					}
					list = func(pg store.Page) ([]store.Request, string, error) {
						return inv.svc.Requests(ctx, inv.actor, p, state, pg)
					}
				default:
					actor := inv.actor
					if mine {
						// Tasks gives admins every request; as a plain
						// user the actor gets only what they own.
						actor = perms.User(actor.User, actor.Groups...)
					}
					list = func(pg store.Page) ([]store.Request, string, error) {
						return inv.svc.Tasks(ctx, actor, state, pg)
					}
				}
				reqs := []requestView{}
				var raw []store.Request
				page := store.Page{Limit: store.MaxPageLimit}
				for {
					items, next, err := list(page)
					if err != nil {
						return err
					}
					for _, r := range items {
						reqs = append(reqs, newRequestView(r))
					}
					raw = append(raw, items...)
					if next == "" {
						break
					}
					page.After = next
				}
				return inv.emit(struct {
					Requests []requestView `json:"requests"`
				}{reqs}, func(w io.Writer) {
					if len(reqs) == 0 {
						fmt.Fprintln(w, "No requests.")
						return
					}
					tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tKIND\tCOLUMN\tTYPE\tSTATE\tCREATED")
					for _, r := range raw {
						state := string(r.State)
						if r.ValidatedBy != "" {
							state += " by " + r.ValidatedBy
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.Path.Child(r.Column), r.ColumnType, state,
							r.CreatedAt.UTC().Format(time.RFC3339))
					}
					_ = tw.Flush()
				})
			}
		},
	}
}

func validateCmd() *command {
	return &command{
		name:     "validate",
		synopsis: "REQUEST-ID",
		summary:  "validate a request as an owner of its data source (or an admin); an added column loses its New tag",
		minArgs:  1, maxArgs: 1,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			return func(ctx context.Context, inv *invocation, args []string) error {
				id, err := hierarchy.ParseID(args[0])
				if err != nil {
					return usageErrorf("request id %q: %v", args[0], err)
				}
				r, err := inv.svc.Validate(ctx, inv.actor, id)
				if err != nil {
					return err
				}
				return inv.emit(newRequestView(r), func(w io.Writer) {
					fmt.Fprintf(w, "Validated %s %s.\n", r.Kind, r.Path.Child(r.Column))
				})
			}
		},
	}
}
