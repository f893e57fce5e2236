package requests_test

import (
	"context"
	"fmt"
	"log"

	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/requests"
	"github.com/govkit/connections/store"
	"github.com/govkit/connections/store/memstore"
	"github.com/govkit/connections/tags"
)

// An owner lists their tasks and validates a new column, which removes
// its New tag.
func ExampleService_Validate() {
	ctx := context.Background()
	st := memstore.New(nil)
	host := hierarchy.Object{ID: hierarchy.NewID(), Path: hierarchy.Path{"pg"}}
	if err := st.CreateConnection(ctx, store.Connection{Key: "pg", Technology: "postgres", HostID: host.ID}, host); err != nil {
		log.Fatal(err)
	}
	db := hierarchy.Object{ID: hierarchy.NewID(), Ancestors: host.ChildAncestors(), Path: host.Path.Child("shop")}
	schema := hierarchy.Object{ID: hierarchy.NewID(), Ancestors: db.ChildAncestors(), Path: db.Path.Child("public")}
	email := hierarchy.Column{Name: "email", Type: "text", Position: 1}
	users := hierarchy.Object{ID: hierarchy.NewID(), Ancestors: schema.ChildAncestors(), Path: schema.Path.Child("users"), Columns: []hierarchy.Column{email}}
	// What sync writes when it finds the column while the New policy is active.
	req := requests.ColumnAdded(&users, email, users.CreatedAt)
	for _, cs := range []*store.ChangeSet{
		{Connection: "pg", Container: host.ID, Add: []hierarchy.Object{db}},
		{Connection: "pg", Container: db.ID, Add: []hierarchy.Object{schema}},
		{Connection: "pg", Container: schema.ID, Add: []hierarchy.Object{users},
			AddTags:  []store.TagRef{{Object: users.ID, Column: "email", Tag: tags.New()}},
			Requests: []store.Request{req}},
	} {
		if err := st.Apply(ctx, cs); err != nil {
			log.Fatal(err)
		}
	}

	res := perms.NewResolver(st, nil)
	if _, err := res.Grant(ctx, perms.Admin("root"), &schema, store.Subject{Kind: store.SubjectUser, Name: "olga"}); err != nil {
		log.Fatal(err)
	}
	svc := requests.NewService(st, res, nil)
	olga := perms.User("olga")

	tasks, _, err := svc.Tasks(ctx, olga, store.RequestOpen, store.Page{})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tasks {
		fmt.Println(t.Kind, t.Path.Child(t.Column), t.State)
	}
	done, err := svc.Validate(ctx, olga, tasks[0].ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(done.State, "by", done.ValidatedBy)

	tbl, err := st.Object(ctx, users.ID)
	if err != nil {
		log.Fatal(err)
	}
	col, _ := tbl.Column("email")
	fmt.Println("tags left on email:", len(col.Tags))

	_, err = svc.Validate(ctx, perms.User("mallory"), tasks[0].ID)
	fmt.Println(err)
	// Output:
	// column_added pg.shop.public.users.email open
	// validated by olga
	// tags left on email: 0
	// validate pg.shop.public.users: permission denied: mallory may not validate requests on table pg.shop.public.users: not a data owner of it or of any object above it
}
