package connection_test

import (
	"time"

	"github.com/govkit/connections/store"
)

func connectionSchedule(interval, offset time.Duration) store.Schedule {
	return store.Schedule{Interval: interval, Offset: offset}
}

func storeTagQuery(key, name string) store.TagQuery {
	return store.TagQuery{Name: name, Connection: key}
}

func storeGrantFilter(key string) store.GrantFilter { return store.GrantFilter{Connection: key} }

func pageAll() store.Page { return store.Page{Limit: store.MaxPageLimit} }
