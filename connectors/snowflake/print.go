package snowflake

import (
	"fmt"
	"io"
)

// String shows nothing of the connector's fields: it holds the secrets it
// scrubs from errors, which no printing shows.
func (c *Connector) String() string { return "snowflake.Connector{}" }

// GoString is String, so that %#v shows no secret either.
func (c *Connector) GoString() string { return c.String() }

// Format writes String for every verb, so that no verb prints the fields.
func (c *Connector) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }
