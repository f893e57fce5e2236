package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/govkit/connections/connection"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/store"
)

// treeNode is an object of a tree walk with where its settings come from.
type treeNode struct {
	obj             connection.Object
	enableFrom      string
	newChildrenFrom string
	last            []bool // for each level, whether the object is its parent's last child
}

// object reads the object at path and computes where its effective
// settings come from (see inherit), by reading its ancestors (at most
// three).
func (inv *invocation) object(ctx context.Context, path hierarchy.Path) (obj connection.Object, enableFrom, newChildrenFrom string, err error) {
	obj, err = inv.svc.Object(ctx, inv.actor, path)
	if err != nil {
		return obj, "", "", err
	}
	for i := 1; i < len(path); i++ {
		a, err := inv.svc.Object(ctx, inv.actor, path[:i])
		if err != nil {
			return obj, "", "", err
		}
		enableFrom, newChildrenFrom = inherit(a.Object, enableFrom, newChildrenFrom)
	}
	enableFrom, newChildrenFrom = inherit(obj.Object, enableFrom, newChildrenFrom)
	return obj, enableFrom, newChildrenFrom, nil
}

// inherit returns where the settings of o come from, given where its
// parent's come from.
func inherit(o hierarchy.Object, enableFrom, newChildrenFrom string) (string, string) {
	if o.Enable != hierarchy.Inherit {
		enableFrom = o.Path.String()
	}
	if o.NewChildren != hierarchy.Inherit {
		newChildrenFrom = o.Path.String()
	}
	return enableFrom, newChildrenFrom
}

func treeCmd() *command {
	return &command{
		name:     "tree",
		synopsis: "[PATH] [--depth N] [--columns]",
		summary:  "print the hierarchy under PATH (every connection without it) with state and enable settings",
		maxArgs:  1,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			var depth int
			var columns bool
			fs.IntVar(&depth, "depth", 0, "print at most `n` levels below PATH (0: all)")
			fs.BoolVar(&columns, "columns", false, "read each table's data dictionary too (one store read per table)")
			return func(ctx context.Context, inv *invocation, args []string) error {
				if depth < 0 {
					return usageErrorf("--depth must not be negative")
				}
				var roots []hierarchy.Path
				root := ""
				if len(args) == 1 {
					p, err := parseObjectPath(args[0])
					if err != nil {
						return err
					}
					roots, root = []hierarchy.Path{p}, p.String()
				} else {
					conns, err := inv.svc.List(ctx, inv.actor)
					if err != nil {
						return err
					}
					for _, c := range conns {
						roots = append(roots, hierarchy.Path{c.Key})
					}
				}
				var nodes []treeNode
				for _, p := range roots {
					obj, ef, nf, err := inv.object(ctx, p)
					if err != nil {
						return err
					}
					obj.Owners = nil
					if !columns {
						obj.Columns = nil
					}
					nodes = append(nodes, treeNode{obj: obj, enableFrom: ef, newChildrenFrom: nf})
					if obj.Kind != hierarchy.KindTable {
						if nodes, err = inv.walk(ctx, nodes, p, ef, nf, nil, depth, 1, columns); err != nil {
							return err
						}
					}
				}
				views := make([]objectView, 0, len(nodes))
				for _, n := range nodes {
					v := newObjectView(n.obj, n.enableFrom, n.newChildrenFrom)
					v.Owners = nil
					if !columns || n.obj.Kind != hierarchy.KindTable {
						v.Columns = nil
					}
					views = append(views, v)
				}
				return inv.emit(struct {
					Root    string       `json:"root"`
					Objects []objectView `json:"objects"`
				}{root, views}, func(w io.Writer) {
					if len(nodes) == 0 {
						fmt.Fprintln(w, "No connections.")
					}
					for _, n := range nodes {
						fmt.Fprintln(w, treeLine(n, columns))
					}
				})
			}
		},
	}
}

// walk appends the objects under path, depth first in name order.
func (inv *invocation) walk(ctx context.Context, nodes []treeNode, path hierarchy.Path, enableFrom, newChildrenFrom string,
	last []bool, maxDepth, level int, columns bool) ([]treeNode, error) {
	if maxDepth > 0 && level > maxDepth {
		return nodes, nil
	}
	var children []connection.Object
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		items, next, err := inv.svc.Children(ctx, inv.actor, path, page)
		if err != nil {
			return nodes, err
		}
		children = append(children, items...)
		if next == "" {
			break
		}
		page.After = next
	}
	for i, c := range children {
		ef, nf := inherit(c.Object, enableFrom, newChildrenFrom)
		l := append(append([]bool(nil), last...), i == len(children)-1)
		if columns && c.Kind == hierarchy.KindTable {
			full, err := inv.svc.Object(ctx, inv.actor, c.Path)
			if err != nil {
				return nodes, err
			}
			c.Columns = full.Columns
		}
		nodes = append(nodes, treeNode{obj: c, enableFrom: ef, newChildrenFrom: nf, last: l})
		if c.Kind != hierarchy.KindTable {
			var err error
			if nodes, err = inv.walk(ctx, nodes, c.Path, ef, nf, l, maxDepth, level+1, columns); err != nil {
				return nodes, err
			}
		}
	}
	return nodes, nil
}

