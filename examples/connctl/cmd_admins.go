package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/govkit/connections/store"
)

// adminView is an admin the store keeps, as --json prints it.
type adminView struct {
	Subject subjectView `json:"subject"`
	AddedBy string      `json:"added_by"`
	AddedAt *time.Time  `json:"added_at,omitempty"`
}

func newAdminView(a store.Admin) adminView {
	return adminView{Subject: newSubjectView(a.Subject), AddedBy: a.AddedBy, AddedAt: timePtr(a.AddedAt)}
}

func adminsCmd() *command {
	return &command{
		name:     "admins",
		synopsis: "[list] | add PRINCIPAL | remove PRINCIPAL  (PRINCIPAL: NAME, user:NAME or group:NAME)",
		summary:  "list the admins kept in the store, or add or remove one (admins; --admins names more, not kept)",
		minArgs:  0, maxArgs: 2,
		setup: func(fs *flag.FlagSet) func(context.Context, *invocation, []string) error {
			return func(ctx context.Context, inv *invocation, args []string) error {
				action := "list"
				if len(args) > 0 {
					action = args[0]
				}
				switch action {
				case "list", "ls":
					if len(args) > 1 {
						return usageErrorf("admins list takes no principal")
					}
					return inv.listAdmins(ctx)
				case "add", "remove", "rm":
				default:
					return usageErrorf("unknown admins action %q (list, add or remove)", action)
				}
				if len(args) != 2 {
					return usageErrorf("admins %s needs a PRINCIPAL", action)
				}
				subj, err := parseSubject(args[1])
				if err != nil {
					return err
				}
				if action == "add" {
					a, err := inv.svc.AddAdmin(ctx, inv.actor, subj)
					if err != nil {
						return err
					}
					return inv.emit(newAdminView(a), func(w io.Writer) {
						fmt.Fprintf(w, "%s %s is an admin.\n", subj.Kind, subj.Name)
					})
				}
				if err := inv.svc.RemoveAdmin(ctx, inv.actor, subj); err != nil {
					return err
				}
				return inv.emit(struct {
					Subject subjectView `json:"subject"`
					Removed bool        `json:"removed"`
				}{newSubjectView(subj), true}, func(w io.Writer) {
					fmt.Fprintf(w, "%s %s is an admin no more.\n", subj.Kind, subj.Name)
				})
			}
		},
	}
}

func (inv *invocation) listAdmins(ctx context.Context) error {
	as, err := inv.svc.Admins(ctx, inv.actor)
	if err != nil {
		return err
	}
	views := make([]adminView, 0, len(as))
	for _, a := range as {
		views = append(views, newAdminView(a))
	}
	return inv.emit(struct {
		Admins []adminView `json:"admins"`
	}{views}, func(w io.Writer) {
		if len(as) == 0 {
			fmt.Fprintln(w, "No admins are kept in the store (--admins or "+EnvAdmins+" may name some).")
			return
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tNAME\tADDED BY\tADDED AT")
		for _, a := range as {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Subject.Kind, a.Subject.Name, a.AddedBy, a.AddedAt.UTC().Format(time.RFC3339))
		}
		_ = tw.Flush()
	})
}
