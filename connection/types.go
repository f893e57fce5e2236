package connection

import "github.com/govkit/connections/store"

// Connection is a registered data platform, as the store keeps it.
type Connection = store.Connection

// Settings are a connection's settings (B6).
type Settings = store.Settings