// treeLine draws one object of a tree:
//
//	│   ├── orders  TABLE  enabled  [deleted remotely]
func treeLine(n treeNode, columns bool) string {
	var b strings.Builder
	for i, last := range n.last {
		switch {
		case i == len(n.last)-1 && last:
			b.WriteString("└── ")
		case i == len(n.last)-1:
			b.WriteString("├── ")
		case last:
			b.WriteString("    ")
		default:
			b.WriteString("│   ")
		}
	}
	o := n.obj
	if len(n.last) == 0 {
		b.WriteString(o.Path.String())
		if o.Kind == hierarchy.KindHost && o.Comment != "" {
			b.WriteString("  (" + o.Comment + ")")
		}
	} else {
		b.WriteString(hierarchy.EscapeSegment(o.Name()))
	}
	if o.Type != "" {
		b.WriteString("  " + o.Type)
	}
	b.WriteString("  " + enabledWord(o.Enabled))
	if o.Enable != hierarchy.Inherit {
		b.WriteString(" (set here)")
	}
	if o.NewChildren != hierarchy.Inherit {
		b.WriteString("  new children: " + o.NewChildren.String())
	}
	if o.State == hierarchy.DeletedRemotely {
		b.WriteString("  [deleted remotely]")
	}
	if columns && o.Kind == hierarchy.KindTable {
		b.WriteString("  " + columnList(o.Columns))
	}
	return b.String()
}

func enabledWord(enabled bool) string {
	if enabled {
		return "enabled"
	}
	return "disabled"
}

// columnList writes "(id, name, email*New*)".
func columnList(cols []hierarchy.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name
		for _, t := range c.Tags {
			if t.Source == hierarchy.TagNew {
				parts[i] += " [New]"
			}
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func showCmd() *command {
	return &command{
		name:     "show",
		synopsis: "PATH",
		summary:  "show one object: settings and where they come from, data dictionary, tags, owners and where each is inherited from",
		minArgs:  1, maxArgs: 1,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			return func(ctx context.Context, inv *invocation, args []string) error {
				p, err := parseObjectPath(args[0])
				if err != nil {
					return err
				}
				obj, ef, nf, err := inv.object(ctx, p)
				if err != nil {
					return err
				}
				return inv.emit(newObjectView(obj, ef, nf), func(w io.Writer) {
					printObject(w, obj, ef, nf)
				})
			}
		},
	}
}

func printObject(w io.Writer, o connection.Object, enableFrom, newChildrenFrom string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Path:\t%s\n", o.Path)
	fmt.Fprintf(tw, "Kind:\t%s (%s)\n", o.Kind, o.Type)
	fmt.Fprintf(tw, "ID:\t%s\n", o.ID)
	state := o.State.String()
	if o.State == hierarchy.DeletedRemotely {
		state = fmt.Sprintf("deleted remotely at %s (delete it with \"connctl delete\")", o.DeletedAt.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(tw, "State:\t%s\n", state)
	fmt.Fprintf(tw, "Enabled:\t%s\n", describeEnabled(o, enableFrom))
	if o.Kind != hierarchy.KindTable {
		fmt.Fprintf(tw, "New children:\t%s\n", describeSetting(o.NewChildrenEffective.String(), o.NewChildren, newChildrenFrom, "they follow their parent"))
	}
	if o.Kind == hierarchy.KindTable {
		fmt.Fprintf(tw, "Data source:\t%t\n", o.Enabled)
	} else {
		fmt.Fprintf(tw, "Children:\t%d (%d objects below)\n", o.Children, o.Descendants)
	}
	if o.Comment != "" {
		fmt.Fprintf(tw, "Comment:\t%s\n", o.Comment)
	}
	fmt.Fprintf(tw, "Created:\t%s\n", o.CreatedAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(tw, "Updated:\t%s\n", o.UpdatedAt.UTC().Format(time.RFC3339))
	_ = tw.Flush()

	fmt.Fprintln(w, "Owners:")
	if len(o.Owners) == 0 {
		fmt.Fprintln(w, "  none (admins only)")
	}
	for _, ow := range o.Owners {
		from := "granted here"
		if ow.Inherited {
			from = "inherited from " + ow.InheritedFromPath.String()
		}
		fmt.Fprintf(w, "  %s %s  (%s by %s)\n", ow.Subject.Kind, ow.Subject.Name, from, ow.Grant.GrantedBy)
	}
	fmt.Fprintln(w, "Tags:")
	if len(o.Tags) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, t := range o.Tags {
		fmt.Fprintf(w, "  %s  [%s]\n", t, t.Source)
	}
	if o.Kind == hierarchy.KindTable {
		fmt.Fprintln(w, "Columns:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  #\tNAME\tTYPE\tNULL\tTAGS")
		for _, c := range o.Columns {
			var tags []string
			for _, t := range c.Tags {
				tags = append(tags, fmt.Sprintf("%s [%s]", t, t.Source))
			}
			null := "no"
			if c.Nullable {
				null = "yes"
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\n", c.Position, c.Name, c.Type, null, strings.Join(tags, ", "))
		}
		_ = tw.Flush()
	}
}

// describeEnabled says whether o is enabled and why.
func describeEnabled(o connection.Object, enableFrom string) string {
	if o.State == hierarchy.DeletedRemotely {
		return "disabled (deleted remotely)"
	}
	return describeSetting(enabledWord(o.Enabled), o.Enable, enableFrom, "default: disabled")
}

// describeSetting writes "enabled (set here: enable)" or "enabled
// (inherited from x.y)".
func describeSetting(effective string, own hierarchy.Setting, from, none string) string {
	switch {
	case own != hierarchy.Inherit:
		return fmt.Sprintf("%s (set here: %s)", effective, own)
	case from == "":
		return fmt.Sprintf("%s (nothing set up the path; %s)", effective, none)
	default:
		return fmt.Sprintf("%s (inherited from %s)", effective, from)
	}
}
