package trino

import (
	"fmt"
	"io"
)

// String names the connector by its server's host only: the connector
// holds secrets (to scrub them from errors), which no printing shows.
func (c *Connector) String() string {
	if c == nil || c.serverHost == "" {
		return "trino.Connector{}"
	}
	return fmt.Sprintf("trino.Connector{server: %q}", c.serverHost)
}

// GoString is String, so that %#v shows no secret either.
func (c *Connector) GoString() string { return c.String() }

// Format writes String for every verb, so that no verb prints the fields.
func (c *Connector) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }
