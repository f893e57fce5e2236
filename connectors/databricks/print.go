package databricks

import (
	"fmt"
	"io"
)

// String names the connector by its workspace host only: the connector
// holds its credentials and tokens, which no printing shows.
func (c *Connector) String() string {
	if c == nil {
		return "databricks.Connector{}"
	}
	return fmt.Sprintf("databricks.Connector{host: %q}", c.host)
}

// GoString is String, so that %#v shows no secret either.
func (c *Connector) GoString() string { return c.String() }

// Format writes String for every verb, so that no verb prints the fields.
func (c *Connector) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }
