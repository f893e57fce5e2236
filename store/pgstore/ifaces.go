package pgstore

import "github.com/govkit/connections/store"

// The abilities the package documentation promises.
var (
	_ store.Store              = (*Store)(nil)
	_ store.Locker             = (*Store)(nil)
	_ store.ChildLister        = (*Store)(nil)
	_ store.ConnectionModifier = (*Store)(nil)
)
